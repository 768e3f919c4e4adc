// CENTRIFUGO_* environment variables into the raw config, read as Centrifugo v6 reads them
// (its envconfig pass over the whole config, then one pass per item of each named list):
// - a key's variable is CENTRIFUGO_ + its path joined by `_`, upper-cased; an empty value
//   changes nothing;
// - values parse as Go parses them: booleans by strconv.ParseBool (1, t, T, TRUE, true, True
//   and the same for false; anything else stops startup), integers by strconv.ParseInt with
//   base 0 (0x1f, 0o17, 017, 1_000), durations by time.ParseDuration, lists of strings split
//   on single spaces (never JSON), string maps and transform lists as JSON;
// - a named list (channel.namespaces, rpc.namespaces, proxies, consumers) takes either a JSON
//   array, when the value starts with `[` and ends with `]`, which replaces the file's list,
//   or space-separated names, which are appended to it as items with only a name;
// - then CENTRIFUGO_<LIST>_<NAME>_<KEY> sets a key of the item so named (its name upper-cased,
//   `.` and `-` as `_`), whichever way the item came;
// - an unknown variable only warns, except those Kubernetes injects for a Service
//   (CENTRIFUGO_..._PORT..., _SERVICE_...) and CENTRIFUGO_VAR_*, which are not config.
// Centrifugo keys this node does not implement are read the same way, so that a non-default
// value is refused by name (support.ts) rather than ignored.
import { CENTRIFUGO_LEAVES, CENTRIFUGO_LISTS } from './centrifugo-keys.ts';
import { parseDuration } from './duration.ts';
import { ConfigError } from './errors.ts';
import { LEAF_PATTERNS, type LeafKind } from './leaves.ts';

/** The named lists Centrifugo decodes from env by name (its decodeToNamedSlice). */
const NAMED_LISTS = ['channel.namespaces', 'rpc.namespaces', 'proxies', 'consumers'] as const;

interface Target {
  path: string[];
  type: string;
}

const envOf = (dotted: string) => `CENTRIFUGO_${dotted.replaceAll('.', '_').toUpperCase()}`;

/** Variables of whole keys: the schema's leaves and Centrifugo's, outside list items. */
const TOP_LEVEL: ReadonlyMap<string, Target> = (() => {
  const out = new Map<string, Target>();
  for (const [key, leaf] of CENTRIFUGO_LEAVES) {
    if (!key.includes('[]')) out.set(envOf(key), { path: key.split('.'), type: leaf.type });
  }
  for (const list of CENTRIFUGO_LISTS) {
    if (!list.includes('[]')) out.set(envOf(list), { path: list.split('.'), type: listType(list) });
  }
  for (const { pattern, kind } of LEAF_PATTERNS) {
    if (!pattern.includes('[]'))
      out.set(envOf(pattern), { path: pattern.split('.'), type: goType(kind) });
  }
  return out;
})();

/** Variable suffixes of an item's keys, per named list (`HISTORY_SIZE`, `MAP_KEY_TTL`). */
const ITEM_KEYS: ReadonlyMap<string, ReadonlyMap<string, Target>> = new Map(
  NAMED_LISTS.map((list) => {
    const keys = new Map<string, Target>();
    const prefix = `${list}[].`;
    for (const [key, leaf] of CENTRIFUGO_LEAVES) {
      if (!key.startsWith(prefix) || key.slice(prefix.length).includes('[]')) continue;
      const sub = key.slice(prefix.length);
      keys.set(envOf(sub).slice('CENTRIFUGO_'.length), { path: sub.split('.'), type: leaf.type });
    }
    for (const { pattern, kind } of LEAF_PATTERNS) {
      if (!pattern.startsWith(prefix)) continue;
      const sub = pattern.slice(prefix.length);
      keys.set(envOf(sub).slice('CENTRIFUGO_'.length), {
        path: sub.split('.'),
        type: goType(kind),
      });
    }
    return [list, keys];
  }),
);

// Never warned about, as in Centrifugo: Kubernetes service variables (the pattern also matches
// real keys such as CENTRIFUGO_HTTP_SERVER_PORT, which are read all the same), and the
// sources of ${CENTRIFUGO_VAR_*} placeholders.
const KUBERNETES_ENV = /^CENTRIFUGO(?:_[A-Z0-9_]+)?_(PORT|SERVICE_)/;
const CUSTOM_ENV = /^CENTRIFUGO_VAR_/;

/** Applies the variables to `raw` (in place); returns warnings for unknown ones. */
export function applyEnv(raw: Record<string, unknown>, env: Record<string, string | undefined>) {
  const vars = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('CENTRIFUGO_') && value !== undefined) vars.set(name, value);
  }
  const known = new Set<string>();
  for (const [name, value] of vars) {
    const target = TOP_LEVEL.get(name);
    if (target === undefined) continue;
    known.add(name);
    if (value === '') continue;
    if (target.type === 'named-list') {
      setPath(raw, target.path, namedList(getPath(raw, target.path), value, name));
    } else {
      setPath(raw, target.path, parseValue(target.type, value, name));
    }
  }
  for (const list of NAMED_LISTS) {
    const items = getPath(raw, list.split('.'));
    if (!Array.isArray(items)) continue;
    const keys = ITEM_KEYS.get(list) as ReadonlyMap<string, Target>;
    for (const item of items) {
      if (!isPlainObject(item) || typeof item.name !== 'string') continue;
      const prefix = `${envOf(list)}_${nameForEnv(item.name)}_`;
      for (const [name, value] of vars) {
        if (!name.startsWith(prefix)) continue;
        const target = keys.get(name.slice(prefix.length));
        if (target === undefined) continue;
        known.add(name);
        if (value !== '') setPath(item, target.path, parseValue(target.type, value, name));
      }
    }
  }
  return [...vars.keys()]
    .filter((name) => !known.has(name) && !KUBERNETES_ENV.test(name) && !CUSTOM_ENV.test(name))
    .map((name) => `unknown environment variable ${name} ignored`);
}

/** A list item's name as its variables spell it. */
export function nameForEnv(name: string): string {
  return name.replaceAll('.', '_').replaceAll('-', '_').toUpperCase();
}

function listType(list: string): string {
  return (NAMED_LISTS as readonly string[]).includes(list) ? 'named-list' : 'json-list';
}

function namedList(current: unknown, text: string, name: string): unknown[] {
  if (text.startsWith('[') && text.endsWith(']')) {
    const parsed = parseJson(text, name);
    if (!Array.isArray(parsed)) throw envError(name, text, 'a JSON array');
    return parsed;
  }
  const base = Array.isArray(current) ? current : [];
  return [...base, ...text.split(' ').map((n) => ({ name: n }))];
}

/** The Go type a schema leaf's variable parses as. */
function goType(kind: LeafKind): string {
  switch (kind) {
    case 'boolean':
      return 'bool';
    case 'integer':
      return 'int';
    case 'duration':
      return 'Duration';
    case 'string[]':
      return '[]string';
    case 'map':
      return 'MapStringString';
    case 'json':
      return 'named-list';
    default:
      return 'string';
  }
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);
const BITS: Record<string, { signed: boolean; bits: bigint }> = {
  int: { signed: true, bits: 64n },
  int64: { signed: true, bits: 64n },
  int32: { signed: true, bits: 32n },
  uint32: { signed: false, bits: 32n },
};

function parseValue(type: string, text: string, name: string): unknown {
  switch (type) {
    case 'bool':
      if (TRUE.has(text)) return true;
      if (FALSE.has(text)) return false;
      throw envError(
        name,
        text,
        'a boolean (1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False)',
      );
    case 'int':
    case 'int64':
    case 'int32':
    case 'uint32': {
      const n = goParseInt(text, BITS[type] as { signed: boolean; bits: bigint });
      if (n === undefined) throw envError(name, text, `an integer (${type})`);
      return n;
    }
    case 'Duration':
      if (parseDuration(text) === undefined) throw envError(name, text, 'a duration such as 25s');
      return text;
    case '[]string':
    case '[]centrifuge.DeltaType':
      return text.trim() === '' ? [] : text.split(' ');
    case 'MapStringString': {
      const m = parseJson(text, name);
      if (!isPlainObject(m) || !Object.values(m).every((v) => typeof v === 'string')) {
        throw envError(name, text, 'a JSON object of strings');
      }
      return m;
    }
    case 'json-list': {
      const list = parseJson(text, name);
      if (!Array.isArray(list)) throw envError(name, text, 'a JSON array');
      return list;
    }
    default:
      return text;
  }
}

/** strconv.ParseInt / ParseUint with base 0: sign (signed only), 0x/0o/0b/0 prefixes, `_`. */
export function goParseInt(
  text: string,
  { signed, bits }: { signed: boolean; bits: bigint },
): number | undefined {
  const m = /^([+-]?)(0[xXbBoO]|0(?=[0-9_]))?(_?)([0-9a-fA-F_]+)$/.exec(text);
  if (!m) return undefined;
  const [, sign = '', prefix = '', lead = '', body = ''] = m;
  if (sign !== '' && !signed) return undefined;
  // An underscore may follow a base prefix or sit between digits, nowhere else.
  if ((lead !== '' && prefix === '') || body.endsWith('_') || body.includes('__')) return undefined;
  const p = prefix.toLowerCase();
  const radix = p === '0x' ? 16 : p === '0b' ? 2 : p === '' ? 10 : 8;
  const digits = body.replaceAll('_', '');
  const valid = { 16: /^[0-9a-fA-F]+$/, 10: /^[0-9]+$/, 8: /^[0-7]+$/, 2: /^[01]+$/ }[radix];
  if (!valid?.test(digits)) return undefined;
  const literal = radix === 10 ? digits : `0${{ 16: 'x', 8: 'o', 2: 'b' }[radix]}${digits}`;
  const value = BigInt(literal) * (sign === '-' ? -1n : 1n);
  const max = signed ? 2n ** (bits - 1n) - 1n : 2n ** bits - 1n;
  const min = signed ? -(2n ** (bits - 1n)) : 0n;
  return value < min || value > max ? undefined : Number(value);
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw envError(name, text, 'JSON');
  }
}

function envError(name: string, text: string, want: string): ConfigError {
  const shown = /SECRET|KEY|PASSWORD|TOKEN/.test(name) ? '(hidden)' : JSON.stringify(text);
  return new ConfigError(`environment variable ${name} must be ${want}, got ${shown}`, name);
}

function getPath(obj: Record<string, unknown>, path: string[]): unknown {
  let node: unknown = obj;
  for (const key of path) {
    if (!isPlainObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (!isPlainObject(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
