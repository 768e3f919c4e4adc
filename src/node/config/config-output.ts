// A loaded config written back out, key by key in schema order: the whole config for
// `defaultconfig`, and one CENTRIFUGO_* variable per key for `defaultenv`, each value in the
// form Centrifugo v6.9.1 prints it (durations as Go prints them: "720h0m0s").
import { Kind, type TSchema } from '@sinclair/typebox';
import { formatGoDuration, parseDuration } from './duration.ts';
import { nameForEnv } from './env.ts';
import { type Config, ConfigSchema } from './schema.ts';

/** Every key of the config, in schema order, durations in Go's form. */
export function fullConfig(config: Config): Record<string, unknown> {
  return ordered(ConfigSchema, config) as Record<string, unknown>;
}

function ordered(schema: TSchema, value: unknown): unknown {
  if (schema[Kind] === 'Object') {
    const source = (value ?? {}) as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(schema.properties as Record<string, TSchema>)) {
      if (key in source) out[key] = ordered(child, source[key]);
    }
    return out;
  }
  if (schema[Kind] === 'Array' && Array.isArray(value)) {
    return value.map((item) => ordered(schema.items as TSchema, item));
  }
  if (schema.format === 'duration' && typeof value === 'string') {
    return formatGoDuration(parseDuration(value) ?? 0);
  }
  return value;
}

/**
 * `NAME=value` lines, sorted by name as Go sorts strings: strings quoted, lists of strings as
 * quoted items joined by spaces (`""` when empty), the namespaces list as its names, then each
 * namespace's keys under CENTRIFUGO_CHANNEL_NAMESPACES_<NAME>_. With `fileOnly`, only keys
 * the file set to a non-zero value (Centrifugo's --base-non-zero-only).
 */
export function envLines(
  config: Config,
  file: Record<string, unknown>,
  fileOnly: boolean,
): string[] {
  const lines = new Map<string, string>();
  const add = (name: string, schema: TSchema, value: unknown, inFile: unknown) => {
    if (fileOnly && isZero(schema, inFile)) return;
    lines.set(name, envValue(schema, value));
  };
  const walk = (schema: TSchema, value: unknown, inFile: unknown, path: string[]) => {
    for (const [key, child] of Object.entries(schema.properties as Record<string, TSchema>)) {
      const at = [...path, key];
      const v = (value as Record<string, unknown> | undefined)?.[key];
      const f = isObject(inFile) ? inFile[key] : undefined;
      if (child[Kind] === 'Object') walk(child, v, f, at);
      else add(`CENTRIFUGO_${at.join('_').toUpperCase()}`, child, v, f);
    }
  };
  walk(ConfigSchema, config, file, []);
  const fileItems = (file.channel as { namespaces?: unknown } | undefined)?.namespaces;
  const itemSchema = (ConfigSchema.properties.channel.properties.namespaces as TSchema)
    .items as TSchema;
  for (const item of config.channel.namespaces) {
    const inFile = Array.isArray(fileItems)
      ? fileItems.find((i) => isObject(i) && i.name === item.name)
      : undefined;
    const prefix = `CENTRIFUGO_CHANNEL_NAMESPACES_${nameForEnv(item.name)}`;
    for (const [key, child] of Object.entries(itemSchema.properties as Record<string, TSchema>)) {
      const f = isObject(inFile) ? inFile[key] : key === 'name' ? item.name : undefined;
      add(`${prefix}_${key.toUpperCase()}`, child, (item as Record<string, unknown>)[key], f);
    }
  }
  return [...lines.keys()].sort(byBytes).map((name) => `${name}=${lines.get(name)}`);
}

function envValue(schema: TSchema, value: unknown): string {
  if (schema[Kind] === 'Array') {
    const items = (value as unknown[]) ?? [];
    if (schema.items?.[Kind] === 'Object') {
      // Named lists (namespaces, consumers, proxies) by their names, as Centrifugo's env reads
      // them; other lists of objects (status code transforms) as JSON.
      if (schema.items.properties?.name === undefined) return `"${JSON.stringify(items)}"`;
      return `"${items.map((i) => (i as { name: string }).name).join(' ')}"`;
    }
    return items.length === 0 ? '""' : items.map((i) => `"${String(i)}"`).join(' ');
  }
  if (schema.format === 'duration') return formatGoDuration(parseDuration(String(value)) ?? 0);
  if (typeof value === 'string') return `"${value}"`;
  // A string map (proxy static headers and metadata): Centrifugo prints its JSON, quoted.
  if (value !== null && typeof value === 'object') return `"${JSON.stringify(value)}"`;
  return String(value);
}

/** Go's reflect IsZero of what the file held: absent, false, 0, "", an empty list, 0s. */
function isZero(schema: TSchema, v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  return schema.format === 'duration' && typeof v === 'string' && parseDuration(v) === 0;
}

const byBytes = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
