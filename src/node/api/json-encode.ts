// Results into JSON text, written as Centrifugo's Go encoder (encoding/json) writes them, so
// answers match byte for byte:
// - `bytes` values (Uint8Array) hold the JSON a publisher sent and are embedded as JSON, not
//   base64, compacted (whitespace between tokens dropped) and with <, >, &, U+2028 and
//   U+2029 escaped inside strings, as Go's json.Compact with HTML escaping does;
// - bytes that are not JSON (binary data a publisher sent as b64data) cannot be embedded:
//   encoding throws ResponseEncodeError, which HTTP answers with a plain 500, as Centrifugo
//   does; gRPC carries bytes as bytes and never gets here;
// - strings escape <, >, & and U+2028/U+2029 the same way.
// Built by string concatenation (V8 joins the pieces lazily), which is the cheapest way to
// write the small replies every API call gets.

/** A result that cannot be written as JSON: bytes in it are not JSON. */
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
 * as strict as Go's scanner); throws ResponseEncodeError when it is not.
 */
export function compactJson(text: string): string {
  const w = new CompactWriter(text);
  w.value();
  w.skipSpace();
  if (w.pos !== text.length) w.fail('after the value');
  return w.finish();
}

class CompactWriter {
  pos = 0;
  private out = '';
  /** Start of the text not yet copied to `out`. */
  private from = 0;
  private readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  finish(): string {
    return this.from === 0 ? this.text : this.out + this.text.slice(this.from);
  }

  fail(where: string): never {
    throw new ResponseEncodeError(
      `bytes are not JSON: unexpected ${this.pos < this.text.length ? JSON.stringify(this.text[this.pos]) : 'end'} at ${this.pos} ${where}`,
    );
  }

  /** Drops whitespace at pos from the output. */
  skipSpace(): void {
    const start = this.pos;
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      this.pos++;
    }
    if (this.pos > start) this.cut(start, this.pos, '');
  }

  /** Replaces text[start, end) with `replacement` in the output. */
  private cut(start: number, end: number, replacement: string): void {
    this.out += this.text.slice(this.from, start) + replacement;
    this.from = end;
  }

  value(): void {
    this.skipSpace();
    const c = this.text.charCodeAt(this.pos);
    if (c === 0x7b) this.object();
    else if (c === 0x5b) this.array();
    else if (c === 0x22) this.string();
    else if (c === 0x74) this.literal('true');
    else if (c === 0x66) this.literal('false');
    else if (c === 0x6e) this.literal('null');
    else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) this.number();
    else this.fail('where a value should start');
  }

  private object(): void {
    this.pos++;
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail('where a key should start');
      this.string();
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) !== 0x3a) this.fail('after a key');
      this.pos++;
      this.value();
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos);
      this.pos++;
      if (c === 0x7d) return;
      if (c !== 0x2c) {
        this.pos--;
        this.fail('inside an object');
      }
    }
  }

  private array(): void {
    this.pos++;
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return;
    }
    for (;;) {
      this.value();
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos);
      this.pos++;
      if (c === 0x5d) return;
      if (c !== 0x2c) {
        this.pos--;
        this.fail('inside an array');
      }
    }
  }

  private string(): void {
    const { text } = this;
    this.pos++;
    for (;;) {
      if (this.pos >= text.length) this.fail('inside a string');
      const c = text.charCodeAt(this.pos);
      if (c === 0x22) {
        this.pos++;
        return;
      }
      if (c < 0x20) this.fail('inside a string (control character)');
      if (c === 0x5c) {
        const e = text.charCodeAt(this.pos + 1);
        if (e === 0x75) {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(this.pos + 2, this.pos + 6))) {
            this.fail('in a \\u escape');
          }
          this.pos += 6;
          continue;
        }
        // " \ / b f n r t
        if (
          e !== 0x22 &&
          e !== 0x5c &&
          e !== 0x2f &&
          e !== 0x62 &&
          e !== 0x66 &&
          e !== 0x6e &&
          e !== 0x72 &&
          e !== 0x74
        ) {
          this.fail('in an escape');
        }
        this.pos += 2;
        continue;
      }
      if (c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
        this.cut(this.pos, this.pos + 1, HTML_ESCAPES[text[this.pos] as string] as string);
      }
      this.pos++;
    }
  }

  private literal(word: string): void {
    if (this.text.startsWith(word, this.pos)) this.pos += word.length;
    else this.fail(`in ${word}`);
  }

  private number(): void {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) this.fail('in a number');
    this.pos += m[0].length;
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
