// Several nodes on one NATS: delivery, history, recovery, presence, info, channels and the
// server API's connection commands across nodes, with the official SDK as the client.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { signHs256 } from '../../src/node/auth/index.ts';
import { type Client, dataValue, FORMATS, newClient, once, waitUntil } from '../client/sdk.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { type NatsServer, startNatsServer } from './harness.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

const SECRET = 'cluster-secret';
const token = (sub: string, extra: Record<string, unknown> = {}) =>
  signHs256({ sub, exp: Math.floor(Date.now() / 1000) + 600, ...extra }, SECRET);

function nodeConfig(natsUrl: string, prefix: string) {
  return {
    engine: {
      type: 'nats',
      nats: { urls: [natsUrl], prefix, node_info_interval: '200ms', node_info_ttl: '1s' },
    },
    client: { token: { hmac_secret_key: SECRET } },
    channel: {
      namespaces: [
        {
          name: 'room',
          allow_subscribe_for_client: true,
          allow_publish_for_subscriber: true,
          allow_presence_for_subscriber: true,
          presence: true,
          join_leave: true,
          force_push_join_leave: true,
          history_size: 100,
          history_ttl: '300s',
          force_recovery: true,
        },
      ],
    },
  };
}

describe('a cluster of nodes on one NATS', () => {
  let nats: NatsServer;
  let a: TestNode;
  let b: TestNode;
  const clients: Client[] = [];
  const track = (c: Client) => {
    clients.push(c);
    return c;
  };

  before(async () => {
    nats = await startNatsServer();
    const prefix = `c${randomBytes(3).toString('hex')}`;
    a = await startTestNode(nodeConfig(nats.url, prefix));
    b = await startTestNode(nodeConfig(nats.url, prefix));
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await a?.close();
    await b?.close();
    await nats?.stop();
  });

  for (const format of FORMATS) {
    it(`delivers a publication made on one node to subscribers on the other, once, in order (${format})`, async () => {
      const channel = `room:order_${format}`;
      const c = track(newClient(b, format, { token: await token('u1') }));
      const got: number[] = [];
      const sub = c.newSubscription(channel);
      sub.on('publication', (ctx) => got.push((dataValue(format, ctx.data) as { n: number }).n));
      c.connect();
      sub.subscribe();
      await sub.ready(5000);
      for (let n = 1; n <= 50; n++) {
        const res = await (n % 2 ? a : b).api('publish', { channel, data: { n } });
        assert.equal(res.json.result.offset, n, 'offsets are gap-free whichever node publishes');
      }
      await waitUntil(() => got.length >= 50, '50 publications');
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(
        got,
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      const history = await a.api('history', { channel, limit: -1 });
      assert.equal(history.json.result.publications.length, 50);
      c.disconnect();
    });
  }

  it('shares presence and join/leave across nodes', async () => {
    const channel = 'room:presence';
    const watcher = track(newClient(a, 'json', { token: await token('watcher') }));
    const joins: string[] = [];
    const sub = watcher.newSubscription(channel);
    sub.on('join', (ctx) => joins.push(ctx.info.user));
    watcher.connect();
    sub.subscribe();
    await sub.ready(5000);
    const other = track(newClient(b, 'json', { token: await token('visitor') }));
    const otherSub = other.newSubscription(channel);
    other.connect();
    otherSub.subscribe();
    await otherSub.ready(5000);
    await waitUntil(() => joins.includes('visitor'), 'join from the other node');
    const stats = await a.api('presence_stats', { channel });
    assert.deepEqual(stats.json.result, { num_clients: 2, num_users: 2 });
    const presence = await b.api('presence', { channel });
    const users = Object.values(presence.json.result.presence).map(
      (p) => (p as { user: string }).user,
    );
    assert.deepEqual(users.sort(), ['visitor', 'watcher']);
    other.disconnect();
    const deadline = Date.now() + 5000;
    for (;;) {
      const after = await a.api('presence_stats', { channel });
      if (after.json.result.num_clients === 1) break;
      assert.ok(Date.now() < deadline, 'presence of the disconnected client is gone');
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it('lists every live node in info and gathers channels from all of them', async () => {
    const deadline = Date.now() + 5000;
    let nodes: Array<{ uid: string }> = [];
    while (nodes.length < 2) {
      nodes = (await a.api('info', {})).json.result.nodes;
      assert.ok(Date.now() < deadline, `info lists ${nodes.length} nodes`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const c = track(newClient(b, 'json', { token: await token('chan-user') }));
    const sub = c.newSubscription('room:listed');
    c.connect();
    sub.subscribe();
    await sub.ready(5000);
    const channels = await a.api('channels', {});
    assert.equal(channels.json.result.channels['room:listed']?.num_clients, 1);
    c.disconnect();
  });

  it('acts on a user connected to another node: subscribe, unsubscribe, disconnect', async () => {
    const c = track(newClient(b, 'json', { token: await token('remote') }));
    const subscribed: string[] = [];
    const unsubscribed: string[] = [];
    c.on('subscribed', (ctx) => subscribed.push(ctx.channel));
    c.on('unsubscribed', (ctx) => unsubscribed.push(ctx.channel));
    c.connect();
    await c.ready(5000);
    await a.api('subscribe', { user: 'remote', channel: 'room:server' });
    await waitUntil(() => subscribed.includes('room:server'), 'server-side subscribe via node A');
    await a.api('unsubscribe', { user: 'remote', channel: 'room:server' });
    await waitUntil(() => unsubscribed.includes('room:server'), 'unsubscribe via node A');
    const disconnected = once<{ code: number }>(c, 'disconnected');
    await a.api('disconnect', { user: 'remote' });
    assert.equal((await disconnected).code, 3503);
  });
});

describe('a node dies', () => {
  let nats: NatsServer;
  let a: TestNode;
  let b: TestNode;
  let proxy: TcpProxy;
  let aAlive = true;
  let client: Client | undefined;

  before(async () => {
    nats = await startNatsServer();
    const prefix = `d${randomBytes(3).toString('hex')}`;
    a = await startTestNode(nodeConfig(nats.url, prefix));
    b = await startTestNode(nodeConfig(nats.url, prefix));
    const port = (n: TestNode) => Number(new URL(n.url).port);
    proxy = await startTcpProxy(() => (aAlive ? [port(a), port(b)] : [port(b)]));
  });
  after(async () => {
    client?.disconnect();
    await proxy?.close();
    await a?.close();
    await b?.close();
    await nats?.stop();
  });

  it('lets its SDK clients reconnect to another node and recover without a gap', async () => {
    const channel = 'room:failover';
    client = newClient({ url: proxy.url } as TestNode, 'json', { token: await token('survivor') });
    const got: number[] = [];
    const subscribed: Array<{ recovered: boolean; wasRecovering: boolean }> = [];
    const sub = client.newSubscription(channel);
    sub.on('publication', (ctx) => got.push((ctx.data as { n: number }).n));
    sub.on('subscribed', (ctx) => subscribed.push(ctx));
    client.connect();
    sub.subscribe();
    await sub.ready(5000);
    for (let n = 1; n <= 5; n++) await b.api('publish', { channel, data: { n } });
    await waitUntil(() => got.length === 5, 'first five');
    // Node A goes away with its clients; publications keep coming through node B.
    aAlive = false;
    const closing = a.close();
    for (let n = 6; n <= 10; n++) await b.api('publish', { channel, data: { n } });
    await closing;
    await waitUntil(() => subscribed.length >= 2, 'resubscribed through node B', 10_000);
    for (let n = 11; n <= 12; n++) await b.api('publish', { channel, data: { n } });
    await waitUntil(() => got.length >= 12, 'all twelve', 10_000);
    assert.deepEqual(
      got,
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    assert.equal(subscribed[1]?.recovered, true);
  });
});
