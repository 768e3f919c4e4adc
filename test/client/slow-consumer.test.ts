// A client that stops reading is cut with 3008 once its queue passes client.queue_max_size,
// while a healthy subscriber of the same channel receives every publication in order.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, it } from 'node:test';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { RawClient } from './raw.ts';
import { type Client, newClient, waitUntil, wsUrl } from './sdk.ts';

let node: TestNode;
let healthy: Client;
before(async () => {
  node = await startTestNode({
    client: { allow_anonymous_connect_without_token: true, queue_max_size: 262144 },
    channel: {
      without_namespace: { allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true },
    },
  });
});
after(async () => {
  healthy?.disconnect();
  await node?.close();
});

it('cuts a slow consumer with 3008 and keeps the others whole', async () => {
  healthy = newClient(node, 'json');
  const received: number[] = [];
  healthy.connect();
  const sub = healthy.newSubscription('flood');
  sub.on('publication', (ctx) => received.push((ctx.data as { n: number }).n));
  sub.subscribe();
  await sub.ready(3000);

  const slow = await RawClient.open(wsUrl(node));
  slow.send(JSON.stringify({ id: 1, connect: {} }));
  await slow.reply(1);
  slow.send(JSON.stringify({ id: 2, subscribe: { channel: 'flood' } }));
  await slow.reply(2);
  // Stop reading: the kernel buffers fill, then the server's queue for this client grows.
  (slow.ws as unknown as { _socket: Socket })._socket.pause();

  // 12 MB in bursts of 80 KB: each burst fits a healthy client's 256 KB queue, the whole
  // is more than loopback's socket buffers can hide for the paused one.
  const total = 3000;
  const filler = 'x'.repeat(4 * 1024);
  for (let start = 0; start < total; start += 20) {
    const commands = Array.from({ length: 20 }, (_, i) => ({
      publish: { channel: 'flood', data: { n: start + i, filler } },
    }));
    const res = await node.api('batch', { commands });
    assert.equal(res.status, 200);
  }
  await waitUntil(() => received.length === total, `${total} publications`, 20_000);
  assert.deepEqual(
    received,
    Array.from({ length: total }, (_, i) => i),
  );
  const info = await node.api('info', {});
  assert.equal(info.json.result.nodes[0].num_clients, 1, 'only the healthy client is left');
  (slow.ws as unknown as { _socket: Socket })._socket.resume();
  assert.equal(await slow.closeCode(10_000), 3008);
});
