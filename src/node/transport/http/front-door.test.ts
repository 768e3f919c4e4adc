// The front door on a real node http server: once closed, every request is answered 503 with
// `connection: close` and reaches no route; before, routes get them, canonical paths only.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import { FrontDoor } from './front-door.ts';

describe('front door', () => {
  it('routes canonical paths, redirects the others, and answers 503 once closing', async () => {
    const routed: string[] = [];
    const server = createServer();
    const front = new FrontDoor(
      (req, res) => {
        routed.push(req.url ?? '');
        res.end('routed');
      },
      () => false,
    );
    front.attach(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      assert.equal(await (await fetch(`${base}/api/info`, { method: 'POST' })).text(), 'routed');
      const redirect = await fetch(`${base}/api//info`, { method: 'POST', redirect: 'manual' });
      assert.equal(redirect.status, 307);
      assert.equal(redirect.headers.get('location'), '/api/info');
      front.close();
      for (const path of ['/api/info', '/health', '/connection/sse']) {
        const during = await fetch(`${base}${path}`, { method: 'POST', body: '{}' });
        assert.equal(during.status, 503, path);
        assert.equal(during.headers.get('connection'), 'close', path);
        assert.match(await during.text(), /shutting down/, path);
      }
      assert.deepEqual(routed, ['/api/info'], 'nothing is routed once closing');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
