// jose, loaded on the first token: a node whose clients connect without tokens (anonymous,
// or through the connect proxy) never loads it (bench/results/2026-12-02-idle-node.md).
// Later calls get the module without awaiting again.
type Jose = typeof import('jose');

let loaded: Jose | undefined;

export async function loadJose(): Promise<Jose> {
  loaded ??= await import('jose');
  return loaded;
}

/** The module once loadJose has resolved, without a wait; undefined before. */
export function joseIfLoaded(): Jose | undefined {
  return loaded;
}
