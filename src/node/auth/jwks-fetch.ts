// One bounded GET of a JWKS document. The endpoint is trusted configuration, but a slow or
// broken one must not stall token checks or fill memory, so the whole exchange (connect,
// headers, body) has a deadline and the body a size cap. Every failure is a plain Error;
// the caller turns it into TokenKeysUnavailableError.
import { isPlainObject } from './claim-fields.ts';

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const body = response.body;
  if (body === null) return '';
  if (Number(response.headers.get('content-length')) > maxBytes) {
    await body.cancel();
    throw new Error(`JWKS response exceeds ${maxBytes} bytes`);
  }
  // Counted as it streams: chunked responses declare no length up front.
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    // Leaving the loop by throwing cancels the stream, which drops the connection.
    if (size > maxBytes) throw new Error(`JWKS response exceeds ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return utf8.decode(Buffer.concat(chunks));
}

/** The `keys` array of the JWKS at `url`; throws on any transport or format problem. */
export async function fetchJwks(url: string, limits: FetchLimits): Promise<unknown[]> {
  // The signal also bounds reading the body, not only waiting for the headers.
  const signal = AbortSignal.timeout(limits.timeoutMs);
  const response = await fetch(url, { signal, headers: { accept: 'application/json' } });
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`JWKS endpoint answered HTTP ${response.status}`);
  }
  const doc: unknown = JSON.parse(await readCapped(response, limits.maxBytes));
  if (!isPlainObject(doc) || !Array.isArray(doc.keys)) {
    throw new Error('JWKS document has no keys array');
  }
  return doc.keys;
}
