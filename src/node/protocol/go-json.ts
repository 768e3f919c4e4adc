// Values into JSON text (server API results, event proxy requests), written as Centrifugo's Go
// encoder (encoding/json) writes them, so answers and requests match byte for byte:
// - `bytes` values (Uint8Array) hold the JSON a publisher sent and are embedded as JSON, not
//   base64, compacted (whitespace between tokens dropped) and with <, >, &, U+2028 and
//   U+2029 escaped inside strings, as Go's json.Compact with HTML escaping does;
// - bytes that are not JSON (binary data a publisher sent as b64data) cannot be embedded:
//   encoding throws ResponseEncodeError, which HTTP answers with a plain 500, as Centrifugo
//   does; gRPC carries bytes as bytes and never gets here;
// - strings escape <, >, & and U+2028/U+2029 the same way.
// Built by string concatenation (V8 joins the pieces lazily), which is the cheapest way to
// write the small replies every API call gets.

/** A value that cannot be written as JSON: bytes in it are not JSON. */
export class ResponseEncodeError extends Error {
  override name = 'ResponseEncodeError';
}

export function encodeJson(value: unknown): string {
  if (value instanceof Uint8Array) {
    if (value.length === 0) return 'null';
    return compactJson(Buffer.from(value.buffer, value.byteOffset, value.length).toString('utf8'));
  }
  if (typeof value === 'string') return encodeString(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += encodeJson(value[i]);
    }
    return `${out}]`;
  }
  if (typeof value === 'object' && value !== null) {
    let out = '{';
    let first = true;
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      if (item === undefined) continue;
      if (!first) out += ',';
      first = false;
      out += `${encodeString(key)}:${encodeJson(item)}`;
    }
    return `${out}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const HTML_UNSAFE = /[<>&\u2028\u2029]/g;
const HTML_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

function encodeString(s: string): string {
  const quoted = JSON.stringify(s);
  HTML_UNSAFE.lastIndex = 0;
  return HTML_UNSAFE.test(quoted)
    ? quoted.replace(HTML_UNSAFE, (c) => HTML_ESCAPES[c] as string)
    : quoted;
}

/**
 * The JSON text compacted and HTML-escaped, after checking it is one JSON value (RFC 8259,
 * as strict as Go's scanner); throws ResponseEncodeError when it is not. Native passes only
 * (JSON.parse to check, two regex replacements): a history of 300 publications of 10 KB goes
 * through here in one reply.
 */
function compactJson(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    throw new ResponseEncodeError(`bytes are not JSON: ${(err as Error).message}`, { cause: err });
  }
  // Whitespace runs outside strings go; a string is kept whole (the first alternative).
  let out = SPACE.test(text) ? text.replace(SPACE_OUTSIDE_STRINGS, '$1') : text;
  // In valid JSON these characters occur only inside strings.
  HTML_UNSAFE.lastIndex = 0;
  if (HTML_UNSAFE.test(out)) out = out.replace(HTML_UNSAFE, (c) => HTML_ESCAPES[c] as string);
  return out;
}

const SPACE = /[ \t\n\r]/;
const SPACE_OUTSIDE_STRINGS = /("[^"\\]*(?:\\.[^"\\]*)*")|[ \t\n\r]+/g;
