// The HTTP proxy's JSON, as Centrifugo's Go code writes and reads it (encoding/json over its
// generated structs, whose `bytes` fields are raw JSON):
// - requests: fields in proto order, zero values left out except the `always` ones, raw JSON
//   payloads compacted and every string HTML-escaped (protocol/go-json.ts); a payload that is
//   not JSON (binary data without binary_encoding) cannot be written and throws;
// - answers: unknown fields ignored, a field of the wrong type is an error, `bytes` fields
//   keep the backend's JSON byte for byte (protocol/json-codec.ts), and `null` at the top
//   is an answer with nothing in it, as json.Unmarshal leaves a struct untouched by null.
import {
  decodeJsonMessage,
  encodeGoJson,
  type FieldDesc,
  type MessageDesc,
} from '../protocol/index.ts';

type Obj = Record<string, unknown>;

export function encodeRequestJson(desc: MessageDesc, request: Obj): string {
  return encodeGoJson(ordered(desc, request));
}

function ordered(desc: MessageDesc, obj: Obj): Obj {
  const out: Obj = {};
  for (const field of desc.fields) {
    const v = obj[field.name];
    if (isEmpty(field, v)) continue;
    if (typeof field.type !== 'string') out[field.name] = nested(field, v);
    else out[field.name] = v ?? (field.type === 'string' ? '' : 0);
  }
  return out;
}

function nested(field: FieldDesc, v: unknown): unknown {
  const desc = field.type as MessageDesc;
  if (field.repeated) return (v as Obj[]).map((item) => ordered(desc, item));
  if (field.map) {
    return Object.fromEntries(
      Object.entries(v as Obj).map(([k, item]) => [k, ordered(desc, item as Obj)]),
    );
  }
  return ordered(desc, v as Obj);
}

function isEmpty(field: FieldDesc, v: unknown): boolean {
  if (v === undefined || v === null) return !field.always;
  if (field.always) return false;
  if (field.map) return Object.keys(v as Obj).length === 0;
  if (field.repeated || v instanceof Uint8Array) return (v as ArrayLike<unknown>).length === 0;
  return v === '' || v === 0 || v === false;
}

/** A backend's JSON answer into the shape of `desc`; throws on what Go's decoder refuses. */
export function decodeResponseJson(desc: MessageDesc, text: string): Obj {
  if (text.trim() === 'null') return {};
  return decodeJsonMessage(desc, text);
}
