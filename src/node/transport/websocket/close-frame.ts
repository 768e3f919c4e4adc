// What a close frame may carry (RFC 6455 §7.4, §5.5): the server API can ask for any
// disconnect code and reason, a close frame holds only some.

/** Codes a close frame may carry (RFC 6455 §7.4): the API can ask for any number. */
export function closeCode(code: number): number {
  const valid = (code >= 3000 && code <= 4999) || [1000, 1001, 1008, 1009, 1011].includes(code);
  return valid ? code : 3000;
}

/** A close frame holds at most 123 bytes of reason. */
export function closeReason(reason: string): string {
  const bytes = Buffer.from(reason, 'utf8');
  if (bytes.length <= 123) return reason;
  return new TextDecoder().decode(bytes.subarray(0, 123)).replace(/\uFFFD+$/, '');
}
