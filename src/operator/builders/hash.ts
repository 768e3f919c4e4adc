// Deterministic JSON and hashes: the pod template carries hashes of the config and of the
// credentials, so equal inputs must give equal bytes whatever order the API returned keys in.
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, indented for people reading the ConfigMap. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    out[key] = sortKeys((value as Record<string, unknown>)[key]);
  }
  return out;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A hash of Secret data (name -> base64 value) that changes when any key or value does. */
export function secretDataHash(data: Record<string, string> | undefined): string {
  return sha256Hex(canonicalJson(data ?? {}));
}
