// The node's config keys, as the operator sees them: through the node's config contract
// (src/node/config/index.ts) only, so the two programs meet in one public surface.
import { LEAVES, type Leaf } from '../../node/config/index.ts';

const BY_DOTTED: ReadonlyMap<string, Leaf> = new Map(LEAVES.map((l) => [l.dotted, l]));

/** The node config leaf of a dotted key (`http_api.key`), or undefined if the node has none. */
export function nodeConfigLeaf(dottedKey: string): Leaf | undefined {
  return BY_DOTTED.get(dottedKey);
}
