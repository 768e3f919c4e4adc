// Server API authentication: where Centrifugo clients put the API key, in Centrifugo's order,
// and a comparison that does not leak the key through timing.
import { timingSafeEqual } from 'node:crypto';
import { parse as parseQuery } from 'node:querystring';

type Headers = Record<string, string | string[] | undefined>;

// Node keeps only the first of repeated Authorization headers, as Go's Header.Get reads it.
// An empty value counts as absent, as in Centrifugo.
const headerValue = (value: string | string[] | undefined): string | undefined => {
  const one = Array.isArray(value) ? value[0] : value;
  return one === '' ? undefined : one;
};

// Go's strings.Fields: runs of white space separate, leading and trailing ones are dropped.
const FIELDS = /[ \t\n\v\f\r]+/;

/** The key of `Authorization: apikey <KEY>`: scheme case-insensitive, exactly two fields. */
function fromAuthorization(value: string): string | undefined {
  const parts = value.split(FIELDS).filter((part) => part !== '');
  if (parts.length !== 2 || parts[0]?.toLowerCase() !== 'apikey') return undefined;
  return parts[1];
}

/** The first `api_key` of a raw query string, '' when there is none. */
function fromQuery(rawQuery: string): string {
  const value = parseQuery(rawQuery).api_key;
  const one = Array.isArray(value) ? value[0] : value;
  return one ?? '';
}

/**
 * A check of requests against the configured key, with Centrifugo's precedence
 * (internal/middleware/auth.go in Centrifugo v6): a non-empty `X-API-Key` decides the
 * header step alone (an `Authorization` beside it is not read); without it,
 * `Authorization: apikey <KEY>`. When the header step fails and the URL has a query, the
 * `api_key` parameter gets its own chance, so a wrong `X-API-Key` with the right `?api_key`
 * passes. Each comparison is constant-time; no key configured matches nothing.
 */
export function createApiKeyAuth(
  expected: string,
): (request: ApiRequest, rawQuery: string | undefined) => boolean {
  const matches = createApiKeyCheck(expected);
  return (request, rawQuery) => {
    const xApiKey = headerValue(request.headers['x-api-key']);
    let valid: boolean;
    if (xApiKey !== undefined) {
      valid = matches(xApiKey) || matches(firstOfRepeated(request, xApiKey));
    } else {
      const authorization = headerValue(request.headers.authorization);
      valid = authorization !== undefined && matches(fromAuthorization(authorization));
    }
    if (!valid && rawQuery !== undefined && rawQuery !== '') valid = matches(fromQuery(rawQuery));
    return valid;
  };
}

/** What the check reads of a request: node's IncomingMessage has both. */
export interface ApiRequest {
  headers: Headers;
  /** Each header's values apart; read only when a joined X-API-Key did not match. */
  readonly headersDistinct?: Record<string, string[] | undefined>;
}

// Node joins a repeated X-API-Key with ", "; Go's Header.Get reads the first one. Looked up
// apart only after the joined value failed, so a single header never pays for it.
function firstOfRepeated(request: ApiRequest, joined: string): string | undefined {
  if (!joined.includes(', ')) return undefined;
  const values = request.headersDistinct?.['x-api-key'];
  return values !== undefined && values.length > 1 ? headerValue(values[0]) : undefined;
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
