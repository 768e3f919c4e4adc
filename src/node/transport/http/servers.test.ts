// Which endpoint a request reaches through a listener's one pipeline (front door, then
// fastify's routes, the API and the WebSocket paths as raw routes), on a real port.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { ApiExecutor } from '../../api/index.ts';
import { validateConfig } from '../../config/index.ts';
import { createLogger, NodeMetrics } from '../../observability/index.ts';
import { buildHttpListeners, type HttpListener } from './servers.ts';

const logger = createLogger({ level: 'none', file: '' });

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Whether a 100 Continue came before the answer. */
  continued: boolean;
}

/** One request by node's client, so that any method and `Expect` can be sent. */
function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let continued = false;
    // `path` as given: a URL would lose its `.` segments.
    const { hostname, port } = new URL(base);
    const req = request({ hostname, port, path, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, continued }),
      );
    });
    req.on('error', reject);
    if (headers.expect) {
      req.on('continue', () => {
        continued = true;
        req.end(body);
      });
      // A refused request never gets its 100: the body is not sent.
      req.flushHeaders();
    } else {
      req.end(body);
    }
  });
}

describe('HTTP listener routing', () => {
  const calls: string[] = [];
  const executor = {
    call: async (name: string) => {
      calls.push(name);
      return { result: {} };
    },
  } as unknown as ApiExecutor;
  let app: FastifyInstance;
  let base = '';

  before(async () => {
    const [listener] = buildHttpListeners({
      config: validateConfig({
        http_api: { key: 'k', max_request_body_size: 1024 },
        health: { enabled: true },
      }),
      executor,
      metrics: new NodeMetrics('test'),
      logger,
      version: 'test',
      readiness: () => ({ ready: true, reasons: [] }),
    }) as [HttpListener];
    app = listener.app;
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  after(() => app.close());

  const key = { 'x-api-key': 'k' };

  it('gives the API its prefix and what is under it, any method', async () => {
    const info = await send(base, 'POST', '/api/info', key, '{}');
    assert.equal(info.status, 200);
    assert.equal(info.body, '{"result":{}}');
    assert.equal((await send(base, 'POST', '/api?api_key=k', {}, '{"method":"info"}')).status, 200);
    assert.deepEqual(calls, ['info', 'info'], 'the method endpoint, then the legacy one');
    for (const method of ['GET', 'PUT', 'PURGE', 'PROPFIND']) {
      const wrong = await send(base, method, '/api/publish', key);
      assert.equal(wrong.status, 405, method);
      assert.equal(wrong.body, '', method);
    }
    // A name longer than fastify's parameter limit (100) still reaches the API.
    const long = await send(base, 'POST', `/api/${'x'.repeat(300)}`, key, '{}');
    assert.equal(long.status, 404);
    assert.equal(long.body, '404 page not found\n');
    const unknown = await send(base, 'POST', '/api/nonexistent', key, '{}');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body, '404 page not found\n');
  });

  it('answers what no route takes as Go ServeMux does', async () => {
    const other = await send(base, 'POST', '/apix/publish', key, '{}');
    assert.equal(other.status, 404);
    assert.equal(other.body, '404 page not found\n');
    assert.equal(other.headers['content-type'], 'text/plain; charset=utf-8');
    const undecodable = await send(base, 'POST', '/api/%zz', key, '{}');
    assert.equal(undecodable.status, 400);
    assert.equal(undecodable.body, '400 Bad Request');
    assert.equal(undecodable.headers.connection, 'close');
    const unclean = await send(base, 'POST', '/api/./info', key, '{}');
    assert.equal(unclean.status, 307);
    assert.equal(unclean.headers.location, '/api/info');
  });

  it('refuses the WebSocket path without an upgrade, the handshake way', async () => {
    const plain = await send(base, 'GET', '/connection/websocket');
    assert.equal(plain.status, 400);
    assert.equal(plain.body, 'Bad Request\n');
    assert.equal(plain.headers['sec-websocket-version'], '13');
  });

  it('asks for a body with 100 Continue only when the API will read it', async () => {
    const small = await send(
      base,
      'POST',
      '/api/info',
      { ...key, expect: '100-continue', 'content-length': '2' },
      '{}',
    );
    assert.equal(small.continued, true);
    assert.equal(small.status, 200);
    const large = await send(base, 'POST', '/api/info', {
      ...key,
      expect: '100-continue',
      'content-length': '4096',
    });
    assert.equal(large.continued, false);
    assert.equal(large.status, 413);
    assert.match(large.body, /http_api.max_request_body_size is 1024 bytes/);
    const health = await send(base, 'GET', '/health', { expect: '100-continue' });
    assert.equal(health.continued, true);
    assert.equal(health.status, 200);
  });
});
