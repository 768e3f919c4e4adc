// Bytes as a JSON string literal, escaped byte for byte as Centrifugo's encoder escapes them
// (segmentio/encoding json.Escape, HTML-safe): how JSON connections carry the data of a
// delta subscription, whole or as a Fossil delta, whatever the bytes are. The SDKs read the
// string back and encode it as UTF-8, so valid UTF-8 survives unchanged; a byte that is no
// UTF-8 becomes \ufffd, as it does in Centrifugo.

const HEX = '0123456789abcdef';
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Bytes written as a backslash and a letter. */
const SHORT_ESCAPES: Record<number, string> = {
  34: '"',
  92: '\\',
  8: 'b',
  12: 'f',
  10: 'n',
  13: 'r',
  9: 't',
};
const HTML_BYTES = new Set([0x3c, 0x3e, 0x26]);
const encoder = new TextEncoder();

/** The JSON string literal (quotes included) of `bytes`, as UTF-8. */
export function jsonStringOf(bytes: Uint8Array): Uint8Array {
  // Plain ASCII needs two quotes around an unchanged copy: the common case, no scan below.
  if (!needsEscape(bytes)) {
    const out = new Uint8Array(bytes.length + 2);
    out[0] = QUOTE;
    out.set(bytes, 1);
    out[bytes.length + 1] = QUOTE;
    return out;
  }
  let text = '"';
  let from = 0;
  let i = 0;
  const flush = (to: number) => {
    if (to > from) text += Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString();
  };
  while (i < bytes.length) {
    const c = bytes[i] as number;
    if (c >= 0x20 && c <= 0x7f && c !== QUOTE && c !== BACKSLASH && !HTML_BYTES.has(c)) {
      i++;
      continue;
    }
    if (c < 0x80) {
      flush(i);
      const short = SHORT_ESCAPES[c];
      text += short !== undefined ? `\\${short}` : `\\u00${HEX[c >> 4]}${HEX[c & 0xf]}`;
      i++;
      from = i;
      continue;
    }
    const size = runeSize(bytes, i);
    if (size === 0) {
      flush(i);
      text += '\\ufffd';
      i++;
      from = i;
      continue;
    }
    // U+2028 and U+2029 (E2 80 A8/A9) are escaped, as JSON inside script needs.
    if (
      size === 3 &&
      c === 0xe2 &&
      bytes[i + 1] === 0x80 &&
      ((bytes[i + 2] as number) | 1) === 0xa9
    ) {
      flush(i);
      text += bytes[i + 2] === 0xa8 ? '\\u2028' : '\\u2029';
      i += 3;
      from = i;
      continue;
    }
    i += size;
  }
  flush(i);
  return encoder.encode(`${text}"`);
}

function needsEscape(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] as number;
    if (c < 0x20 || c > 0x7f || c === QUOTE || c === BACKSLASH || HTML_BYTES.has(c)) return true;
  }
  return false;
}

/**
 * The length of the UTF-8 sequence starting at `i`, or 0 when it is not one (Go's
 * utf8.DecodeRune rules: no overlong forms, no surrogates, nothing above U+10FFFF).
 */
function runeSize(b: Uint8Array, i: number): number {
  const c = b[i] as number;
  const cont = (k: number) => {
    const x = b[i + k];
    return x !== undefined && (x & 0xc0) === 0x80;
  };
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const c1 = b[i + 1] ?? 0;
    if (c === 0xe0 && c1 < 0xa0) return 0;
    if (c === 0xed && c1 > 0x9f) return 0;
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const c1 = b[i + 1] ?? 0;
    if (c === 0xf0 && c1 < 0x90) return 0;
    if (c === 0xf4 && c1 > 0x8f) return 0;
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}
