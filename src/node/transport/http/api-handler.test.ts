// The API handler on a real node http server, for what a whole node cannot stage on cue:
// requests that arrive once the node has begun to close.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import type { ApiExecutor } from '../../api/index.ts';
import { createLogger, NodeMetrics } from '../../observability/index.ts';
import { createApiHandler } from './api-handler.ts';
import { HttpLimits } from './http-limits.ts';

describe('HTTP API handler', () => {
  it('answers 503 with connection: close once closing, and owns only its prefix and under', async () => {
    let calls = 0;
    const executor = {
      call: async () => {
        calls++;
        return { result: {} };
      },
    } as unknown as ApiExecutor;
    const logger = createLogger({ level: 'none', file: '' });
    const api = createApiHandler({
      executor,
      handlerPrefix: '/api',
      key: 'k',
      insecure: false,
      errorMode: '',
      bodyLimit: 1024,
      limits: new HttpLimits(new NodeMetrics('test'), logger),
      logger,
    });
    const nothingElse = () => false;
    assert.equal(api.owns('/api/publish', nothingElse), true);
    assert.equal(api.owns('/api', nothingElse), true, 'the legacy endpoint');
    assert.equal(api.owns('/api?api_key=k', nothingElse), true);
    assert.equal(api.owns('/apix/publish', nothingElse), false);
    assert.equal(api.owns('/health', nothingElse), false);
    const server = createServer((req, res) => api.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/info`;
    const post = () => fetch(url, { method: 'POST', headers: { 'x-api-key': 'k' }, body: '{}' });
    try {
      const before = await post();
      assert.equal(before.status, 200);
      assert.deepEqual(await before.json(), { result: {} });
      api.close();
      const during = await post();
      assert.equal(during.status, 503);
      assert.equal(during.headers.get('connection'), 'close');
      assert.match(await during.text(), /shutting down/);
      assert.equal(calls, 1, 'nothing reaches the executor once closing');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
