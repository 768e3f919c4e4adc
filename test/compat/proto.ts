// Centrifugo's own proto files, loaded at run time with protobufjs: client.proto of the
// protocol module it pins (WebSocket Protobuf frames) and its internal api.proto (gRPC).
// Every field either server may send is known, and a field number the file does not know
// is reported as `$unknown` instead of being dropped, so no difference hides in the decoder.
import { isUtf8 } from 'node:buffer';
import protobuf from 'protobufjs';
import { unknownFields } from './unknown-fields.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const CLIENT_PACKAGE = 'centrifugal.centrifuge.protocol';
export const API_PACKAGE = 'centrifugal.centrifugo.api';
export const API_SERVICE = `${API_PACKAGE}.CentrifugoApi`;

export function loadProto(path: string): protobuf.Root {
  const root = new protobuf.Root();
  root.loadSync(path, { keepCase: true });
  root.resolveAll();
  return root;
}

/** Thrown when a JSON value has no exact protobuf form (wrong type, null, unknown field). */
export class NotRepresentable extends Error {
  override name = 'NotRepresentable';
}

/**
 * A JSON object (as the JSON protocol or HTTP API carries it) as the message's protobuf
 * form: a `bytes` field gets the JSON text of its value (`data`, `info`: raw JSON on the
 * JSON side), or the bytes of `{"$b64": "..."}`; any other mismatch is NotRepresentable,
 * so a case never sends through protobuf what protobufjs would silently coerce.
 */
export function toProtoObject(type: protobuf.Type, value: Json, path = type.name): object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new NotRepresentable(`${path}: expected an object`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const field = type.fields[key];
    if (!field) throw new NotRepresentable(`${path}.${key}: no such field`);
    const at = `${path}.${key}`;
    if (field.map) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        throw new NotRepresentable(`${at}: expected a map`);
      }
      out[key] = Object.fromEntries(
        Object.entries(v).map(([k, item]) => [k, fieldValue(field, item, `${at}.${k}`)]),
      );
    } else if (field.repeated) {
      if (!Array.isArray(v)) throw new NotRepresentable(`${at}: expected a list`);
      out[key] = v.map((item, i) => fieldValue(field, item, `${at}[${i}]`));
    } else {
      out[key] = fieldValue(field, v, at);
    }
  }
  return out;
}

function fieldValue(field: protobuf.Field, v: Json, at: string): unknown {
  if (field.resolvedType instanceof protobuf.Type) return toProtoObject(field.resolvedType, v, at);
  if (field.resolvedType instanceof protobuf.Enum) {
    if (typeof v !== 'string' && typeof v !== 'number') {
      throw new NotRepresentable(`${at}: expected an enum name or number`);
    }
    return v;
  }
  if (field.type === 'bytes') {
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v.$b64 === 'string') {
      return Buffer.from(v.$b64, 'base64');
    }
    return Buffer.from(JSON.stringify(v));
  }
  if (field.type === 'string') {
    if (typeof v !== 'string') throw new NotRepresentable(`${at}: expected a string`);
    return v;
  }
  if (field.type === 'bool') {
    if (typeof v !== 'boolean') throw new NotRepresentable(`${at}: expected a boolean`);
    return v;
  }
  const unsigned = field.type.startsWith('uint') || field.type.startsWith('fixed');
  const bits = field.type.endsWith('64') ? 64 : 32;
  // A 64-bit value beyond 2^53 is written as its decimal text (protobufjs reads it as a Long).
  if (bits === 64 && typeof v === 'string' && /^-?\d+$/.test(v)) {
    const big = BigInt(v);
    const [lo, hi] = unsigned ? [0n, 2n ** 64n - 1n] : [-(2n ** 63n), 2n ** 63n - 1n];
    if (big < lo || big > hi) throw new NotRepresentable(`${at}: out of range`);
    return v;
  }
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    throw new NotRepresentable(`${at}: expected a safe integer`);
  }
  const min = unsigned ? 0 : bits === 32 ? -(2 ** 31) : Number.MIN_SAFE_INTEGER;
  const max = unsigned ? (bits === 32 ? 2 ** 32 - 1 : Number.MAX_SAFE_INTEGER) : 2 ** 31 - 1;
  if (v < min || (bits === 32 && v > max)) throw new NotRepresentable(`${at}: out of range`);
  return v;
}

export function encodeMessage(type: protobuf.Type, value: Json): Uint8Array {
  return type.encode(type.fromObject(toProtoObject(type, value))).finish();
}

/** Varint-delimited messages, one after another (one WebSocket frame of commands). */
export function encodeDelimited(type: protobuf.Type, values: Json[]): Uint8Array {
  const writer = protobuf.Writer.create();
  for (const v of values) type.encodeDelimited(type.fromObject(toProtoObject(type, v)), writer);
  return writer.finish();
}

/** The message as JSON: bytes as their UTF-8 text (else `{$b64}`), unknown fields listed. */
export function decodeMessage(type: protobuf.Type, bytes: Uint8Array): Json {
  const message = type.decode(bytes);
  const object = type.toObject(message, { longs: Number, enums: String, defaults: false });
  const json = bytesAsText(dropDefaults(type, object)) as { [key: string]: Json };
  const unknown: string[] = [];
  unknownFields(type, bytes, unknown);
  if (unknown.length > 0) json.$unknown = unknown;
  return json;
}

/** Every varint-delimited message of a frame; a frame cut short is reported, not thrown. */
export function decodeDelimited(type: protobuf.Type, bytes: Uint8Array): Json[] {
  const reader = protobuf.Reader.create(bytes);
  const out: Json[] = [];
  while (reader.pos < reader.len) {
    try {
      const length = reader.uint32();
      const body = bytes.subarray(reader.pos, reader.pos + length);
      if (body.length < length) throw new Error('frame cut short');
      reader.pos += length;
      out.push(decodeMessage(type, body));
    } catch (err) {
      out.push({ $undecodable: Buffer.from(bytes).toString('base64'), error: String(err) });
      break;
    }
  }
  return out;
}

/**
 * Without the scalar fields that hold their proto3 default (0, "", false, no bytes): on the
 * wire, such a field sent explicitly and one left out are the same message to any proto3
 * reader. Empty sub-messages and map entries stay: they mean something.
 */
function dropDefaults(
  type: protobuf.Type,
  object: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const field = type.fields[key];
    const nested = field?.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    if (!field) out[key] = value;
    else if (field.map) {
      out[key] = nested
        ? Object.fromEntries(
            Object.entries(value as Record<string, Record<string, unknown>>).map(([k, v]) => [
              k,
              dropDefaults(nested, v),
            ]),
          )
        : value;
    } else if (field.repeated) {
      out[key] = nested
        ? (value as Array<Record<string, unknown>>).map((v) => dropDefaults(nested, v))
        : value;
    } else if (nested) {
      out[key] = dropDefaults(nested, value as Record<string, unknown>);
    } else if (!isDefault(value)) {
      out[key] = value;
    }
  }
  return out;
}

function isDefault(value: unknown): boolean {
  if (value instanceof Uint8Array) return value.length === 0;
  return value === 0 || value === '' || value === false;
}

function bytesAsText(value: unknown): Json {
  if (value instanceof Uint8Array) {
    return isUtf8(value)
      ? Buffer.from(value).toString('utf8')
      : { $b64: Buffer.from(value).toString('base64') };
  }
  if (Array.isArray(value)) return value.map(bytesAsText);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bytesAsText(v)]));
  }
  return value as Json;
}
