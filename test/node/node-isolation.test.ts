// Two nodes in one process share nothing: each has its own engine, Node, hub, outbox,
// WebSocket frame sharing, API reply batch and metrics (start-node.ts creates them all and
// closes them with the node). Closing one leaves the other delivering; each counts only
// its own messages.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import type { RunningNode } from '../../src/node/start-node.ts';
import { type Client, dataValue, newClient, once } from '../client/sdk.ts';
import { startTestNode, type TestNode } from './harness.ts';

const CONFIG = {
  client: { insecure: true },
  channel: { without_namespace: { allow_subscribe_for_client: true } },
};

const nodes: TestNode[] = [];
const clients: Client[] = [];
after(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all(nodes.map((n) => n.close()));
});

async function subscriber(node: TestNode) {
  const c = newClient(node, 'json');
  clients.push(c);
  const got: unknown[] = [];
  const sub = c.newSubscription('news');
  sub.on('publication', (ctx) => got.push(dataValue('json', ctx.data)));
  const subscribed = once(sub, 'subscribed');
  c.connect();
  sub.subscribe();
  await subscribed;
  return got;
}

async function counter(running: RunningNode, name: 'messagesSent', type: string) {
  const { values } = await running.metrics[name].get();
  return values.find((v) => v.labels.type === type)?.value ?? 0;
}

async function sentFrames(running: RunningNode) {
  const { values } = await running.metrics.transportMessagesSent.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

it('keeps deliveries, counters and lifetimes of two nodes in one process apart', async () => {
  const a = await startTestNode(CONFIG);
  nodes.push(a);
  const b = await startTestNode(CONFIG);
  nodes.push(b);
  const atA = await subscriber(a);
  const atB = await subscriber(b);
  // Same channel, same data on both, in the same turn: each node's subscriber gets its own
  // node's publication once.
  await Promise.all([
    a.api('publish', { channel: 'news', data: { n: 1 } }),
    b.api('publish', { channel: 'news', data: { n: 1 } }),
  ]);
  await until(() => atA.length === 1 && atB.length === 1, 'one publication at each node');
  assert.equal(await counter(a.running, 'messagesSent', 'publication'), 1);
  assert.equal(await counter(b.running, 'messagesSent', 'publication'), 1);
  const framesAtA = await sentFrames(a.running);

  await a.close();
  await b.api('publish', { channel: 'news', data: { n: 2 } });
  await until(() => atB.length === 2, 'B delivering after A closed');
  assert.deepEqual(atB, [{ n: 1 }, { n: 2 }]);
  assert.deepEqual(atA, [{ n: 1 }]);
  assert.equal(await counter(b.running, 'messagesSent', 'publication'), 2);
  assert.equal(await sentFrames(a.running), framesAtA, "B's frames are not counted at A");
});
