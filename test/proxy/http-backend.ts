// A real application backend for the HTTP proxies: node:http on 127.0.0.1, one route per
// proxy path. Each route answers with what the test sets (a JSON value, a status, or a
// delay), and every request is recorded with its headers and parsed body.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** The body as sent: field order and escaping included. */
  raw: string;
}

export type Answer =
  | { json: unknown }
  | { status: number }
  | { delayMs: number; json: unknown }
  | ((body: Record<string, unknown>) => unknown);

export class HttpBackend {
  readonly received: Received[] = [];
  private readonly answers = new Map<string, Answer>();
  private server: Server | undefined;
  private port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
        const path = req.url ?? '/';
        this.received.push({ path, headers: req.headers, body, raw: text });
        const answer = this.answers.get(path) ?? { status: 404 };
        const send = (json: unknown) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(json));
        };
        if (typeof answer === 'function') send(answer(body));
        else if ('status' in answer) {
          res.writeHead(answer.status);
          res.end();
        } else if ('delayMs' in answer) {
          const timer = setTimeout(() => send(answer.json), answer.delayMs);
          res.on('close', () => clearTimeout(timer));
        } else send(answer.json);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  answer(path: string, answer: Answer): void {
    this.answers.set(path, answer);
  }

  /** Requests to `path`, in order. */
  to(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
