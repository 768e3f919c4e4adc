// Equality of normalized transcripts, and the readable diff a failing case prints: both
// sides as pretty JSON with sorted keys, and the lines where they part.
import type { Json } from './proto.ts';

/** JSON with object keys sorted at every level, two-space indented. */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}

export function sameJson(a: Json, b: Json): boolean {
  return stableJson(a) === stableJson(b);
}

/** A unified line diff (longest common subsequence) of two texts, `-` left, `+` right. */
export function lineDiff(left: string, right: string, context = 3): string {
  const a = left.split('\n');
  const b = right.split('\n');
  const width = b.length + 1;
  // common[i * width + j]: length of the longest common subsequence of a[i..] and b[j..]
  const common = new Int32Array((a.length + 1) * width);
  const at = (i: number, j: number) => common[i * width + j] ?? 0;
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i * width + j] =
        a[i] === b[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
    }
  }
  const lines: Array<{ tag: ' ' | '-' | '+'; text: string }> = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ tag: ' ', text: a[i] ?? '' });
      i++;
      j++;
    } else if (j < b.length && (i === a.length || at(i, j + 1) >= at(i + 1, j))) {
      lines.push({ tag: '+', text: b[j++] ?? '' });
    } else {
      lines.push({ tag: '-', text: a[i++] ?? '' });
    }
  }
  const near = (k: number) =>
    lines.slice(Math.max(0, k - context), k + context + 1).some((x) => x.tag !== ' ');
  const out: string[] = [];
  let skipped = false;
  lines.forEach((line, k) => {
    if (near(k)) {
      out.push(`${line.tag} ${line.text}`);
      skipped = false;
    } else if (!skipped) {
      out.push('  ...');
      skipped = true;
    }
  });
  return out.join('\n');
}
