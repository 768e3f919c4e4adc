// Locates the raw text of values inside JSON that JSON.parse already accepted, so
// `bytes` fields (publication data, info) travel byte for byte as the publisher sent
// them: no re-serialisation, no precision lost on large integers, no key reordering.

export interface Span {
  start: number;
  end: number;
}

function skipWs(text: string, pos: number): number {
  let i = pos;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

function skipString(text: string, pos: number): number {
  // pos is at the opening quote.
  let i = pos + 1;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i += 2;
    else if (c === 0x22) return i + 1;
    else if (Number.isNaN(c)) return i;
    else i++;
  }
}

/** The end (exclusive) of the JSON value starting at pos. */
function skipValue(text: string, pos: number): number {
  const c = text.charCodeAt(pos);
  if (c === 0x22) return skipString(text, pos);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    let i = pos;
    while (i < text.length) {
      const d = text.charCodeAt(i);
      if (d === 0x22) {
        i = skipString(text, i);
        continue;
      }
      if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return i;
  }
  let i = pos;
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (
      d === 0x2c ||
      d === 0x7d ||
      d === 0x5d ||
      d === 0x20 ||
      d === 0x0a ||
      d === 0x0d ||
      d === 0x09
    )
      break;
    i++;
  }
  return i;
}

/** Spans of an object's member values by key (the last one wins, as in JSON.parse). */
export function objectSpans(text: string, span: Span): Map<string, Span> {
  const out = new Map<string, Span>();
  let i = skipWs(text, span.start);
  if (text.charCodeAt(i) !== 0x7b) return out;
  i = skipWs(text, i + 1);
  while (i < span.end && text.charCodeAt(i) === 0x22) {
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWs(text, keyEnd);
    i = skipWs(text, i + 1); // the colon
    const end = skipValue(text, i);
    out.set(key, { start: i, end });
    i = skipWs(text, end);
    if (text.charCodeAt(i) === 0x2c) i = skipWs(text, i + 1);
  }
  return out;
}

/** Spans of an array's elements. */
export function arraySpans(text: string, span: Span): Span[] {
  const out: Span[] = [];
  let i = skipWs(text, span.start);
  if (text.charCodeAt(i) !== 0x5b) return out;
  i = skipWs(text, i + 1);
  while (i < span.end && text.charCodeAt(i) !== 0x5d) {
    const end = skipValue(text, i);
    out.push({ start: i, end });
    i = skipWs(text, end);
    if (text.charCodeAt(i) === 0x2c) i = skipWs(text, i + 1);
  }
  return out;
}
