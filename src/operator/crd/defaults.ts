// Defaulting as the API server does it for a structural schema: walking the value, a missing
// property with a `default` gets it, then defaulting goes on inside it. The same function fills
// the CRD's own object defaults (the server runs CEL rules on a `default: {}` as written, so
// the CRD must carry the filled value) and gives builders the spec they would get from the
// server, so objects read from an older CRD or built in tests look like fresh ones.
import { type CentrifugoSpec, SpecSchema } from './schema.ts';

type Schema = {
  type?: unknown;
  default?: unknown;
  properties?: Record<string, Schema>;
  items?: Schema;
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fills defaults into `value` (mutated and returned). */
export function applyDefaults(schema: Schema, value: unknown): unknown {
  if (isObject(value) && schema.properties) {
    for (const [key, child] of Object.entries(schema.properties)) {
      if (value[key] === undefined && child.default !== undefined) {
        value[key] = structuredClone(child.default);
      }
      if (value[key] !== undefined) applyDefaults(child, value[key]);
    }
  } else if (Array.isArray(value) && schema.items) {
    for (const item of value) applyDefaults(schema.items, item);
  }
  return value;
}

export function withDefaults(spec: unknown): CentrifugoSpec {
  const raw = isObject(spec) ? structuredClone(spec) : {};
  return applyDefaults(SpecSchema as Schema, raw) as CentrifugoSpec;
}
