// Protobuf wire format for the descriptors in descriptors.ts: proto3 rules (zero scalars
// are not written, present sub-messages always are, unknown fields are skipped). Written
// by hand because every publication goes through it once per channel.
import { type FieldDesc, MAX_NESTING, type MessageDesc, type Scalar } from './descriptors.ts';
import { PreEncoded } from './pre-encoded.ts';

export class ProtobufDecodeError extends Error {
  override name = 'ProtobufDecodeError';
}

/** A proto3 string field whose bytes are no UTF-8, under protobuf-go's rules (decodeAsGo). */
export class InvalidUtf8Error extends ProtobufDecodeError {
  override name = 'InvalidUtf8Error';
}

type Obj = Record<string, unknown>;

// --- encoding ---------------------------------------------------------------------------

class Writer {
  buf = new Uint8Array(64);
  len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  varint(value: number): void {
    this.ensure(10);
    let v = value;
    if (v < 0) {
      // Negative int32/int64 take ten bytes in two's complement.
      let big = BigInt.asUintN(64, BigInt(Math.trunc(v)));
      while (big >= 0x80n) {
        this.buf[this.len++] = Number(big & 0x7fn) | 0x80;
        big >>= 7n;
      }
      this.buf[this.len++] = Number(big);
      return;
    }
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  bytes(data: Uint8Array): void {
    this.varint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

const utf8 = new TextEncoder();
// Not fatal: Centrifugo's decoder (vtprotobuf) takes a string that is not UTF-8 as it is, so
// the command is answered (a channel so named is not ASCII: 107; a token so made is invalid:
// 3500) rather than the connection closed. Invalid bytes read as U+FFFD, as Go's regexp and
// range loops read them.
const utf8Decoder = new TextDecoder('utf-8');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isZero(type: Scalar, v: unknown): boolean {
  if (v === undefined || v === null) return true;
  switch (type) {
    case 'bool':
      return v === false;
    case 'string':
      return v === '';
    case 'bytes':
      return (v as Uint8Array).length === 0;
    default:
      return v === 0;
  }
}

function writeScalar(w: Writer, no: number, type: Scalar, v: unknown): void {
  switch (type) {
    case 'bool':
      w.varint(no << 3);
      w.varint(v ? 1 : 0);
      return;
    case 'string':
      w.varint((no << 3) | 2);
      w.bytes(utf8.encode(v as string));
      return;
    case 'bytes':
      w.varint((no << 3) | 2);
      w.bytes(v as Uint8Array);
      return;
    default:
      w.varint(no << 3);
      w.varint(v as number);
  }
}

function writeField(w: Writer, field: FieldDesc, v: unknown, keyed?: string): void {
  if (keyed !== undefined) {
    // A map entry is a message {1: key, 2: value}.
    const entry = new Writer();
    writeScalar(entry, 1, 'string', keyed);
    if (typeof field.type === 'string') {
      if (!isZero(field.type, v)) writeScalar(entry, 2, field.type, v);
    } else {
      entry.varint((2 << 3) | 2);
      entry.bytes(encodeMessage(field.type, v as Obj));
    }
    w.varint((field.no << 3) | 2);
    w.bytes(entry.finish());
    return;
  }
  if (typeof field.type === 'string') {
    if (!isZero(field.type, v)) writeScalar(w, field.no, field.type, v);
    return;
  }
  w.varint((field.no << 3) | 2);
  if (v instanceof PreEncoded) {
    v.protobuf ??= encodeMessage(field.type, v.message);
    w.bytes(v.protobuf);
  } else {
    w.bytes(encodeMessage(field.type, v as Obj));
  }
}

export function encodeMessage(desc: MessageDesc, obj: Obj): Uint8Array {
  const w = new Writer();
  for (const field of desc.fields) {
    const v = obj[field.name];
    if (v === undefined || v === null) continue;
    if (field.map) {
      for (const [k, item] of Object.entries(v as Obj)) writeField(w, field, item, k);
    } else if (field.repeated) {
      // Every item, zero ones too: a repeated field has no default to leave out.
      for (const item of v as unknown[]) {
        if (typeof field.type === 'string') writeScalar(w, field.no, field.type, item);
        else writeField(w, field, item);
      }
    } else {
      writeField(w, field, v);
    }
  }
  return w.finish();
}

// --- decoding ---------------------------------------------------------------------------

class Reader {
  pos = 0;
  readonly buf: Uint8Array;
  readonly end: number;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.end = buf.length;
  }

  /** An unsigned varint; values of 2^63 and above come back negative, as int64 reads them. */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 7; i++) {
      if (this.pos >= this.end) throw new ProtobufDecodeError('truncated varint');
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 0x80;
    }
    // Beyond 49 bits a double loses precision: finish in BigInt.
    let big = BigInt(result);
    for (let shift = 49n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) throw new ProtobufDecodeError('truncated varint');
      const b = this.buf[this.pos++] as number;
      big |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return Number(BigInt.asIntN(64, big));
    }
    throw new ProtobufDecodeError('varint too long');
  }

  chunk(): Uint8Array {
    const n = this.varint();
    if (n > this.end - this.pos) throw new ProtobufDecodeError('length beyond message end');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Skips a field's value; `groups`: a group (wire types 3..4) too, as protobuf-go does. */
  skip(wireType: number, groups = false, no = 0, depth = 0): void {
    if (groups && wireType === 3) {
      this.skipGroup(no, depth);
      return;
    }
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.chunk();
        return;
      case 5:
        this.advance(4);
        return;
      default:
        throw new ProtobufDecodeError(`unsupported wire type ${wireType}`);
    }
  }

  /** Fields up to the end-group tag of group `no`, which must match. */
  private skipGroup(no: number, depth: number): void {
    if (depth > MAX_NESTING) throw new ProtobufDecodeError('group nested too deeply');
    for (;;) {
      const tag = this.varint();
      const inner = Math.floor(tag / 8);
      const wireType = tag % 8;
      if (wireType === 4) {
        if (inner !== no) throw new ProtobufDecodeError('mismatched end group');
        return;
      }
      if (inner === 0) throw new ProtobufDecodeError('field number 0');
      this.skip(wireType, true, inner, depth + 1);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new ProtobufDecodeError('truncated field');
    this.pos += n;
  }
}

/** int32 keeps the low 32 bits, as Go's int32(v) does. */
function signed(type: Scalar, v: number): number {
  return type === 'int32' ? v | 0 : v;
}

/**
 * Where protobuf-go's proto.Unmarshal (the codec grpc-go runs) and vtprotobuf's (the client
 * protocol's, which this codec follows by default) part: a known field sent with another wire
 * type is an unknown field to protobuf-go, skipped, as groups are; a proto3 string must be
 * UTF-8; field numbers stop at 2^29 - 1.
 */
interface Rules {
  go: boolean;
}
const VT: Rules = { go: false };
const GO: Rules = { go: true };
const MAX_FIELD_NUMBER = 2 ** 29 - 1;

function wireTypeOf(type: Scalar | MessageDesc): number {
  return typeof type !== 'string' || type === 'string' || type === 'bytes' ? 2 : 0;
}

/**
 * Whether the value that follows has the wire type of `type`; if not, protobuf-go's rules
 * skip it (false), vtprotobuf's refuse the message.
 */
function expectWire(
  r: Reader,
  type: Scalar | MessageDesc,
  wireType: number,
  no: number,
  rules: Rules,
) {
  if (wireType === wireTypeOf(type)) return true;
  if (!rules.go) {
    const name = typeof type === 'string' ? type : type.name;
    throw new ProtobufDecodeError(`wrong wire type for ${name}`);
  }
  r.skip(wireType, true, no);
  return false;
}

function readScalar(r: Reader, type: Scalar, rules: Rules): unknown {
  switch (type) {
    case 'bool':
      return r.varint() !== 0;
    case 'string': {
      const chunk = r.chunk();
      if (!rules.go) return utf8Decoder.decode(chunk);
      try {
        return strictUtf8.decode(chunk);
      } catch {
        throw new InvalidUtf8Error('string field contains invalid UTF-8');
      }
    }
    case 'bytes':
      return r.chunk().slice();
    default:
      return signed(type, r.varint());
  }
}

function indexOf(desc: MessageDesc): Map<number, FieldDesc> {
  let index = INDEX.get(desc);
  if (!index) {
    index = new Map(desc.fields.map((fd) => [fd.no, fd]));
    INDEX.set(desc, index);
  }
  return index;
}
const INDEX = new WeakMap<MessageDesc, Map<number, FieldDesc>>();

export function decodeMessage(desc: MessageDesc, buf: Uint8Array): Obj {
  return decodeWith(desc, buf, 0, VT);
}

/**
 * The message as protobuf-go's proto.Unmarshal reads it (grpc-go's codec, where a server
 * in Go decodes a gRPC request): see Rules. Throws ProtobufDecodeError, InvalidUtf8Error.
 */
export function decodeAsGo(desc: MessageDesc, buf: Uint8Array): Obj {
  return decodeWith(desc, buf, 0, GO);
}

function decodeWith(desc: MessageDesc, buf: Uint8Array, depth: number, rules: Rules): Obj {
  if (depth > MAX_NESTING) throw new ProtobufDecodeError('message nested too deeply');
  const r = new Reader(buf);
  const out: Obj = {};
  const index = indexOf(desc);
  while (r.pos < r.end) {
    const tag = r.varint();
    const no = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (no === 0) throw new ProtobufDecodeError('field number 0');
    if (rules.go && no > MAX_FIELD_NUMBER) throw new ProtobufDecodeError('field number too big');
    const field = index.get(no);
    if (!field) {
      r.skip(wireType, rules.go, no);
      continue;
    }
    if (field.map) {
      if (wireType !== 2) {
        if (!rules.go) throw new ProtobufDecodeError(`wrong wire type for map ${field.name}`);
        r.skip(wireType, true, no);
        continue;
      }
      const entry = new Reader(r.chunk());
      let key = '';
      let value: unknown;
      while (entry.pos < entry.end) {
        const t = entry.varint();
        const n = Math.floor(t / 8);
        if (n === 1) {
          if (expectWire(entry, 'string', t % 8, n, rules)) {
            key = readScalar(entry, 'string', rules) as string;
          }
        } else if (n === 2) {
          if (expectWire(entry, field.type, t % 8, n, rules)) {
            value = readValue(entry, field.type, depth, rules);
          }
        } else entry.skip(t % 8, rules.go, n);
      }
      if (out[field.name] === undefined) out[field.name] = {};
      const map = out[field.name] as Obj;
      map[key] = value ?? (typeof field.type === 'string' ? zeroOf(field.type) : {});
      continue;
    }
    if (!expectWire(r, field.type, wireType, no, rules)) continue;
    const value = readValue(r, field.type, depth, rules);
    if (!field.repeated) out[field.name] = value;
    else if (Array.isArray(out[field.name])) (out[field.name] as unknown[]).push(value);
    else out[field.name] = [value];
  }
  return out;
}

/** The value of a field whose wire type was checked. */
function readValue(r: Reader, type: Scalar | MessageDesc, depth: number, rules: Rules) {
  if (typeof type === 'string') return readScalar(r, type, rules);
  return decodeWith(type, r.chunk(), depth + 1, rules);
}

function zeroOf(type: Scalar): unknown {
  if (type === 'bool') return false;
  if (type === 'string') return '';
  if (type === 'bytes') return new Uint8Array(0);
  return 0;
}

// --- length-delimited framing -------------------------------------------------------------

/** Messages of one binary frame: each prefixed by its length as an unsigned varint. */
/** The messages of a varint-delimited frame, one at a time: a cut-short tail throws when reached. */
export function* eachDelimited(frame: Uint8Array): Generator<Uint8Array> {
  const r = new Reader(frame);
  while (r.pos < r.end) yield r.chunk();
}

export function splitDelimited(frame: Uint8Array): Uint8Array[] {
  return [...eachDelimited(frame)];
}

export function joinDelimited(messages: readonly Uint8Array[]): Uint8Array {
  const w = new Writer();
  for (const m of messages) w.bytes(m);
  return w.finish();
}

export function delimit(message: Uint8Array): Uint8Array {
  const w = new Writer();
  w.bytes(message);
  return w.finish();
}
