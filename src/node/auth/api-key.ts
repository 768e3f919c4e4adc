// Server API authentication: where Centrifugo clients put the API key, and a comparison that
// does not leak the key through timing.
import { timingSafeEqual } from 'node:crypto';

type Headers = Record<string, string | string[] | undefined>;

// Header and query values may arrive as arrays (repeated fields); the first one counts. An
// empty value counts as absent so that a blank header does not hide a key sent another way.
const first = (value: string | string[] | undefined): string | undefined => {
  const one = Array.isArray(value) ? value[0] : value;
  return one === '' ? undefined : one;
};

/** `Authorization: apikey <KEY>`: scheme case-insensitive, exactly two space-separated parts. */
function fromAuthorization(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(' ');
  if (parts.length !== 2) return undefined;
  const [scheme, key] = parts;
  if (scheme?.toLowerCase() !== 'apikey' || !key) return undefined;
  return key;
}

function fromQuery(query: unknown): string | undefined {
  if (typeof query !== 'object' || query === null) return undefined;
  const value: unknown = (query as Record<string, unknown>).api_key;
  if (typeof value === 'string') return first(value);
  if (Array.isArray(value) && typeof value[0] === 'string') return first(value[0]);
  return undefined;
}

/**
 * The API key a request carries, looked for where Centrifugo looks: the `x-api-key` header,
 * then `Authorization: apikey <KEY>`, then the `api_key` query parameter. Header names are
 * the lowercase ones node gives.
 */
export function extractApiKey(headers: Headers, query: unknown): string | undefined {
  return (
    first(headers['x-api-key']) ??
    fromAuthorization(first(headers.authorization)) ??
    fromQuery(query)
  );
}

/**
 * A check of given keys against one configured key, in constant time: true only for a
 * non-empty configured key that equals the given one. The given key is copied into a buffer
 * of the configured key's length (cut or zero-padded) and compared whole, and its length is
 * compared apart, so the time depends on neither the key's bytes nor its length. (A hash of
 * both sides does the same at ten times the cost per request.)
 */
export function createApiKeyCheck(expected: string): (given: string | undefined) => boolean {
  if (expected === '') return () => false;
  const want = Buffer.from(expected, 'utf8');
  return (given) => {
    if (given === undefined) return false;
    const got = Buffer.from(given, 'utf8');
    const probe = Buffer.alloc(want.length);
    got.copy(probe, 0, 0, want.length);
    // Both always run: `&&` would skip the comparison for a wrong length.
    const sameBytes = timingSafeEqual(probe, want);
    const sameLength = got.length === want.length;
    return sameBytes && sameLength;
  };
}
