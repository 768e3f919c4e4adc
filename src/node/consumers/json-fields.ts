// The raw text of top-level fields of a JSON object, without re-encoding them: a consumed
// `{"method": ..., "payload": {...}}` hands its payload on byte for byte, so numbers beyond
// 2^53 or key order inside `data` survive as the publisher wrote them. Names match as Go's
// encoding/json matches them: an exact name first, else one equal under case folding, the
// last occurrence winning.

/** Raw value texts of the top-level fields, by name as given; undefined if not an object. */
export function topLevelJsonFields(text: string): Map<string, string> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  // Valid JSON from here on, so the scan below only needs to find where values end.
  const exact = new Map<string, string>();
  let i = skipSpace(text, text.indexOf('{') + 1);
  while (i < text.length && text[i] !== '}') {
    const keyEnd = stringEnd(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    const valueStart = skipSpace(text, skipSpace(text, keyEnd) + 1);
    const valueEnd = valueEndOf(text, valueStart);
    exact.set(key, text.slice(valueStart, valueEnd));
    i = skipSpace(text, valueEnd);
    if (text[i] === ',') i = skipSpace(text, i + 1);
  }
  return exact;
}

/** The field Go would decode into a struct field of this name. */
export function jsonField(fields: Map<string, string>, name: string): string | undefined {
  const exact = fields.get(name);
  if (exact !== undefined) return exact;
  let folded: string | undefined;
  for (const [key, value] of fields) if (key.toLowerCase() === name) folded = value;
  return folded;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  return i;
}

/** Index just past the string literal starting at i. */
function stringEnd(text: string, i: number): number {
  let j = i + 1;
  while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
  return j + 1;
}

function valueEndOf(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return stringEnd(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    let j = i;
    while (j < text.length) {
      const d = text[j];
      if (d === '"') {
        j = stringEnd(text, j);
        continue;
      }
      if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    return j;
  }
  let j = i;
  while (j < text.length && !',}] \t\n\r'.includes(text[j] as string)) j++;
  return j;
}
