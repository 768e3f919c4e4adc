// Every configuration key of Centrifugo v6.9.1 with its Go type and default, from
// centrifugo-keys.json (written by scripts/centrifugo-config-keys.ts from the real binary).
// The loader uses it to tell a Centrifugo key this node does not implement yet from a typo,
// and to let such a key through when it holds its default, so a config written for
// Centrifugo (even the full `centrifugo defaultconfig` output) starts here unless it asks for
// something this node cannot do.
import catalogue from './centrifugo-keys.json' with { type: 'json' };
import { parseDuration } from './duration.ts';

/** A Centrifugo key: its Go type as configdoc names it (`bool`, `Duration`, `[]string`, ...). */
export interface CentrifugoKey {
  type: string;
  default: unknown;
}

/** Leaf keys by pattern (`channel.namespaces[].map.mode`). */
export const CENTRIFUGO_LEAVES: ReadonlyMap<string, CentrifugoKey> = new Map(
  Object.entries(catalogue.leaves as unknown as Record<string, [string, unknown]>).map(
    ([k, [type, def]]) => [k, { type, default: def }],
  ),
);

/** Keys holding lists of objects (named lists such as `proxies`, and transform lists). */
export const CENTRIFUGO_LISTS: ReadonlySet<string> = new Set(catalogue.lists);

/** Keys that are objects of other keys (`sse`, `client.proxy.connect`, `channel.namespaces[].map`). */
export const CENTRIFUGO_SECTIONS: ReadonlySet<string> = (() => {
  const out = new Set<string>();
  for (const key of [...CENTRIFUGO_LEAVES.keys(), ...CENTRIFUGO_LISTS]) {
    const parts = key.split('.');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('.');
      if (!CENTRIFUGO_LISTS.has(prefix)) out.add(prefix);
    }
  }
  return out;
})();

/** The pattern of a concrete path: list indexes become `[]` on the list's name. */
export function keyPattern(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += '[]';
    else out += out === '' ? p : `.${p}`;
  }
  return out;
}

/** The dotted name of a concrete path for messages (`channel.namespaces.0.map.mode`). */
export function keyName(path: ReadonlyArray<string | number>): string {
  return path.join('.');
}

/**
 * Whether a value is what Centrifugo would run with when the key is left out. Its zero value
 * counts too: Centrifugo fills every zero field that has a default with that default (its
 * env pass applies `default` tags to zero fields), so `0`, `""`, `false` and an empty list are
 * the default wherever one exists. `stream` is the empty default spelt out for the two keys
 * whose "" means stream (subscription_type and force_recovery_mode).
 */
export function isDefaultValue(type: string, def: unknown, value: unknown, pattern = ''): boolean {
  if (value === undefined || value === null) return true;
  if (value === 'stream' && STREAM_DEFAULT.test(pattern)) return true;
  switch (type) {
    case 'bool':
      return value === false || value === def || value === 'false';
    case 'int':
    case 'int32':
    case 'int64':
    case 'uint32': {
      const n = Number(value);
      return n === 0 || n === Number(def);
    }
    case 'Duration': {
      const ms = durationMsOf(value);
      return ms === 0 || (ms !== undefined && ms === durationMsOf(def));
    }
    case '[]string':
    case '[]centrifuge.DeltaType':
      return (
        (Array.isArray(value) && value.length === 0) ||
        JSON.stringify(value) === JSON.stringify(def)
      );
    case 'MapStringString':
      return (
        (typeof value === 'object' && Object.keys(value as object).length === 0) ||
        JSON.stringify(value) === JSON.stringify(def)
      );
    default:
      return value === '' || value === def;
  }
}

const STREAM_DEFAULT = /(^|\.)(subscription_type|force_recovery_mode)$/;

/** A Go duration in milliseconds: a string ("25s") or a number of nanoseconds, as Go reads it. */
function durationMsOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value / 1e6;
  if (typeof value === 'string') return parseDuration(value);
  return undefined;
}

/** The Go type Centrifugo's configdoc names for a key holding other keys (`TLSConfig`). */
export const CENTRIFUGO_OBJECTS: ReadonlyMap<string, string> = new Map(
  Object.entries(catalogue.objects),
);
