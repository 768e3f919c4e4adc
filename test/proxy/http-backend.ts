// A real application backend for the HTTP proxies: fastify on 127.0.0.1, one catch-all
// route that answers each proxy path with what the test sets (a JSON value, a status, or a
// delay). Every request is recorded with its headers, its parsed body and the body as sent.
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';

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
  /** Paths of delayed answers whose request the caller dropped before the answer went. */
  readonly dropped: string[] = [];
  private readonly answers = new Map<string, Answer>();
  private readonly app: FastifyInstance = Fastify({ logger: false, forceCloseConnections: true });
  private port = 0;

  async start(): Promise<void> {
    // The raw text is kept: the comparisons with Centrifugo look at bodies byte for byte.
    this.app.removeAllContentTypeParsers();
    this.app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) =>
      done(null, body),
    );
    this.app.all('/*', (req, reply) => {
      const text = typeof req.body === 'string' ? req.body : '';
      const body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      const path = req.url;
      this.received.push({ path, headers: req.headers, body, raw: text });
      const answer = this.answers.get(path) ?? { status: 404 };
      const send = (json: unknown) =>
        reply.code(200).type('application/json').send(JSON.stringify(json));
      if (typeof answer === 'function') return send(answer(body));
      if ('status' in answer) return reply.code(answer.status).send();
      if ('delayMs' in answer) {
        const timer = setTimeout(() => send(answer.json), answer.delayMs);
        reply.raw.on('close', () => {
          clearTimeout(timer);
          if (!reply.raw.writableFinished) this.dropped.push(path);
        });
        return reply;
      }
      return send(answer.json);
    });
    await this.app.listen({ host: '127.0.0.1', port: 0 });
    this.port = (this.app.server.address() as AddressInfo).port;
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
    await this.app.close();
  }
}
