// One HTTP request exactly as a case gives it, on a fresh connection, and what came back:
// status, content type, and the body as JSON when it parses, else as its exact text.
import { request } from 'node:http';
import type { Json } from './proto.ts';

const HTTP_TIMEOUT_MS = 5_000;

export interface HttpObservation {
  status: number;
  contentType: string | null;
  body: Json;
}

export function httpCall(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | Buffer | undefined,
): Promise<HttpObservation> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve) => {
    // A fresh connection per request (agent: false): no keep-alive state between cases.
    const req = request(url, { method, headers, agent: false, timeout: HTTP_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'] ?? null,
          body: parseBody(text),
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) =>
      resolve({ status: 0, contentType: null, body: { $error: err.message } }),
    );
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** JSON bodies compared as values; any other body as its exact text. */
function parseBody(text: string): Json {
  if (text === '') return { $text: '' };
  try {
    return { $json: JSON.parse(text) as Json };
  } catch {
    // The legacy POST /api answers one JSON object per line.
    try {
      const lines = text.split('\n').filter((line) => line !== '');
      return { $jsonLines: lines.map((line) => JSON.parse(line) as Json) };
    } catch {
      return { $text: text };
    }
  }
}
