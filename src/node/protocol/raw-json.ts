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
  // pos is at the opening quote. The closing one is the next quote not escaped, that is
  // not preceded by an odd run of backslashes; indexOf finds candidates natively.
  let from = pos + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return text.length;
    let backslashes = 0;
    while (quote - backslashes - 1 > pos && text.charCodeAt(quote - backslashes - 1) === 0x5c)
      backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
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

/** A value's span, and for containers indexed to some depth, their members or items. */
export interface SpanNode extends Span {
  members?: Map<string, SpanNode>;
  items?: SpanNode[];
}

/**
 * The spans of the value at `span` and of what it contains, `depth` containers deep, in one
 * pass over the text (deeper values are skipped, not indexed). A batch body indexed 4 deep
 * gives every command's fields without reading any byte twice.
 */
export function indexSpans(text: string, span: Span, depth: number): SpanNode {
  return nodeAt(text, skipWs(text, span.start), depth);
}

function nodeAt(text: string, pos: number, depth: number): SpanNode {
  const c = text.charCodeAt(pos);
  if (depth > 0 && c === 0x7b) return objectAt(text, pos, depth);
  if (depth > 0 && c === 0x5b) return arrayAt(text, pos, depth);
  return { start: pos, end: skipValue(text, pos) };
}

function objectAt(text: string, pos: number, depth: number): SpanNode {
  // The last of repeated keys wins, as in JSON.parse.
  const members = new Map<string, SpanNode>();
  let i = skipWs(text, pos + 1);
  while (text.charCodeAt(i) === 0x22) {
    const keyEnd = skipString(text, i);
    // Keys without escapes (all of the API's) are their text; JSON.parse only for the rest.
    const raw = text.slice(i + 1, keyEnd - 1);
    const key = raw.includes('\\') ? (JSON.parse(text.slice(i, keyEnd)) as string) : raw;
    i = skipWs(text, keyEnd);
    i = skipWs(text, i + 1); // the colon
    const value = nodeAt(text, i, depth - 1);
    members.set(key, value);
    i = skipWs(text, value.end);
    if (text.charCodeAt(i) === 0x2c) i = skipWs(text, i + 1);
  }
  return { start: pos, end: Math.min(i + 1, text.length), members };
}

function arrayAt(text: string, pos: number, depth: number): SpanNode {
  const items: SpanNode[] = [];
  let i = skipWs(text, pos + 1);
  while (i < text.length && text.charCodeAt(i) !== 0x5d) {
    const item = nodeAt(text, i, depth - 1);
    items.push(item);
    i = skipWs(text, item.end);
    if (text.charCodeAt(i) === 0x2c) i = skipWs(text, i + 1);
    else break;
  }
  i = skipWs(text, i);
  return { start: pos, end: Math.min(i + 1, text.length), items };
}

/** Spans of an object's member values by key (the last one wins, as in JSON.parse). */
export function objectSpans(text: string, span: Span): Map<string, Span> {
  return indexSpans(text, span, 1).members ?? new Map();
}
