// A client that stops reading is cut with 3008 once its queue passes client.queue_max_size,
// or, with a queue too large to fill, once a write makes no progress for
// websocket.write_timeout (3009, the socket dropped); meanwhile a healthy subscriber of the
// same channel receives every publication in order.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, it, type TestContext } from 'node:test';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { RawClient } from './raw.ts';
import { type Client, newClient, waitUntil, wsUrl } from './sdk.ts';

const nodes: TestNode[] = [];
const clients: Client[] = [];
after(async () => {
  for (const c of clients) c.disconnect();
  for (const n of nodes) await n.close();
});

async function startNode(client: Record<string, unknown>, websocket: Record<string, unknown>) {
  const node = await startTestNode({
    client: { allow_anonymous_connect_without_token: true, ...client },
    websocket,
    prometheus: { enabled: true },
    channel: {
      without_namespace: { allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true },
    },
  });
  nodes.push(node);
  return node;
}

/** A healthy subscriber and a raw one that stops reading, both on `flood`. */
async function healthyAndStalled(node: TestNode) {
  const healthy = newClient(node, 'json');
  clients.push(healthy);
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
  const socket = (slow.ws as unknown as { _socket: Socket })._socket;
  socket.pause();
  return { received, slow, resume: () => socket.resume() };
}

/**
 * 12 MB in bursts of 80 KB: each burst fits a healthy client's 256 KB queue, the whole is
 * more than loopback's socket buffers can hide for the paused one.
 */
async function flood(node: TestNode, received: number[], total = 3000) {
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
}

async function numClients(node: TestNode): Promise<number> {
  return (await node.api('info', {})).json.result.nodes[0].num_clients;
}

it('cuts a slow consumer with 3008 and keeps the others whole', async () => {
  // A write timeout longer than the test: the queue limit is what cuts here.
  const node = await startNode({ queue_max_size: 262144 }, { write_timeout: '60s' });
  const { received, slow, resume } = await healthyAndStalled(node);
  await flood(node, received);
  assert.equal(await numClients(node), 1, 'only the healthy client is left');
  resume();
  assert.equal(await slow.closeCode(10_000), 3008);
});

it('drops a consumer whose writes stall for websocket.write_timeout (3009)', async (t: TestContext) => {
  // A queue too large to fill: only the write timeout can cut the stalled client.
  const node = await startNode({ queue_max_size: 256 * 1024 * 1024 }, { write_timeout: '300ms' });
  const { received, slow, resume } = await healthyAndStalled(node);
  const started = Date.now();
  await flood(node, received);
  const deadline = Date.now() + 5000;
  while ((await numClients(node)) !== 1) {
    assert.ok(Date.now() < deadline, 'the stalled client is still connected 5 s after the flood');
    await new Promise((r) => setTimeout(r, 50));
  }
  const droppedAfter = Date.now() - started;
  resume();
  // The socket was dropped without a close frame (none could get through), as Centrifugo's.
  assert.equal(await slow.closeCode(10_000), 1006);
  const metrics = await fetch(`${node.url}/metrics`).then((r) => r.text());
  assert.match(metrics, /centrifugo_client_num_server_disconnects\{code="3009"\} 1\n/);
  t.diagnostic(`stalled client dropped ${droppedAfter} ms after the flood started`);
});
