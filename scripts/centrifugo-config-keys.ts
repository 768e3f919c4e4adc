// Writes src/node/config/centrifugo-keys.json: every configuration key of real Centrifugo
// (its type and default), read from the binary's own `configdoc -m` (every key, named-list
// items as `list[].key`) and `defaultconfig -d` (the defaults, typed). The node's config
// loader uses the file to tell a Centrifugo key it does not implement ("not supported yet")
// from a typo ("unknown"), and to accept such a key at its default.
//
//   node scripts/centrifugo-config-keys.ts [path/to/centrifugo]   # default: bench/centrifugo.sh
//
// src/node/config/centrifugo-keys.test.ts regenerates it in memory when the binary is there
// and fails if the checked-in file differs.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface CentrifugoKeys {
  source: string;
  /** Leaf keys (dotted, `[]` after a named list): [Go type, default]. */
  leaves: Record<string, [string, unknown]>;
  /** Keys that are lists of objects (their items' keys are `<list>[].<key>`). */
  lists: string[];
  /** The Go type configdoc names for each key holding other keys (`HTTPServer`, `[]Proxy`). */
  objects: Record<string, string>;
}

const OUT = fileURLToPath(new URL('../src/node/config/centrifugo-keys.json', import.meta.url));

export function centrifugoBinary(): string {
  const script = fileURLToPath(new URL('../bench/centrifugo.sh', import.meta.url));
  return execFileSync('bash', [script], { encoding: 'utf8' }).trim().split('\n').pop() as string;
}

export function readCentrifugoKeys(binary: string): CentrifugoKeys {
  const run = (args: string[]) =>
    execFileSync(binary, args, { encoding: 'utf8', env: cleanEnv(), maxBuffer: 64 << 20 });
  const version = run(['version']).trim();
  const doc = run(['configdoc', '-m']);
  const defaults = JSON.parse(run(['defaultconfig', '-d'])) as Record<string, unknown>;

  const entries = new Map<string, { type: string; docDefault?: string }>();
  let current: string | undefined;
  for (const line of doc.split('\n')) {
    const heading = /^#+ `([^`]+)`/.exec(line);
    if (heading) {
      current = heading[1] as string;
      entries.set(current, { type: '' });
      continue;
    }
    const type = /^Type: `([^`]+)`( object)?(?:\. Default: `(.*)`)?/.exec(line);
    if (current && type) {
      const entry = entries.get(current) as { type: string; docDefault?: string };
      entry.type = `${type[1]}${type[2] ?? ''}`;
      if (type[3] !== undefined) entry.docDefault = type[3];
    }
  }
  const keys = [...entries.keys()];
  const isParent = (k: string) =>
    keys.some((o) => o.startsWith(`${k}.`) || o.startsWith(`${k}[].`));
  const leaves: CentrifugoKeys['leaves'] = {};
  const lists: string[] = [];
  const objects: CentrifugoKeys['objects'] = {};
  for (const [key, { type, docDefault }] of entries) {
    if (isParent(key)) {
      if (type.startsWith('[]')) lists.push(key);
      objects[key] = type.replace(/ object$/, '');
      continue;
    }
    const typed = key.includes('[]') ? undefined : lookup(defaults, key.split('.'));
    leaves[key] = [type, typed !== undefined ? typed : parseDefault(type, docDefault)];
  }
  return {
    source: `${version}: configdoc -m and defaultconfig -d`,
    leaves,
    lists: lists.sort(),
    objects,
  };
}

/** Centrifugo reads CENTRIFUGO_* variables; none may leak into the defaults read here. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('CENTRIFUGO_')),
  );
}

function lookup(obj: unknown, path: string[]): unknown {
  let node = obj;
  for (const p of path) {
    if (typeof node !== 'object' || node === null || !(p in node)) return undefined;
    node = (node as Record<string, unknown>)[p];
  }
  return node;
}

/** A default as configdoc prints it, in the type's JSON form; the zero value when none. */
function parseDefault(type: string, text: string | undefined): unknown {
  switch (type) {
    case 'bool':
      return text === 'true';
    case 'int':
    case 'int32':
    case 'int64':
    case 'uint32':
      return text === undefined ? 0 : Number(text);
    case 'Duration':
      return text ?? '0s';
    case 'MapStringString':
      return text === undefined ? {} : JSON.parse(text);
    case '[]string':
    case '[]centrifuge.DeltaType':
      if (text === undefined) return null;
      return text.startsWith('[') ? JSON.parse(text) : text.split(' ');
    default:
      return text ?? '';
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const keys = readCentrifugoKeys(process.argv[2] ?? centrifugoBinary());
  writeFileSync(OUT, JSON.stringify(keys));
  // In the repository's format (one key per line), so a new Centrifugo key is one diff line.
  const biome = fileURLToPath(new URL('../node_modules/.bin/biome', import.meta.url));
  execFileSync(biome, ['format', '--write', OUT], { stdio: 'ignore' });
  console.log(`${OUT}: ${Object.keys(keys.leaves).length} keys, ${keys.lists.length} lists`);
}
