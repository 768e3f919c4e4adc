// HPACK's Huffman code (RFC 7541 §5.2 and Appendix B). Decoding walks the code tree four bits
// at a time through a transition table built once at load: two lookups per input byte, and the
// octets go into a reused scratch buffer that becomes one latin1 string.

import { HpackError } from './hpack-error.ts';

// Appendix B, indexed by symbol: octets 0..255, then EOS (256). Each code is MSB first,
// right-aligned in LENGTHS[symbol] bits.
// biome-ignore format: eight symbols a row, 0x00 to 0xff, then EOS
const CODES: readonly number[] = [
  0x1ff8, 0x7fffd8, 0xfffffe2, 0xfffffe3, 0xfffffe4, 0xfffffe5, 0xfffffe6, 0xfffffe7,
  0xfffffe8, 0xffffea, 0x3ffffffc, 0xfffffe9, 0xfffffea, 0x3ffffffd, 0xfffffeb, 0xfffffec,
  0xfffffed, 0xfffffee, 0xfffffef, 0xffffff0, 0xffffff1, 0xffffff2, 0x3ffffffe, 0xffffff3,
  0xffffff4, 0xffffff5, 0xffffff6, 0xffffff7, 0xffffff8, 0xffffff9, 0xffffffa, 0xffffffb,
  0x14, 0x3f8, 0x3f9, 0xffa, 0x1ff9, 0x15, 0xf8, 0x7fa,
  0x3fa, 0x3fb, 0xf9, 0x7fb, 0xfa, 0x16, 0x17, 0x18,
  0x0, 0x1, 0x2, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
  0x1e, 0x1f, 0x5c, 0xfb, 0x7ffc, 0x20, 0xffb, 0x3fc,
  0x1ffa, 0x21, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62,
  0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a,
  0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72,
  0xfc, 0x73, 0xfd, 0x1ffb, 0x7fff0, 0x1ffc, 0x3ffc, 0x22,
  0x7ffd, 0x3, 0x23, 0x4, 0x24, 0x5, 0x25, 0x26,
  0x27, 0x6, 0x74, 0x75, 0x28, 0x29, 0x2a, 0x7,
  0x2b, 0x76, 0x2c, 0x8, 0x9, 0x2d, 0x77, 0x78,
  0x79, 0x7a, 0x7b, 0x7ffe, 0x7fc, 0x3ffd, 0x1ffd, 0xffffffc,
  0xfffe6, 0x3fffd2, 0xfffe7, 0xfffe8, 0x3fffd3, 0x3fffd4, 0x3fffd5, 0x7fffd9,
  0x3fffd6, 0x7fffda, 0x7fffdb, 0x7fffdc, 0x7fffdd, 0x7fffde, 0xffffeb, 0x7fffdf,
  0xffffec, 0xffffed, 0x3fffd7, 0x7fffe0, 0xffffee, 0x7fffe1, 0x7fffe2, 0x7fffe3,
  0x7fffe4, 0x1fffdc, 0x3fffd8, 0x7fffe5, 0x3fffd9, 0x7fffe6, 0x7fffe7, 0xffffef,
  0x3fffda, 0x1fffdd, 0xfffe9, 0x3fffdb, 0x3fffdc, 0x7fffe8, 0x7fffe9, 0x1fffde,
  0x7fffea, 0x3fffdd, 0x3fffde, 0xfffff0, 0x1fffdf, 0x3fffdf, 0x7fffeb, 0x7fffec,
  0x1fffe0, 0x1fffe1, 0x3fffe0, 0x1fffe2, 0x7fffed, 0x3fffe1, 0x7fffee, 0x7fffef,
  0xfffea, 0x3fffe2, 0x3fffe3, 0x3fffe4, 0x7ffff0, 0x3fffe5, 0x3fffe6, 0x7ffff1,
  0x3ffffe0, 0x3ffffe1, 0xfffeb, 0x7fff1, 0x3fffe7, 0x7ffff2, 0x3fffe8, 0x1ffffec,
  0x3ffffe2, 0x3ffffe3, 0x3ffffe4, 0x7ffffde, 0x7ffffdf, 0x3ffffe5, 0xfffff1, 0x1ffffed,
  0x7fff2, 0x1fffe3, 0x3ffffe6, 0x7ffffe0, 0x7ffffe1, 0x3ffffe7, 0x7ffffe2, 0xfffff2,
  0x1fffe4, 0x1fffe5, 0x3ffffe8, 0x3ffffe9, 0xffffffd, 0x7ffffe3, 0x7ffffe4, 0x7ffffe5,
  0xfffec, 0xfffff3, 0xfffed, 0x1fffe6, 0x3fffe9, 0x1fffe7, 0x1fffe8, 0x7ffff3,
  0x3fffea, 0x3fffeb, 0x1ffffee, 0x1ffffef, 0xfffff4, 0xfffff5, 0x3ffffea, 0x7ffff4,
  0x3ffffeb, 0x7ffffe6, 0x3ffffec, 0x3ffffed, 0x7ffffe7, 0x7ffffe8, 0x7ffffe9, 0x7ffffea,
  0x7ffffeb, 0xffffffe, 0x7ffffec, 0x7ffffed, 0x7ffffee, 0x7ffffef, 0x7fffff0, 0x3ffffee,
  0x3fffffff,
];
// biome-ignore format: sixteen symbols a row, 0x00 to 0xff, then EOS
const LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];

const EOS = 256;
/** A complete prefix code of 257 leaves has 256 inner nodes: the decoder's states. */
const STATE_COUNT = 256;

// A transition packs the next state (bits 0-7), the symbol completed on the way (bits 8-15)
// and two flags. Every code is at least 5 bits long, so four bits complete at most one symbol.
const EMIT = 1 << 16;
const FAILS_ON_EOS = 1 << 17;

/**
 * The code tree as two child slots per inner node (node * 2 + bit): a positive slot is an
 * inner node, a negative one the leaf -1 - symbol. The root is node 0, never anyone's child,
 * so 0 marks a slot not filled yet.
 */
function buildTree(): Int16Array {
  const children = new Int16Array(STATE_COUNT * 2);
  let nodeCount = 1;
  for (let symbol = 0; symbol <= EOS; symbol++) {
    const code = CODES[symbol] as number;
    let node = 0;
    for (let bit = (LENGTHS[symbol] as number) - 1; bit > 0; bit--) {
      const slot = node * 2 + ((code >>> bit) & 1);
      if (children[slot] === 0) children[slot] = nodeCount++;
      node = children[slot] as number;
    }
    children[node * 2 + (code & 1)] = -1 - symbol;
  }
  if (nodeCount !== STATE_COUNT) throw new Error('the HPACK Huffman table is not a complete code');
  return children;
}

function buildTransitions(children: Int16Array): Uint32Array {
  const transitions = new Uint32Array(STATE_COUNT * 16);
  for (let state = 0; state < STATE_COUNT; state++) {
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state;
      let flags = 0;
      for (let bit = 3; bit >= 0; bit--) {
        const next = children[node * 2 + ((nibble >>> bit) & 1)] as number;
        if (next > 0) {
          node = next;
          continue;
        }
        const symbol = -1 - next;
        if (symbol === EOS) {
          flags = FAILS_ON_EOS;
          break;
        }
        if (flags & EMIT) throw new Error('an HPACK Huffman code is shorter than 5 bits');
        flags = EMIT | (symbol << 8);
        node = 0;
      }
      transitions[state * 16 + nibble] = flags | node;
    }
  }
  return transitions;
}

/**
 * The states a string may end in (§5.2): the padding after the last symbol must be at most
 * 7 bits and all ones (a prefix of EOS), which is the root and the first 7 nodes down the
 * all-ones branch.
 */
function buildEndStates(children: Int16Array): Uint8Array {
  const endStates = new Uint8Array(STATE_COUNT);
  let node = 0;
  for (let depth = 0; depth <= 7; depth++) {
    endStates[node] = 1;
    node = children[node * 2 + 1] as number;
  }
  return endStates;
}

const TREE = buildTree();
const TRANSITIONS = buildTransitions(TREE);
const END_STATES = buildEndStates(TREE);

/** Strings up to this long decode through the shared scratch buffer; longer ones get their own. */
const SCRATCH_LIMIT = 64 * 1024;
let scratch = Buffer.allocUnsafe(256);

/** Decodes a Huffman-coded string literal, one char per octet (latin1). */
export function huffmanDecode(bytes: Uint8Array): string {
  return huffmanDecodeRange(bytes, 0, bytes.length);
}

/** Decodes `bytes[start, end)`, so a header block's literals need no subarray each. */
export function huffmanDecodeRange(bytes: Uint8Array, start: number, end: number): string {
  // The shortest code is 5 bits, which bounds the output.
  const maxLength = Math.floor(((end - start) * 8) / 5);
  let out = scratch;
  if (maxLength > out.length) {
    out = Buffer.allocUnsafe(maxLength);
    if (maxLength <= SCRATCH_LIMIT) scratch = out;
  }
  let state = 0;
  let length = 0;
  for (let i = start; i < end; i++) {
    const byte = bytes[i] as number;
    let transition = TRANSITIONS[(state << 4) | (byte >>> 4)] as number;
    if (transition & FAILS_ON_EOS) throw new HpackError('EOS in a Huffman-coded string');
    if (transition & EMIT) out[length++] = (transition >>> 8) & 0xff;
    state = transition & 0xff;
    transition = TRANSITIONS[(state << 4) | (byte & 0x0f)] as number;
    if (transition & FAILS_ON_EOS) throw new HpackError('EOS in a Huffman-coded string');
    if (transition & EMIT) out[length++] = (transition >>> 8) & 0xff;
    state = transition & 0xff;
  }
  if (END_STATES[state] === 0) {
    throw new HpackError('Huffman-coded string padded with more than 7 bits or not with ones');
  }
  return out.toString('latin1', 0, length);
}

/** The octets `huffmanEncode(s)` takes; chars are octets, as in latin1 (the low byte is used). */
export function huffmanEncodedLength(s: string): number {
  let bits = 0;
  for (let i = 0; i < s.length; i++) bits += LENGTHS[s.charCodeAt(i) & 0xff] as number;
  return Math.ceil(bits / 8);
}

/** Huffman-codes a latin1 string, padded with the most significant bits of EOS (ones). */
export function huffmanEncode(s: string): Buffer {
  const out = Buffer.allocUnsafe(huffmanEncodedLength(s));
  let at = 0;
  // The bits not written yet, right-aligned: fewer than 8 between symbols, up to 37 with a
  // 30-bit code appended, which is past int32 but exact in a double.
  let pending = 0;
  let pendingBits = 0;
  for (let i = 0; i < s.length; i++) {
    const symbol = s.charCodeAt(i) & 0xff;
    const length = LENGTHS[symbol] as number;
    pending = pending * 2 ** length + (CODES[symbol] as number);
    pendingBits += length;
    while (pendingBits >= 8) {
      pendingBits -= 8;
      const scale = 2 ** pendingBits;
      const byte = Math.floor(pending / scale);
      out[at++] = byte;
      pending -= byte * scale;
    }
  }
  if (pendingBits > 0) out[at] = (pending << (8 - pendingBits)) | (0xff >>> pendingBits);
  return out;
}
