// `${CENTRIFUGO_VAR_<NAME>}` placeholders inside string maps (the proxies' static headers and
// metadata), expanded from the environment as Centrifugo expands them, so a secret header
// value can stay out of the config file. Only string maps expand; every other value is taken
// as written. A placeholder whose variable is not set stops startup, naming both.
import { Kind, type TSchema } from '@sinclair/typebox';
import { ConfigError } from './errors.ts';
import { ConfigSchema } from './schema.ts';

const PLACEHOLDER = /\$\{(CENTRIFUGO_VAR_[^}]+)\}/g;

/** Expands placeholders in every string map of `raw` (in place). */
export function expandStringMaps(
  raw: Record<string, unknown>,
  env: Record<string, string | undefined>,
): void {
  walk(raw, ConfigSchema, [], env);
}

function walk(
  value: unknown,
  schema: TSchema | undefined,
  path: string[],
  env: Record<string, string | undefined>,
): void {
  if (schema === undefined || typeof value !== 'object' || value === null) return;
  if (schema[Kind] === 'Array' && Array.isArray(value)) {
    value.forEach((item, i) => {
      walk(item, schema.items as TSchema, [...path, String(i)], env);
    });
    return;
  }
  if (Array.isArray(value)) return;
  const obj = value as Record<string, unknown>;
  if (schema[Kind] === 'Record') {
    for (const [key, text] of Object.entries(obj)) {
      if (typeof text !== 'string') continue;
      obj[key] = text.replace(PLACEHOLDER, (_, name: string) => {
        const set = env[name];
        if (set === undefined) {
          const at = [...path, key].join('.');
          throw new ConfigError(`config key "${at}": environment variable "${name}" not found`, at);
        }
        return set;
      });
    }
    return;
  }
  if (schema[Kind] !== 'Object') return;
  for (const [key, child] of Object.entries(obj)) {
    walk(child, schema.properties?.[key] as TSchema | undefined, [...path, key], env);
  }
}
