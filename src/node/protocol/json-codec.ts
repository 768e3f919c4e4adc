// JSON wire format for the descriptors in descriptors.ts. Keys are the proto field names;
// zero values are left out except the few fields Centrifugo always writes; `bytes` fields
// are raw embedded JSON both ways (kept byte for byte on input, written unchanged on
// output minus raw newlines, which would split the newline-delimited frame).
import { type FieldDesc, MAX_NESTING, type MessageDesc, type Scalar } from './descriptors.ts';
import { PreEncoded } from './pre-encoded.ts';
import { objectSpans, type Span } from './raw-json.ts';

export class JsonDecodeError extends Error {
  override name = 'JsonDecodeError';
}

/**
 * A `bytes` value that is not JSON (binary data published through the server API, say):
 * it cannot go into a JSON frame. Centrifugo's encoder checks each frame, and the
 * connection is closed 3506 instead.
 */
export class JsonEncodeError extends Error {
  override name = 'JsonEncodeError';
}

type Obj = Record<string, unknown>;
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);

// --- decoding ---------------------------------------------------------------------------

/** One JSON command (one line of a frame) into a Command-shaped object. */
export function decodeJson(desc: MessageDesc, text: string): Obj {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new JsonDecodeError(`not JSON: ${(err as Error).message}`);
  }
  return fromJson(desc, value, text, { start: 0, end: text.length }, desc.name, 0);
}

const needsSpans = new WeakMap<MessageDesc, boolean>();
function hasRaw(desc: MessageDesc): boolean {
  let known = needsSpans.get(desc);
  if (known === undefined) {
    needsSpans.set(desc, false); // breaks cycles
    known = desc.fields.some(
      (fd) => fd.type === 'bytes' || (typeof fd.type !== 'string' && hasRaw(fd.type)),
    );
    needsSpans.set(desc, known);
  }
  return known;
}

function fromJson(
  desc: MessageDesc,
  value: unknown,
  text: string,
  span: Span,
  where: string,
  depth: number,
): Obj {
  if (depth > MAX_NESTING) throw new JsonDecodeError(`${where} is nested too deeply`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JsonDecodeError(`${where} must be an object`);
  }
  const spans = hasRaw(desc) ? objectSpans(text, span) : undefined;
  const input = value as Obj;
  const out: Obj = {};
  for (const field of desc.fields) {
    const v = input[field.name];
    // A null `bytes` value is raw JSON like any other (Centrifugo keeps the four bytes, so
    // `"data": null` publishes null); any other null field is absent.
    if (v === undefined || (v === null && (field.type !== 'bytes' || field.map))) continue;
    const at = `${where}.${field.name}`;
    const fieldSpan = spans?.get(field.name);
    if (field.map) {
      if (typeof v !== 'object' || Array.isArray(v))
        throw new JsonDecodeError(`${at} must be an object`);
      const entrySpans =
        fieldSpan && typeof field.type !== 'string' ? objectSpans(text, fieldSpan) : undefined;
      const map: Obj = {};
      for (const [k, item] of Object.entries(v as Obj)) {
        map[k] = fieldValue(field.type, item, text, entrySpans?.get(k), `${at}.${k}`, depth);
      }
      out[field.name] = map;
    } else if (field.repeated) {
      // Items carry no spans: no repeated request field holds raw `bytes` (FilterNode.vals
      // and .nodes are strings and messages of strings).
      if (!Array.isArray(v)) throw new JsonDecodeError(`${at} must be an array`);
      out[field.name] = v.map((item, i) =>
        fieldValue(field.type, item, text, undefined, `${at}[${i}]`, depth),
      );
    } else {
      out[field.name] = fieldValue(field.type, v, text, fieldSpan, at, depth);
    }
  }
  return out;
}

function fieldValue(
  type: Scalar | MessageDesc,
  v: unknown,
  text: string,
  span: Span | undefined,
  where: string,
  depth: number,
): unknown {
  if (typeof type !== 'string') {
    return fromJson(type, v, text, span ?? { start: 0, end: 0 }, where, depth + 1);
  }
  switch (type) {
    case 'bytes':
      return span ? utf8.encode(text.slice(span.start, span.end)) : EMPTY;
    case 'string':
      if (typeof v !== 'string') throw new JsonDecodeError(`${where} must be a string`);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw new JsonDecodeError(`${where} must be a boolean`);
      return v;
    default: {
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        throw new JsonDecodeError(`${where} must be an integer`);
      }
      const unsigned = type === 'uint32' || type === 'uint64';
      if (unsigned && v < 0) throw new JsonDecodeError(`${where} must not be negative`);
      if (type === 'uint32' && v > 0xffffffff) throw new JsonDecodeError(`${where} is too large`);
      if (type === 'int32' && (v > 0x7fffffff || v < -0x80000000)) {
        throw new JsonDecodeError(`${where} is out of range`);
      }
      return v;
    }
  }
}

// --- encoding ---------------------------------------------------------------------------

export function encodeJson(desc: MessageDesc, obj: Obj): string {
  const out: string[] = [];
  writeMessage(desc, obj, out);
  return out.join('');
}

/** The message's JSON, encoded on first use; the same error each time when it has none. */
function preEncodedJson(desc: MessageDesc, pre: PreEncoded): string {
  if (pre.json === undefined && pre.jsonError === undefined) {
    try {
      pre.json = encodeJson(desc, pre.message);
    } catch (err) {
      if (!(err instanceof JsonEncodeError)) throw err;
      pre.jsonError = err.message;
    }
  }
  if (pre.json === undefined) throw new JsonEncodeError(pre.jsonError ?? 'not encodable');
  return pre.json;
}

function isZero(field: FieldDesc, v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (field.always) return false;
  if (field.map) return Object.keys(v as Obj).length === 0;
  if (field.repeated) return (v as unknown[]).length === 0;
  switch (field.type) {
    case 'bool':
      return v === false;
    case 'string':
      return v === '';
    case 'bytes':
      return (v as Uint8Array).length === 0;
    case 'uint32':
    case 'int32':
    case 'uint64':
    case 'int64':
      return v === 0;
    default:
      return false; // a present message is written even when empty
  }
}

function writeMessage(desc: MessageDesc, obj: Obj, out: string[]): void {
  out.push('{');
  let first = true;
  for (const field of desc.fields) {
    const v = obj[field.name];
    if (isZero(field, v)) continue;
    if (!first) out.push(',');
    first = false;
    out.push('"', field.name, '":');
    if (field.map) {
      out.push('{');
      let firstEntry = true;
      for (const [k, item] of Object.entries((v ?? {}) as Obj)) {
        if (!firstEntry) out.push(',');
        firstEntry = false;
        out.push(JSON.stringify(k), ':');
        writeValue(field.type, item, out);
      }
      out.push('}');
    } else if (field.repeated) {
      out.push('[');
      ((v ?? []) as unknown[]).forEach((item, i) => {
        if (i > 0) out.push(',');
        writeValue(field.type, item, out);
      });
      out.push(']');
    } else {
      writeValue(field.type, v, out);
    }
  }
  out.push('}');
}

function writeValue(type: Scalar | MessageDesc, v: unknown, out: string[]): void {
  if (typeof type !== 'string') {
    if (v instanceof PreEncoded) out.push(preEncodedJson(type, v));
    else writeMessage(type, (v ?? {}) as Obj, out);
    return;
  }
  switch (type) {
    case 'bytes': {
      const bytes = v as Uint8Array;
      if (bytes.length === 0) {
        out.push('null');
        return;
      }
      const decoded = utf8Decoder.decode(bytes);
      const raw = decoded.includes('\n') ? decoded.replaceAll('\n', '') : decoded;
      try {
        JSON.parse(raw);
      } catch (err) {
        throw new JsonEncodeError(`bytes are not JSON: ${(err as Error).message}`);
      }
      out.push(raw);
      return;
    }
    case 'string':
      out.push(JSON.stringify(v));
      return;
    case 'bool':
      out.push(v ? 'true' : 'false');
      return;
    default:
      out.push(String(v ?? 0));
  }
}
