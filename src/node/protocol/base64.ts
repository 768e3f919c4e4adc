// Standard base64 read as strictly as Go's base64.StdEncoding: padding required, no
// whitespace, nothing outside the alphabet. Publication data, token claims and proxy answers
// (b64data, b64info) all go through this one check.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict standard base64 (as Go's StdEncoding): undefined when the text is not base64. */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  return BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
}
