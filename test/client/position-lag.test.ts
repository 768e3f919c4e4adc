// client.channel_position_max_time_lag through the official SDK: a publication that reaches a
// positioned subscriber later than the limit after it was published makes the subscription
// resubscribe (unsubscribe push 2500, insufficient state) instead of delivering it live; the
// SDK then recovers it from history, so the client still gets it exactly once.
//
// The lag is made without waiting: the memory engine stamps publications with the clock it
// was built with (Date.now as it was then), while delivery reads Date.now when the
// publication arrives, so moving Date.now forward for the publish makes the publication
// arrive "late". Nothing else of the node reads the clock meanwhile.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { signHs256 } from '../../src/node/auth/index.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { type Client, dataValue, FORMATS, newClient, once, waitUntil } from './sdk.ts';

const SECRET = 'position-lag-secret';
const nodes: TestNode[] = [];
const clients: Client[] = [];
after(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all(nodes.map((n) => n.close()));
});

async function start(maxLag: string): Promise<TestNode> {
  const node = await startTestNode({
    client: { token: { hmac_secret_key: SECRET }, channel_position_max_time_lag: maxLag },
    channel: {
      namespaces: [
        {
          name: 'pos',
          history_size: 10,
          history_ttl: '60s',
          allow_subscribe_for_client: true,
          allow_positioning: true,
          allow_recovery: true,
        },
      ],
    },
  });
  nodes.push(node);
  return node;
}

/** Publishes while this process's clock reads a minute ahead, until `done` settles. */
async function publishLate(node: TestNode, channel: string, done: () => Promise<unknown>) {
  const realNow = Date.now;
  Date.now = () => realNow() + 60_000;
  try {
    const res = await node.api('publish', { channel, data: { n: 1 } });
    assert.equal(res.status, 200);
    await done();
  } finally {
    Date.now = realNow;
  }
}

describe('client.channel_position_max_time_lag', () => {
  for (const format of FORMATS) {
    it(`resubscribes a positioned subscription on a late publication, then recovers it (${format})`, async () => {
      const node = await start('5s');
      const c = newClient(node, format, { token: await signHs256({ sub: 'lag' }, SECRET) });
      clients.push(c);
      const channel = `pos:${randomBytes(3).toString('hex')}`;
      const sub = c.newSubscription(channel, { positioned: true, recoverable: true });
      const pubs: unknown[] = [];
      const resubscribes: number[] = [];
      sub.on('publication', (ctx) => pubs.push(dataValue(format, ctx.data)));
      sub.on('subscribing', (ctx) => resubscribes.push(ctx.code));
      const subscribed = once(sub, 'subscribed');
      sub.subscribe();
      c.connect();
      await subscribed;
      resubscribes.length = 0;
      await publishLate(node, channel, () =>
        waitUntil(() => resubscribes.length > 0, 'the resubscribe'),
      );
      assert.deepEqual(resubscribes, [2500]);
      await waitUntil(() => pubs.length > 0 && sub.state === 'subscribed', 'the recovery');
      assert.deepEqual(pubs, [{ n: 1 }]);
      c.disconnect();
    });
  }

  it('delivers the same publication live without a limit', async () => {
    const node = await start('0s');
    const c = newClient(node, 'json', { token: await signHs256({ sub: 'lag' }, SECRET) });
    clients.push(c);
    const channel = `pos:${randomBytes(3).toString('hex')}`;
    const sub = c.newSubscription(channel, { positioned: true, recoverable: true });
    const pubs: unknown[] = [];
    const resubscribes: number[] = [];
    sub.on('publication', (ctx) => pubs.push(ctx.data));
    sub.on('subscribing', (ctx) => resubscribes.push(ctx.code));
    const subscribed = once(sub, 'subscribed');
    sub.subscribe();
    c.connect();
    await subscribed;
    resubscribes.length = 0;
    await publishLate(node, channel, () => waitUntil(() => pubs.length > 0, 'the publication'));
    assert.deepEqual(pubs, [{ n: 1 }]);
    assert.deepEqual(resubscribes, []);
    c.disconnect();
  });
});
