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

/**
 * With `readMs`, a streamed answer (SSE, HTTP streaming) is read that long, then the
 * connection is closed and what came so far is the body.
 */
export function httpCall(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | Buffer | undefined,
  readMs?: number,
): Promise<HttpObservation> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve) => {
    // A fresh connection per request (agent: false): no keep-alive state between cases.
    const req = request(url, { method, headers, agent: false, timeout: HTTP_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        const contentType = res.headers['content-type'] ?? null;
        resolve({
          status: res.statusCode ?? 0,
          contentType,
          body: contentType?.startsWith('text/event-stream') ? parseEvents(text) : parseBody(text),
        });
        req.destroy();
      };
      const timer = readMs === undefined ? undefined : setTimeout(finish, readMs);
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', finish);
      res.on('error', finish);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) =>
      resolve({ status: 0, contentType: null, body: { $error: err.message } }),
    );
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Server-sent events: each event's data as JSON, beside the exact text without them. */
function parseEvents(text: string): Json {
  const events: Json[] = [];
  const rest = text.replace(/^data: (.*)\n\n/gm, (_all, data: string) => {
    try {
      events.push(JSON.parse(data) as Json);
    } catch {
      events.push({ $text: data });
    }
    return '<event>';
  });
  return { $events: events, $text: rest };
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
