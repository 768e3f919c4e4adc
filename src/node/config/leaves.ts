// The settable leaves of the config schema (scalars and lists, by dotted path).
// Env variables and CLI flags are derived from them, so neither can drift from the schema.
import { Kind, type TSchema } from '@sinclair/typebox';
import { ConfigSchema } from './schema.ts';

export type LeafKind = 'boolean' | 'integer' | 'string' | 'duration' | 'string[]' | 'map' | 'json';

export interface Leaf {
  path: string[];
  dotted: string;
  env: string;
  kind: LeafKind;
  description: string;
}

function kindOf(schema: TSchema): LeafKind {
  switch (schema[Kind]) {
    case 'Boolean':
      return 'boolean';
    case 'Integer':
    case 'Number':
      return 'integer';
    case 'String':
      return schema.format === 'duration' ? 'duration' : 'string';
    case 'Union':
      return 'string';
    case 'Array':
      return schema.items?.[Kind] === 'String' ? 'string[]' : 'json';
    case 'Record':
      return 'map';
    default:
      return 'json';
  }
}

function collect(schema: TSchema, path: string[], out: Leaf[]): void {
  if (schema[Kind] === 'Object') {
    for (const [key, child] of Object.entries(schema.properties as Record<string, TSchema>)) {
      collect(child, [...path, key], out);
    }
    return;
  }
  out.push({
    path,
    dotted: path.join('.'),
    env: `CENTRIFUGO_${path.join('_').toUpperCase()}`,
    kind: kindOf(schema),
    description: typeof schema.description === 'string' ? schema.description : '',
  });
}

export const LEAVES: readonly Leaf[] = (() => {
  const out: Leaf[] = [];
  collect(ConfigSchema, [], out);
  return out;
})();

export const LEAF_BY_DOTTED: ReadonlyMap<string, Leaf> = new Map(LEAVES.map((l) => [l.dotted, l]));

/** A leaf of the schema by pattern: lists of objects descended into as `<list>[].<key>`. */
export interface LeafPattern {
  pattern: string;
  kind: LeafKind;
  schema: TSchema;
}

function collectPatterns(schema: TSchema, prefix: string, out: LeafPattern[]): void {
  if (schema[Kind] === 'Object') {
    for (const [key, child] of Object.entries(schema.properties as Record<string, TSchema>)) {
      collectPatterns(child, prefix === '' ? key : `${prefix}.${key}`, out);
    }
    return;
  }
  if (schema[Kind] === 'Array' && schema.items?.[Kind] === 'Object') {
    collectPatterns(schema.items as TSchema, `${prefix}[]`, out);
    return;
  }
  out.push({ pattern: prefix, kind: kindOf(schema), schema });
}

/** Every settable leaf of the schema, namespace options included (`channel.namespaces[].x`). */
export const LEAF_PATTERNS: readonly LeafPattern[] = (() => {
  const out: LeafPattern[] = [];
  collectPatterns(ConfigSchema, '', out);
  return out;
})();

/**
 * Turns the text of an env variable or flag into the leaf's type. A value that cannot be
 * converted is returned unchanged so that schema validation names the key and the type.
 */
export function parseLeafText(leaf: Leaf, text: string): unknown {
  switch (leaf.kind) {
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(text)) return true;
      if (/^(false|0|no|off)$/i.test(text)) return false;
      return text;
    case 'integer':
      return /^-?\d+$/.test(text.trim()) ? Number(text) : text;
    case 'string[]':
      if (text.trim().startsWith('[')) return parseJsonOr(text);
      return text.split(/[\s,]+/).filter((s) => s !== '');
    case 'map':
    case 'json':
      return parseJsonOr(text);
    default:
      return text;
  }
}

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
