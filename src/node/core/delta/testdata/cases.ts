// Inputs for the encoder vectors: generated, not stored, from a fixed seed, so the same
// pairs come out on every machine. centrifuge-deltas.json holds what Centrifugo's encoder
// makes of each (see README.md for how it was made); fossil-delta.test.ts checks that
// createDelta gives the same bytes.

export interface DeltaCase {
  name: string;
  prev: Uint8Array;
  next: Uint8Array;
}

/** mulberry32: a small seeded generator, uniform in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const utf8 = new TextEncoder();

/** A JSON document of about `items` * 98 bytes, as the delta benchmark publishes. */
export function jsonDocument(
  items: number,
  seed: number,
): { doc: JsonDoc; step: () => Uint8Array } {
  const rnd = random(seed);
  const doc: JsonDoc = {
    version: 0,
    items: Array.from({ length: items }, (_, i) => ({
      id: i,
      name: `item-${i}-${'x'.repeat(i % 7)}`,
      price: Math.round(rnd() * 10_000) / 100,
      qty: Math.floor(rnd() * 100),
      tags: ['a', 'b'],
      note: 'héllo wörld ✓',
    })),
  };
  // Each step changes a few prices and quantities, now and then a note (non-ASCII).
  const step = () => {
    doc.version++;
    for (let k = 0; k < 3; k++) {
      const item = doc.items[Math.floor(rnd() * doc.items.length)] as JsonItem;
      item.price = Math.round(rnd() * 10_000) / 100;
      item.qty = Math.floor(rnd() * 100);
    }
    if (doc.version % 10 === 1) {
      const item = doc.items[Math.floor(rnd() * doc.items.length)] as JsonItem;
      item.note = rnd() > 0.5 ? 'héllo wörld ✓' : 'hèllo wörld ✔';
    }
    return utf8.encode(JSON.stringify(doc));
  };
  return { doc, step };
}

interface JsonItem {
  id: number;
  name: string;
  price: number;
  qty: number;
  tags: string[];
  note: string;
}
interface JsonDoc {
  version: number;
  items: JsonItem[];
}

function bytes(n: number, rnd: () => number, alphabet = 256): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rnd() * alphabet);
  return out;
}

/** `src` with a few random replacements, insertions and deletions. */
function edited(src: Uint8Array, rnd: () => number, edits: number): Uint8Array {
  const out = Array.from(src);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rnd() * (out.length + 1));
    const len = 1 + Math.floor(rnd() * 40);
    const kind = Math.floor(rnd() * 3);
    if (kind === 0) out.splice(at, len, ...bytes(len, rnd));
    else if (kind === 1) out.splice(at, 0, ...bytes(len, rnd));
    else out.splice(at, len);
  }
  return Uint8Array.from(out);
}

/** Blocks of `src` in another order: copies from far apart. */
function shuffledBlocks(src: Uint8Array, rnd: () => number, block: number): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (let i = 0; i < src.length; i += block) blocks.push(src.subarray(i, i + block));
  for (let i = blocks.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [blocks[i], blocks[j]] = [blocks[j] as Uint8Array, blocks[i] as Uint8Array];
  }
  const out = new Uint8Array(src.length);
  let pos = 0;
  for (const b of blocks) {
    out.set(b, pos);
    pos += b.length;
  }
  return out;
}

export function deltaCases(): DeltaCase[] {
  const cases: DeltaCase[] = [];
  const rnd = random(20261201);

  // A 10 KiB JSON document over 40 steps.
  const json = jsonDocument(105, 7);
  let prev = json.step();
  for (let s = 0; s < 40; s++) {
    const next = json.step();
    cases.push({ name: `json-step-${s}`, prev, next });
    prev = next;
  }

  // Edges of the block size and of the output, random and text-like bytes.
  for (const n of [0, 1, 15, 16, 17, 31, 32, 33, 100, 1000, 4096, 4097, 65536]) {
    const src = bytes(n, rnd);
    cases.push({ name: `random-${n}-edited`, prev: src, next: edited(src, rnd, 1 + (n >> 9)) });
    cases.push({ name: `random-${n}-unrelated`, prev: src, next: bytes(n, rnd) });
    cases.push({ name: `random-${n}-same`, prev: src, next: src.slice() });
    const text = bytes(n, rnd, 4).map((b) => 0x61 + b);
    cases.push({ name: `text4-${n}-edited`, prev: text, next: edited(text, rnd, 3) });
  }
  cases.push({ name: 'empty-to-some', prev: new Uint8Array(0), next: bytes(300, rnd) });
  cases.push({ name: 'some-to-empty', prev: bytes(300, rnd), next: new Uint8Array(0) });
  const blocks = bytes(20_000, rnd, 16);
  cases.push({ name: 'blocks-shuffled', prev: blocks, next: shuffledBlocks(blocks, rnd, 700) });

  // Long runs of identical blocks: hash chains far longer than the search limit, where an
  // encoder looking at 250 candidates (Fossil's C) gives other bytes than one looking at
  // 249 (Centrifugo's).
  const ab = utf8.encode('ab'.repeat(6_000));
  const abEdited = utf8.encode(`${'ab'.repeat(2_500)}X${'ab'.repeat(3_000)}Y${'ab'.repeat(400)}`);
  cases.push({ name: 'repeated-ab', prev: ab, next: abEdited });
  const zeros = new Uint8Array(64 * 1024);
  const zerosEdited = zeros.slice(0, 60_000);
  zerosEdited[30_000] = 1;
  cases.push({ name: 'repeated-zeros', prev: zeros, next: zerosEdited });
  return cases;
}
