// A request's decoded header list into the object handlers read, checked as RFC 9113 §8.2-8.3
// asks of a server: lower-case names, pseudo-headers first and known, no connection-specific
// fields. A list that breaks these is a malformed request (a stream error, not the
// connection's).

export type RequestHeaders = Record<string, string | string[]>;

export type HeadersResult = { ok: true; headers: RequestHeaders } | { ok: false; reason: string };

const PSEUDO = new Set([':method', ':scheme', ':path', ':authority']);
const CONNECTION_SPECIFIC = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/** `list` is flat: name, value, name, value, ... */
export function requestHeaders(list: readonly string[]): HeadersResult {
  // No prototype: a header named __proto__ is a header like any other.
  const headers: RequestHeaders = Object.create(null);
  let regularSeen = false;
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i] as string;
    const value = list[i + 1] as string;
    if (hasUpperCase(name)) return { ok: false, reason: `header name ${name} is not lower case` };
    if (name.charCodeAt(0) === 0x3a /* : */) {
      if (regularSeen) return { ok: false, reason: `pseudo-header ${name} after a header` };
      if (!PSEUDO.has(name)) return { ok: false, reason: `unknown pseudo-header ${name}` };
      if (headers[name] !== undefined) return { ok: false, reason: `${name} given twice` };
      headers[name] = value;
      continue;
    }
    regularSeen = true;
    if (CONNECTION_SPECIFIC.has(name)) {
      return { ok: false, reason: `connection-specific header ${name} in HTTP/2` };
    }
    if (name === 'te' && value !== 'trailers') {
      return { ok: false, reason: 'te other than "trailers"' };
    }
    const existing = headers[name];
    if (existing === undefined) headers[name] = value;
    else if (typeof existing === 'string') headers[name] = [existing, value];
    else existing.push(value);
  }
  // :scheme too (RFC 9113 §8.3.1): every request but CONNECT, which no gRPC client sends.
  if (
    headers[':method'] === undefined ||
    headers[':scheme'] === undefined ||
    headers[':path'] === undefined
  ) {
    return { ok: false, reason: 'a request needs :method, :scheme and :path' };
  }
  if (headers[':path'] === '') return { ok: false, reason: 'empty :path' };
  return { ok: true, headers };
}

function hasUpperCase(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return true;
  }
  return false;
}
