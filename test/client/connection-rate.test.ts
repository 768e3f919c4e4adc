// client.connection_rate_limit floods: as Centrifugo v6.9.1 answers (seen on its binary with
// the same limit), the first `limit` upgrades get through, the rest of the burst get HTTP 503
// with no body, and a token comes back a second later.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import WebSocket from 'ws';
import { startTestNode, type TestNode } from '../node/harness.ts';

function upgrade(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => reject(new Error('no answer to the upgrade')), 5000);
    ws.on('open', () => {
      clearTimeout(timer);
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.on('error', () => {});
  });
}

describe('client.connection_rate_limit', () => {
  let node: TestNode | undefined;
  after(() => node?.close());

  it('answers 503 past the burst, then lets one connection a second in', async () => {
    node = await startTestNode({ client: { connection_rate_limit: 3, insecure: true } });
    const url = `${node.url.replace('http://', 'ws://')}/connection/websocket`;
    const flood = await Promise.all(Array.from({ length: 12 }, () => upgrade(url)));
    assert.equal(flood.filter((s) => s === 101).length, 3, JSON.stringify(flood));
    assert.equal(flood.filter((s) => s === 503).length, 9, JSON.stringify(flood));
    await new Promise((r) => setTimeout(r, 1100));
    assert.deepEqual(
      await Promise.all([upgrade(url), upgrade(url)]).then((s) => s.sort()),
      [101, 503],
    );
  });
});
