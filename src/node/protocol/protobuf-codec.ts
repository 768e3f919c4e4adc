// Protobuf wire format for the descriptors in descriptors.ts: proto3 rules (zero scalars
// are not written, present sub-messages always are, unknown fields are skipped). Written
// by hand because every publication goes through it once per channel.
import { type FieldDesc, MAX_NESTING, type MessageDesc, type Scalar } from './descriptors.ts';

export class ProtobufDecodeError extends Error {
  override name = 'ProtobufDecodeError';
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
  w.bytes(encodeMessage(field.type, v as Obj));
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

  skip(wireType: number): void {
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

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new ProtobufDecodeError('truncated field');
    this.pos += n;
  }
}

/** int32 keeps the low 32 bits, as Go's int32(v) does. */
function signed(type: Scalar, v: number): number {
  return type === 'int32' ? v | 0 : v;
}

function readScalar(r: Reader, type: Scalar, wireType: number): unknown {
  const expected = type === 'string' || type === 'bytes' ? 2 : 0;
  if (wireType !== expected) throw new ProtobufDecodeError(`wrong wire type for ${type}`);
  switch (type) {
    case 'bool':
      return r.varint() !== 0;
    case 'string':
      return utf8Decoder.decode(r.chunk());
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

export function decodeMessage(desc: MessageDesc, buf: Uint8Array, depth = 0): Obj {
  if (depth > MAX_NESTING) throw new ProtobufDecodeError('message nested too deeply');
  const r = new Reader(buf);
  const out: Obj = {};
  const index = indexOf(desc);
  while (r.pos < r.end) {
    const tag = r.varint();
    const no = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (no === 0) throw new ProtobufDecodeError('field number 0');
    const field = index.get(no);
    if (!field) {
      r.skip(wireType);
      continue;
    }
    if (field.map) {
      if (wireType !== 2) throw new ProtobufDecodeError(`wrong wire type for map ${field.name}`);
      const entry = new Reader(r.chunk());
      let key = '';
      let value: unknown;
      while (entry.pos < entry.end) {
        const t = entry.varint();
        if (Math.floor(t / 8) === 1) key = readScalar(entry, 'string', t % 8) as string;
        else if (Math.floor(t / 8) === 2) value = readValue(entry, field.type, t % 8, depth);
        else entry.skip(t % 8);
      }
      if (out[field.name] === undefined) out[field.name] = {};
      const map = out[field.name] as Obj;
      map[key] = value ?? (typeof field.type === 'string' ? zeroOf(field.type) : {});
      continue;
    }
    const value = readValue(r, field.type, wireType, depth);
    if (!field.repeated) out[field.name] = value;
    else if (Array.isArray(out[field.name])) (out[field.name] as unknown[]).push(value);
    else out[field.name] = [value];
  }
  return out;
}

function readValue(r: Reader, type: Scalar | MessageDesc, wireType: number, depth: number) {
  if (typeof type === 'string') return readScalar(r, type, wireType);
  if (wireType !== 2) throw new ProtobufDecodeError(`wrong wire type for ${type.name}`);
  return decodeMessage(type, r.chunk(), depth + 1);
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
