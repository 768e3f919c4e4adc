// HPACK (RFC 7541), the header compression of HTTP/2: a decoder for the header blocks a client
// sends, which keeps the dynamic table in step with the client's encoder, and a stateless
// encoder for the server's responses. Names and values are latin1 strings, one char per octet,
// which is what HTTP/2 header octets are; the checks HTTP/2 adds (lower-case names, pseudo
// headers) are the caller's.

import { HpackError } from './hpack-error.ts';
import { huffmanDecodeRange } from './huffman.ts';

/** RFC 7541 Appendix A. Index 1 is the first entry; dynamic entries follow from index 62. */
const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];
const STATIC_COUNT = STATIC_TABLE.length;
const STATIC_NAMES = STATIC_TABLE.map(([name]) => name);
const STATIC_VALUES = STATIC_TABLE.map(([, value]) => value);

/** §4.1: an entry's size is its name and value octets plus this overhead. */
const ENTRY_OVERHEAD = 32;
/** Integers past this are no length or index any sane peer sends; refusing them keeps int math. */
const MAX_INTEGER = 2 ** 31 - 1;
/** Continuation bytes enough for MAX_INTEGER (7 bits each), and a few zero-padded ones. */
const MAX_CONTINUATION_BYTES = 5;
const INITIAL_TABLE_CAPACITY = 16;
const EMPTY = Buffer.alloc(0);

export interface DecodedBlock {
  /** Name, value, name, value… in the block's order. */
  headers: string[];
  /**
   * The header list passed `maxHeaderListSize`: `headers` holds only the fields before the
   * one that crossed it, but the whole block was decoded, so the connection can go on.
   */
  tooLarge: boolean;
}

/**
 * Decodes the header blocks of one connection, in the order they arrive. Any HpackError leaves
 * the dynamic table unusable: the connection must end (COMPRESSION_ERROR).
 */
export class HpackDecoder {
  /** What this side advertised as SETTINGS_HEADER_TABLE_SIZE: the most the peer may use. */
  private readonly maxTableSize: number;
  private readonly maxHeaderListSize: number;
  /** The size the peer's encoder chose with size updates (§6.3), at most maxTableSize. */
  private sizeLimit: number;
  private size = 0;
  // The dynamic table, a ring newest first: entry i (0-based, index 62 + i) is at
  // (head + i) & mask, so an insertion at the front moves nothing.
  private names: string[] = new Array<string>(INITIAL_TABLE_CAPACITY).fill('');
  private values: string[] = new Array<string>(INITIAL_TABLE_CAPACITY).fill('');
  private mask = INITIAL_TABLE_CAPACITY - 1;
  private head = 0;
  private count = 0;
  // The block being decoded and the read position in it, fields so that the readers below
  // need no closures and return plain values.
  private block: Buffer = EMPTY;
  private at = 0;

  constructor(maxTableSize = 4096, maxHeaderListSize = 16384) {
    this.maxTableSize = maxTableSize;
    this.maxHeaderListSize = maxHeaderListSize;
    this.sizeLimit = maxTableSize;
  }

  /** The dynamic table's size in §4.1 octets. */
  get tableSize(): number {
    return this.size;
  }

  /** The dynamic table's current maximum size, as the last size update set it. */
  get tableSizeLimit(): number {
    return this.sizeLimit;
  }

  /** The dynamic table, newest (index 62) first; for tests and debugging. */
  tableEntries(): [string, string][] {
    const entries: [string, string][] = [];
    for (let i = 0; i < this.count; i++) {
      const slot = (this.head + i) & this.mask;
      entries.push([this.names[slot] as string, this.values[slot] as string]);
    }
    return entries;
  }

  /** Decodes one complete header block (HEADERS and CONTINUATION payloads joined). */
  decode(block: Uint8Array): DecodedBlock {
    const bytes = Buffer.isBuffer(block)
      ? block
      : Buffer.from(block.buffer, block.byteOffset, block.byteLength);
    this.block = bytes;
    this.at = 0;
    const headers: string[] = [];
    let listSize = 0;
    let tooLarge = false;
    let fieldSeen = false;
    while (this.at < bytes.length) {
      const first = bytes[this.at] as number;
      let name: string;
      let value: string;
      if (first & 0x80) {
        // §6.1 indexed field.
        const index = this.readInteger(7);
        name = this.nameAt(index);
        value = this.valueAt(index);
      } else if (first & 0x40) {
        // §6.2.1 literal with incremental indexing.
        const nameIndex = this.readInteger(6);
        name = nameIndex === 0 ? this.readString() : this.nameAt(nameIndex);
        value = this.readString();
        this.insert(name, value);
      } else if (first & 0x20) {
        // §6.3 dynamic table size update, only before the first field (§4.2).
        if (fieldSeen) throw new HpackError('dynamic table size update after a header field');
        const limit = this.readInteger(5);
        if (limit > this.maxTableSize) {
          throw new HpackError(`dynamic table size ${limit} over the ${this.maxTableSize} allowed`);
        }
        this.sizeLimit = limit;
        this.evictTo(limit);
        continue;
      } else {
        // §6.2.2 without indexing (0000) and §6.2.3 never indexed (0001): the same to a
        // decoder, which has no one to pass the field on to.
        const nameIndex = this.readInteger(4);
        name = nameIndex === 0 ? this.readString() : this.nameAt(nameIndex);
        value = this.readString();
      }
      fieldSeen = true;
      if (tooLarge) continue;
      listSize += name.length + value.length + ENTRY_OVERHEAD;
      if (listSize > this.maxHeaderListSize) tooLarge = true;
      else headers.push(name, value);
    }
    this.block = EMPTY;
    return { headers, tooLarge };
  }

  /** §5.1: an integer whose first octet keeps `prefixBits` low bits for it. */
  private readInteger(prefixBits: number): number {
    const block = this.block;
    const first = block[this.at++];
    if (first === undefined) throw new HpackError('header block ends inside an integer');
    const mask = (1 << prefixBits) - 1;
    let value = first & mask;
    if (value < mask) return value;
    let scale = 1;
    for (let i = 0; i < MAX_CONTINUATION_BYTES; i++) {
      const byte = block[this.at++];
      if (byte === undefined) throw new HpackError('header block ends inside an integer');
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        if (value > MAX_INTEGER) throw new HpackError('integer over 2^31 - 1');
        return value;
      }
      scale *= 128;
    }
    throw new HpackError(`integer longer than ${MAX_CONTINUATION_BYTES} continuation bytes`);
  }

  /** §5.2: a length with the Huffman flag, then the octets. */
  private readString(): string {
    const block = this.block;
    const huffman = ((block[this.at] ?? 0) & 0x80) !== 0;
    const length = this.readInteger(7);
    const start = this.at;
    const end = start + length;
    if (end > block.length) throw new HpackError('string literal past the end of the header block');
    this.at = end;
    return huffman ? huffmanDecodeRange(block, start, end) : block.toString('latin1', start, end);
  }

  private nameAt(index: number): string {
    if (index === 0) throw new HpackError('header field index 0');
    if (index <= STATIC_COUNT) return STATIC_NAMES[index - 1] as string;
    const dynamic = index - STATIC_COUNT - 1;
    if (dynamic >= this.count) {
      throw new HpackError(`header field index ${index} past the ${this.count} dynamic entries`);
    }
    return this.names[(this.head + dynamic) & this.mask] as string;
  }

  /** The value at an index nameAt already checked. */
  private valueAt(index: number): string {
    if (index <= STATIC_COUNT) return STATIC_VALUES[index - 1] as string;
    return this.values[(this.head + index - STATIC_COUNT - 1) & this.mask] as string;
  }

  /** §4.4: evicts the oldest entries to make room; one larger than the table empties it. */
  private insert(name: string, value: string): void {
    const entrySize = name.length + value.length + ENTRY_OVERHEAD;
    if (entrySize > this.sizeLimit) {
      this.evictTo(0);
      return;
    }
    this.evictTo(this.sizeLimit - entrySize);
    if (this.count === this.names.length) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.names[this.head] = name;
    this.values[this.head] = value;
    this.count++;
    this.size += entrySize;
  }

  private evictTo(size: number): void {
    while (this.size > size) {
      const oldest = (this.head + this.count - 1) & this.mask;
      const name = this.names[oldest] as string;
      const value = this.values[oldest] as string;
      this.size -= name.length + value.length + ENTRY_OVERHEAD;
      // Drop the references so evicted strings can be collected.
      this.names[oldest] = '';
      this.values[oldest] = '';
      this.count--;
    }
  }

  /** Doubles the ring, unrolled so the newest entry is at slot 0. */
  private grow(): void {
    const capacity = this.names.length * 2;
    const names = new Array<string>(capacity).fill('');
    const values = new Array<string>(capacity).fill('');
    for (let i = 0; i < this.count; i++) {
      const slot = (this.head + i) & this.mask;
      names[i] = this.names[slot] as string;
      values[i] = this.values[slot] as string;
    }
    this.names = names;
    this.values = values;
    this.mask = capacity - 1;
    this.head = 0;
  }
}

/** A name's first static index; the entries of one name are adjacent in the table. */
const STATIC_NAME_INDEX = new Map<string, number>();
STATIC_NAMES.forEach((name, i) => {
  if (!STATIC_NAME_INDEX.has(name)) STATIC_NAME_INDEX.set(name, i + 1);
});

/** The static index of exactly this field, or 0. */
function staticFieldIndex(name: string, value: string): number {
  const first = STATIC_NAME_INDEX.get(name);
  if (first === undefined) return 0;
  for (let index = first; index <= STATIC_COUNT && STATIC_NAMES[index - 1] === name; index++) {
    if (STATIC_VALUES[index - 1] === value) return index;
  }
  return 0;
}

/**
 * Encodes a header block for a response without the dynamic table, so it needs no state, the
 * peer's table size does not matter, and a constant block can be computed once: a field of the
 * static table is indexed (`:status: 200` is 0x88), any other a literal without indexing
 * (§6.2.2), naming a static name by index. Strings are raw (not Huffman), written as latin1.
 */
export function encodeHeaderBlock(headers: readonly (readonly [string, string])[]): Buffer {
  const out: number[] = [];
  for (const [name, value] of headers) {
    const fieldIndex = staticFieldIndex(name, value);
    if (fieldIndex > 0) {
      writeInteger(out, 0x80, 7, fieldIndex);
      continue;
    }
    const nameIndex = STATIC_NAME_INDEX.get(name) ?? 0;
    writeInteger(out, 0x00, 4, nameIndex);
    if (nameIndex === 0) writeString(out, name);
    writeString(out, value);
  }
  return Buffer.from(out);
}

/** §5.1, with `flags` the representation's bits above the prefix. */
function writeInteger(out: number[], flags: number, prefixBits: number, value: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(flags | value);
    return;
  }
  out.push(flags | max);
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
}

/** §5.2 without Huffman: the length with H = 0, then the latin1 octets. */
function writeString(out: number[], s: string): void {
  writeInteger(out, 0x00, 7, s.length);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 0xff);
}
