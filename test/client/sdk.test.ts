// The official centrifuge SDK, JSON and Protobuf, against a real node over real
// WebSockets: connect, subscribe, publish, history, presence, join/leave, recovery,
// server-side subscriptions and the server API acting on live connections.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signHs256 } from '../../src/node/auth/index.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { type Client, dataValue, FORMATS, newClient, once, payload, waitUntil } from './sdk.ts';

const SECRET = 'sdk-test-secret';
const now = () => Math.floor(Date.now() / 1000);
const token = (claims: Record<string, unknown>) =>
  signHs256({ exp: now() + 3600, ...claims }, SECRET);

const CONFIG = {
  client: { token: { hmac_secret_key: SECRET }, expired_close_delay: '1s' },
  channel: {
    namespaces: [
      {
        name: 'chat',
        allow_subscribe_for_client: true,
        allow_publish_for_subscriber: true,
        allow_presence_for_subscriber: true,
        allow_history_for_subscriber: true,
        presence: true,
        join_leave: true,
        history_size: 100,
        history_ttl: '300s',
        force_recovery: true,
      },
      { name: 'news', history_size: 10, history_ttl: '300s', force_recovery: true },
      {
        name: 'short',
        allow_subscribe_for_client: true,
        allow_history_for_subscriber: true,
        history_size: 2,
        history_ttl: '300s',
        force_recovery: true,
      },
      {
        name: 'srv',
        presence: true,
        allow_publish_for_subscriber: true,
        history_size: 10,
        history_ttl: '300s',
      },
    ],
  },
};

let node: TestNode;
const clients: Client[] = [];
before(async () => {
  node = await startTestNode(CONFIG);
});
after(async () => {
  for (const c of clients) c.disconnect();
  await node?.close();
});

function track(c: Client): Client {
  clients.push(c);
  return c;
}

for (const format of FORMATS) {
  describe(`centrifuge SDK over ${format}`, () => {
    const channel = (name: string) => `chat:${format}_${name}`;

    it('connects with a token, subscribes, and receives API and client publications', async () => {
      const c = track(newClient(node, format, { token: await token({ sub: 'alice' }) }));
      c.connect();
      await c.ready(3000);
      const sub = c.newSubscription(channel('pub'));
      const got: unknown[] = [];
      sub.on('publication', (ctx) => got.push(dataValue(format, ctx.data)));
      sub.subscribe();
      await sub.ready(3000);
      const api = await node.api('publish', { channel: channel('pub'), data: { from: 'api' } });
      assert.equal(api.json.result.offset, 1);
      await sub.publish(payload(format, { from: 'client' }));
      await waitUntil(() => got.length === 2, 'two publications');
      assert.deepEqual(got, [{ from: 'api' }, { from: 'client' }]);
      const history = await sub.history({ limit: 10 });
      assert.deepEqual(
        history.publications.map((p) => dataValue(format, p.data)),
        [{ from: 'api' }, { from: 'client' }],
      );
      assert.equal(history.publications[1]?.info?.user, 'alice');
      const stats = await sub.presenceStats();
      assert.deepEqual(stats, { numClients: 1, numUsers: 1 });
      const presence = await sub.presence();
      assert.deepEqual(
        Object.values(presence.clients).map((i) => i.user),
        ['alice'],
      );
      c.disconnect();
    });

    it('refuses a connection without credentials with 3501', async () => {
      const c = track(newClient(node, format));
      const disconnected = once<{ code: number }>(c, 'disconnected');
      c.connect();
      assert.equal((await disconnected).code, 3501);
    });

    it('refreshes a token before the connection expires', async () => {
      let refreshed = 0;
      const c = track(
        newClient(node, format, {
          token: await signHs256({ sub: 'bob', exp: now() + 2 }, SECRET),
          getToken: async () => {
            refreshed += 1;
            return signHs256({ sub: 'bob', exp: now() + 3600 }, SECRET);
          },
        }),
      );
      let lastDisconnect: number | undefined;
      c.on('disconnected', (ctx) => {
        lastDisconnect = ctx.code;
      });
      c.connect();
      await c.ready(3000);
      await waitUntil(() => refreshed > 0, 'a token refresh', 6000);
      // Past the old expiry plus expired_close_delay: a missed refresh would close 3005 now.
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(c.state, 'connected');
      assert.equal(lastDisconnect, undefined);
      c.disconnect();
    });

    it('needs a subscription token for a private channel', async () => {
      const c = track(newClient(node, format, { token: await token({ sub: 'carol' }) }));
      c.connect();
      await c.ready(3000);
      const priv = `$${channel('private')}`;
      const denied = c.newSubscription(priv);
      const refused = once<{ code: number }>(denied, 'unsubscribed');
      denied.subscribe();
      assert.equal((await refused).code, 103);
      c.removeSubscription(denied);
      const allowed = c.newSubscription(priv, {
        getToken: () => signHs256({ sub: 'carol', channel: priv, exp: now() + 600 }, SECRET),
      });
      allowed.subscribe();
      await allowed.ready(3000);
      c.disconnect();
    });

    it('tells others about joins and leaves', async () => {
      const watcher = track(newClient(node, format, { token: await token({ sub: 'watcher' }) }));
      watcher.connect();
      const sub = watcher.newSubscription(channel('jl'), { joinLeave: true });
      const joins: string[] = [];
      const leaves: string[] = [];
      sub.on('join', (ctx) => joins.push(ctx.info.user));
      sub.on('leave', (ctx) => leaves.push(ctx.info.user));
      sub.subscribe();
      await sub.ready(3000);
      const other = track(newClient(node, format, { token: await token({ sub: 'dave' }) }));
      other.connect();
      const otherSub = other.newSubscription(channel('jl'));
      otherSub.subscribe();
      await otherSub.ready(3000);
      await waitUntil(() => joins.includes('dave'), 'dave joins');
      const during = await node.api('presence_stats', { channel: channel('jl') });
      assert.deepEqual(during.json.result, { num_clients: 2, num_users: 2 });
      other.disconnect();
      await waitUntil(() => leaves.includes('dave'), 'dave leaves');
      const afterLeave = await node.api('presence_stats', { channel: channel('jl') });
      assert.deepEqual(afterLeave.json.result, { num_clients: 1, num_users: 1 }, 'presence gone');
      watcher.disconnect();
    });

    it('recovers what it missed while disconnected: recovered, no gap, no duplicate', async () => {
      const ch = channel('recovery');
      const c = track(newClient(node, format, { token: await token({ sub: 'erin' }) }));
      c.connect();
      const sub = c.newSubscription(ch);
      const got: number[] = [];
      const subscribed: Array<{ recovered: boolean; wasRecovering: boolean }> = [];
      sub.on('publication', (ctx) => got.push((dataValue(format, ctx.data) as { n: number }).n));
      sub.on('subscribed', (ctx) => subscribed.push(ctx));
      sub.subscribe();
      await sub.ready(3000);
      for (let n = 1; n <= 3; n++) await node.api('publish', { channel: ch, data: { n } });
      await waitUntil(() => got.length === 3, 'first three');
      // Drop the connection from the server side (reconnect advised), then publish meanwhile.
      const reconnecting = once(c, 'connecting');
      await node.api('disconnect', { user: 'erin', disconnect: { code: 3011, reason: 'test' } });
      await reconnecting;
      for (let n = 4; n <= 6; n++) await node.api('publish', { channel: ch, data: { n } });
      await waitUntil(() => subscribed.length === 2, 'resubscribed');
      await waitUntil(() => got.length >= 6, 'missed publications');
      await node.api('publish', { channel: ch, data: { n: 7 } });
      await waitUntil(() => got.length >= 7, 'live publication after recovery');
      assert.deepEqual(got, [1, 2, 3, 4, 5, 6, 7]);
      assert.equal(subscribed[1]?.wasRecovering, true);
      assert.equal(subscribed[1]?.recovered, true);
      c.disconnect();
    });

    it('follows server-side subscriptions from the token and the API', async () => {
      const user = `frank_${format}`;
      const c = track(
        newClient(node, format, { token: await token({ sub: user, channels: ['news:a'] }) }),
      );
      const serverSubs: string[] = [];
      const unsubscribed: string[] = [];
      const pubs: string[] = [];
      c.on('subscribed', (ctx) => serverSubs.push(ctx.channel));
      c.on('unsubscribed', (ctx) => unsubscribed.push(ctx.channel));
      c.on('publication', (ctx) => pubs.push(ctx.channel));
      c.connect();
      await c.ready(3000);
      await waitUntil(() => serverSubs.includes('news:a'), 'token channel');
      await node.api('subscribe', { user, channel: 'news:b' });
      await waitUntil(() => serverSubs.includes('news:b'), 'API subscribe');
      await node.api('publish', { channel: 'news:b', data: { x: 1 } });
      await waitUntil(() => pubs.includes('news:b'), 'publication on server-side sub');
      await node.api('unsubscribe', { user, channel: 'news:a' });
      await waitUntil(() => unsubscribed.includes('news:a'), 'API unsubscribe');
      const refreshed = await node.api('refresh', { user, expire_at: now() + 600 });
      assert.deepEqual(refreshed.json, { result: {} });
      const disconnected = once<{ code: number; reason: string }>(c, 'disconnected');
      await node.api('disconnect', { user });
      assert.equal((await disconnected).code, 3503);
    });

    it('gets data and channel info from an API subscribe, then its publications', async () => {
      // Centrifugo pushes {"subscribe":{"data":...}}; the connection then receives the
      // channel's publications, and `info` is its chan_info in presence, publications and
      // history.
      const user = `ivy_${format}`;
      const ch = `srv:${format}`;
      const c = track(newClient(node, format, { token: await token({ sub: user }) }));
      const subscribed = once<{ channel: string; data?: unknown }>(c, 'subscribed');
      const pubs: Array<{ data: unknown; chanInfo: unknown }> = [];
      c.on('publication', (ctx) =>
        pubs.push({ data: dataValue(format, ctx.data), chanInfo: ctx.info?.chanInfo }),
      );
      c.connect();
      await c.ready(3000);
      const data = Buffer.from(JSON.stringify({ welcome: format })).toString('base64');
      await node.api('subscribe', { user, channel: ch, b64data: data, info: { seat: 7 } });
      const ctx = await subscribed;
      assert.equal(ctx.channel, ch);
      assert.deepEqual(dataValue(format, ctx.data), { welcome: format });
      await node.api('publish', { channel: ch, data: { from: 'api' } });
      await c.publish(ch, payload(format, { from: 'client' }));
      await waitUntil(() => pubs.length === 2, 'two publications on the API subscription');
      const seat = (info: unknown) => (format === 'json' ? info : dataValue(format, info));
      assert.deepEqual(pubs[0], { data: { from: 'api' }, chanInfo: undefined });
      assert.deepEqual(pubs[1]?.data, { from: 'client' });
      assert.deepEqual(seat(pubs[1]?.chanInfo), { seat: 7 });
      const presence = await node.api('presence', { channel: ch });
      assert.deepEqual(
        Object.values(presence.json.result.presence).map(
          (p) => (p as { chan_info: unknown }).chan_info,
        ),
        [{ seat: 7 }],
      );
      const history = await node.api('history', { channel: ch, limit: 10 });
      assert.deepEqual(history.json.result.publications[1].info.chan_info, { seat: 7 });
      c.disconnect();
    });

    it('calls getState again when recovery fails (subscribe flag 2 answered 112)', async () => {
      const ch = `short:${format}_state`;
      const user = `jack_${format}`;
      let states = 0;
      const c = track(newClient(node, format, { token: await token({ sub: user }) }));
      const sub = c.newSubscription(ch, {
        getState: async () => {
          states += 1;
          const top = (await node.api('history', { channel: ch, limit: 0 })).json.result;
          return { offset: top.offset, epoch: top.epoch };
        },
      });
      const got: number[] = [];
      sub.on('publication', (ctx) => got.push((dataValue(format, ctx.data) as { n: number }).n));
      sub.subscribe();
      c.connect();
      await sub.ready(3000);
      assert.equal(states, 1);
      await node.api('publish', { channel: ch, data: { n: 1 } });
      await waitUntil(() => got.length === 1, 'the first publication');
      // Away on the client's own decision: an SDK reconnecting by itself could be back before
      // the publishes below, and recover.
      c.disconnect();
      // Four more while away: history keeps two, so offset 2 is lost.
      for (let n = 2; n <= 5; n++) await node.api('publish', { channel: ch, data: { n } });
      c.connect();
      await waitUntil(() => states === 2 && sub.state === 'subscribed', 'getState again', 6000);
      await node.api('publish', { channel: ch, data: { n: 6 } });
      await waitUntil(() => got.includes(6), 'a live publication after the new state');
      c.disconnect();
    });
  });
}

describe('anonymous connections', () => {
  let anon: TestNode;
  before(async () => {
    anon = await startTestNode({
      client: { allow_anonymous_connect_without_token: true },
      channel: {
        without_namespace: {
          allow_subscribe_for_client: true,
          allow_subscribe_for_anonymous: true,
        },
      },
    });
  });
  after(async () => {
    await anon?.close();
  });

  for (const format of FORMATS) {
    it(`connects without a token and subscribes where anonymous is allowed (${format})`, async () => {
      const c = track(newClient(anon, format));
      c.connect();
      await c.ready(3000);
      const sub = c.newSubscription('lobby');
      const got = once<{ data: unknown }>(sub, 'publication');
      sub.subscribe();
      await sub.ready(3000);
      await anon.api('publish', { channel: 'lobby', data: { hi: format } });
      assert.deepEqual(dataValue(format, (await got).data), { hi: format });
      c.disconnect();
    });
  }
});

describe('subscription token refresh and token subs', () => {
  let subNode: TestNode;
  before(async () => {
    subNode = await startTestNode({
      client: { token: { hmac_secret_key: SECRET }, expired_sub_close_delay: '1s' },
      channel: {
        namespaces: [{ name: 'vip', presence: true, history_size: 10, history_ttl: '60s' }],
      },
    });
  });
  after(async () => {
    await subNode?.close();
  });

  for (const format of FORMATS) {
    it(`refreshes an expiring subscription token through sub_refresh (${format})`, async () => {
      let issued = 0;
      const c = track(newClient(subNode, format, { token: await token({ sub: 'gina' }) }));
      c.connect();
      await c.ready(3000);
      const channel = `vip:${format}`;
      const sub = c.newSubscription(channel, {
        getToken: async () => {
          issued += 1;
          // The first token lives 2 s, so the SDK must come back for another one.
          const exp = now() + (issued === 1 ? 2 : 3600);
          return signHs256({ sub: 'gina', channel, exp }, SECRET);
        },
      });
      const unsubscribed: number[] = [];
      sub.on('unsubscribed', (ctx) => unsubscribed.push(ctx.code));
      sub.subscribe();
      await sub.ready(3000);
      await waitUntil(() => issued >= 2, 'a refreshed subscription token', 6000);
      // Past the first token's expiry plus expired_sub_close_delay: still subscribed.
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(sub.state, 'subscribed');
      assert.deepEqual(unsubscribed, []);
      c.disconnect();
    });
  }

  it('subscribes server-side to the channels of a token `subs` claim, with their info', async () => {
    const c = track(
      newClient(subNode, 'json', {
        token: await token({ sub: 'hank', subs: { 'vip:lounge': { info: { seat: 7 } } } }),
      }),
    );
    const subscribed = once<{ channel: string }>(c, 'subscribed');
    c.connect();
    assert.equal((await subscribed).channel, 'vip:lounge');
    const presence = await subNode.api('presence', { channel: 'vip:lounge' });
    const entries = Object.values(presence.json.result.presence) as Array<{
      user: string;
      chan_info: unknown;
    }>;
    assert.deepEqual(
      entries.map((e) => [e.user, e.chan_info]),
      [['hank', { seat: 7 }]],
    );
    c.disconnect();
  });
});

describe('client.insecure', () => {
  let open: TestNode;
  before(async () => {
    open = await startTestNode({ client: { insecure: true } });
  });
  after(async () => {
    await open?.close();
  });

  it('connects without a token and allows subscribe, publish and history everywhere', async () => {
    const c = track(newClient(open, 'json'));
    c.connect();
    await c.ready(3000);
    const sub = c.newSubscription('anything');
    const got = once<{ data: unknown }>(sub, 'publication');
    sub.subscribe();
    await sub.ready(3000);
    await sub.publish({ free: true });
    assert.deepEqual((await got).data, { free: true });
    c.disconnect();
  });
});
