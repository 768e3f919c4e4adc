// Fossil delta encoding (fossil-scm.org delta_format / delta_encoder_algorithm), the `fossil`
// delta type of Centrifugo's delta compression: the delta from a subscriber's previous
// publication to the next, which the SDKs apply with their Fossil decoders.
//
// Why our own encoder and not the `fossil-delta` npm package (2.0.0, the JavaScript port
// whose decoder centrifuge-js bundles), measured on 200 steps of a 10 KiB JSON document
// (bench/fossil-delta.ts, bench/results/2026-12-01-fossil-delta.md):
// - the package sizes its hash table with Math.ceil(lenSrc / 16), where Fossil and the Go
//   encoder Centrifugo uses (github.com/shadowspore/fossil-delta, called from centrifuge
//   hub.go getDeltaPub) round down: 62 of its 200 deltas differed from Centrifugo's bytes
//   (valid, just different). This encoder gives Centrifugo's bytes for all 200 and for the
//   vectors in delta/testdata/, so the deltas on the wire are the ones Centrifugo sends;
// - it writes each output byte with Array.push and copies the array at the end; this one
//   writes into one preallocated Uint8Array: 36-39 CPU µs per delta against the package's
//   44-47 (Centrifugo's Go encoder: 32).
// Like the Go encoder, it examines at most 249 candidate blocks per hash bucket (Fossil's C
// examines 250); the difference shows only on sources with long runs of identical blocks,
// and a vector in delta/testdata/ holds it.

/** Width of the rolling hash window, and of the source blocks indexed. */
const NHASH = 16;
/** Candidate source blocks looked at per window position (Centrifugo's encoder: 249). */
const SEARCH_LIMIT = 249;
/** The base-64 digits of delta integers, in Fossil's order. */
const DIGITS = new TextEncoder().encode(
  '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~',
);
const NEWLINE = 0x0a;
const COLON = 0x3a;
const AT = 0x40;
const COMMA = 0x2c;
const SEMICOLON = 0x3b;

/**
 * The Fossil delta that turns `prev` into `next`, byte for byte what Centrifugo's encoder
 * produces. Pure; cost grows with the two lengths. Centrifugo sends the full data instead
 * (Publication.delta false) when the delta is not shorter than `next`.
 */
export function createDelta(prev: Uint8Array, next: Uint8Array): Uint8Array {
  const out = new DeltaWriter(next.length);
  const lenSrc = prev.length;
  const lenOut = next.length;
  out.int(lenOut);
  out.byte(NEWLINE);

  // A source shorter than one block can never be copied from: one literal.
  if (lenSrc <= NHASH) {
    out.insert(next, 0, lenOut);
    out.int(checksum(next));
    out.byte(SEMICOLON);
    return out.done();
  }

  // Index the source by the hash of each block of NHASH bytes: landmark[h] is the last block
  // with hash h, collide[block] the block before it with the same hash.
  const nHash = Math.floor(lenSrc / NHASH);
  const collide = new Int32Array(nHash).fill(-1);
  const landmark = new Int32Array(nHash).fill(-1);
  for (let i = 0; i < lenSrc - NHASH; i += NHASH) {
    const hv = windowHash(prev, i) % nHash;
    collide[i / NHASH] = landmark[hv] as number;
    landmark[hv] = i / NHASH;
  }

  // Everything before next[base] is in the delta already. Slide a window over next from
  // base; at each position, extend every candidate block both ways and take the longest
  // run worth its copy command; literal bytes between base and the run go first.
  let base = 0;
  while (base + NHASH < lenOut) {
    let a = 0;
    let b = 0;
    for (let k = 0; k < NHASH; k++) {
      const x = next[base + k] as number;
      a = (a + x) & 0xffff;
      b = (b + (NHASH - k) * x) & 0xffff;
    }
    let i = 0;
    for (;;) {
      let bestCnt = 0;
      let bestOfst = 0;
      let bestLitsz = 0;
      let limit = SEARCH_LIMIT;
      let iBlock = landmark[((a | (b << 16)) >>> 0) % nHash] as number;
      while (iBlock >= 0 && limit-- > 0) {
        const iSrc = iBlock * NHASH;
        const at = base + i;
        // Bytes matching from iSrc on, then before it.
        const most = Math.min(lenSrc - iSrc, lenOut - at);
        let forward = 0;
        while (forward < most && prev[iSrc + forward] === next[at + forward]) forward++;
        const mostBack = Math.min(iSrc - 1, i);
        let back = 0;
        while (back < mostBack && prev[iSrc - back - 1] === next[at - back - 1]) back++;
        const cnt = forward + back;
        // A copy is taken only when its command is no longer than the bytes it replaces.
        if (cnt > bestCnt) {
          const litsz = i - back;
          const ofst = iSrc - back;
          if (cnt >= digitCount(litsz) + digitCount(cnt) + digitCount(ofst) + 3) {
            bestCnt = cnt;
            bestOfst = ofst;
            bestLitsz = litsz;
          }
        }
        iBlock = collide[iBlock] as number;
      }
      if (bestCnt > 0) {
        if (bestLitsz > 0) {
          out.insert(next, base, base + bestLitsz);
          base += bestLitsz;
        }
        out.copy(bestCnt, bestOfst);
        base += bestCnt;
        break;
      }
      if (base + i + NHASH >= lenOut) {
        // No match up to the end: the rest is literal.
        out.insert(next, base, lenOut);
        base = lenOut;
        break;
      }
      // Roll the window one byte on.
      const old = next[base + i] as number;
      const c = next[base + i + NHASH] as number;
      a = (a - old + c) & 0xffff;
      b = (b - NHASH * old + a) & 0xffff;
      i++;
    }
  }
  if (base < lenOut) out.insert(next, base, lenOut);
  out.int(checksum(next));
  out.byte(SEMICOLON);
  return out.done();
}

/** Fossil's rolling hash of data[pos, pos + NHASH): two 16-bit sums as one 32-bit value. */
function windowHash(data: Uint8Array, pos: number): number {
  let a = 0;
  let b = 0;
  for (let k = 0; k < NHASH; k++) {
    const x = data[pos + k] as number;
    a = (a + x) & 0xffff;
    b = (b + (NHASH - k) * x) & 0xffff;
  }
  return (a | (b << 16)) >>> 0;
}

/** Digits of v in the delta's base 64. */
function digitCount(v: number): number {
  let n = 1;
  for (let x = 64; v >= x; x *= 64) n++;
  return n;
}

/** Fossil's checksum: the sum of the data as big-endian 32-bit words, modulo 2^32. */
function checksum(data: Uint8Array): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let z = 0;
  let n = data.length;
  while (n >= 16) {
    s0 = (s0 + (data[z] as number) + (data[z + 4] as number)) | 0;
    s0 = (s0 + (data[z + 8] as number) + (data[z + 12] as number)) | 0;
    s1 = (s1 + (data[z + 1] as number) + (data[z + 5] as number)) | 0;
    s1 = (s1 + (data[z + 9] as number) + (data[z + 13] as number)) | 0;
    s2 = (s2 + (data[z + 2] as number) + (data[z + 6] as number)) | 0;
    s2 = (s2 + (data[z + 10] as number) + (data[z + 14] as number)) | 0;
    s3 = (s3 + (data[z + 3] as number) + (data[z + 7] as number)) | 0;
    s3 = (s3 + (data[z + 11] as number) + (data[z + 15] as number)) | 0;
    z += 16;
    n -= 16;
  }
  while (n >= 4) {
    s0 = (s0 + (data[z] as number)) | 0;
    s1 = (s1 + (data[z + 1] as number)) | 0;
    s2 = (s2 + (data[z + 2] as number)) | 0;
    s3 = (s3 + (data[z + 3] as number)) | 0;
    z += 4;
    n -= 4;
  }
  s3 = (s3 + (s2 << 8) + (s1 << 16) + (s0 << 24)) | 0;
  if (n === 3) s3 = (s3 + ((data[z + 2] as number) << 8)) | 0;
  if (n >= 2) s3 = (s3 + ((data[z + 1] as number) << 16)) | 0;
  if (n >= 1) s3 = (s3 + ((data[z] as number) << 24)) | 0;
  return s3 >>> 0;
}

/**
 * The delta being written. A delta is at most the target's length plus a few dozen bytes
 * (a copy is emitted only when its command is no longer than what it covers), so one
 * allocation almost always holds it; `room` grows the buffer for the rest.
 */
class DeltaWriter {
  private buf: Uint8Array;
  private pos = 0;

  constructor(targetLength: number) {
    this.buf = new Uint8Array(targetLength + 48);
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.pos++] = b;
  }

  /** An unsigned integer in the delta's base 64, most significant digit first. */
  int(v: number): void {
    const n = digitCount(v);
    this.room(n);
    let rest = v;
    for (let k = n - 1; k >= 0; k--) {
      this.buf[this.pos + k] = DIGITS[rest % 64] as number;
      rest = Math.floor(rest / 64);
    }
    this.pos += n;
  }

  /** "<n>:" followed by data[start, end). */
  insert(data: Uint8Array, start: number, end: number): void {
    this.int(end - start);
    this.byte(COLON);
    this.room(end - start);
    this.buf.set(data.subarray(start, end), this.pos);
    this.pos += end - start;
  }

  /** "<cnt>@<offset>," : cnt bytes of the source from offset. */
  copy(cnt: number, offset: number): void {
    this.int(cnt);
    this.byte(AT);
    this.int(offset);
    this.byte(COMMA);
  }

  done(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }
}
