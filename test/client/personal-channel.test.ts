// client.subscribe_to_user_personal_channel and client.user_id_http_header through the
// official SDK, JSON and Protobuf: the server-side subscription to `#<user>` with its join
// push (what centrifuge-python's own test_server_side_subs expects), single_connection on
// one node and across two nodes on NATS, and the user of an HTTP header, which gets no
// personal channel (as on Centrifugo v6.9.1: test/compat/cases/features.ts, user-id-header).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it, type TestContext } from 'node:test';
import WebSocket from 'ws';
import { signHs256 } from '../../src/node/auth/index.ts';
import { validateConfig } from '../../src/node/config/index.ts';
import { findNatsServer, type NatsServer, startNatsServer } from '../nats/harness.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';
import {
  type Client,
  dataValue,
  FORMATS,
  newClient,
  once,
  payload,
  type WireFormat,
  waitUntil,
} from './sdk.ts';

const SECRET = 'personal-channel-secret';
const token = (sub: string) => signHs256({ sub, exp: Math.floor(Date.now() / 1000) + 600 }, SECRET);

/** The SDK's WebSocket with extra request headers (the browser one cannot set any). */
const socketWithHeaders = (headers: Record<string, string>) =>
  class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  };

const clients: Client[] = [];
const track = (c: Client) => {
  clients.push(c);
  return c;
};
after(() => {
  for (const c of clients) c.disconnect();
});

describe('personal channel without a namespace', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode({
      client: {
        token: { hmac_secret_key: SECRET },
        subscribe_to_user_personal_channel: { enabled: true },
      },
      channel: {
        without_namespace: {
          presence: true,
          join_leave: true,
          force_push_join_leave: true,
          allow_publish_for_subscriber: true,
        },
      },
    });
  });
  after(() => node?.close());

  for (const format of FORMATS) {
    it(`subscribes #<user> on connect, with its join, and takes its publications (${format})`, async () => {
      const c = track(newClient(node, format, { token: await token('42') }));
      const subscribed = once<{ channel: string }>(c, 'subscribed');
      const joined = once<{ channel: string; info: { user: string; client: string } }>(c, 'join');
      const pubs: unknown[] = [];
      c.on('publication', (ctx) => pubs.push([ctx.channel, dataValue(format, ctx.data)]));
      c.connect();
      assert.equal((await subscribed).channel, '#42');
      const join = await joined;
      assert.equal(join.channel, '#42');
      assert.equal(join.info.user, '42');
      assert.ok(join.info.client, 'the join names the client');
      await c.publish('#42', payload(format, { input: 'test' }));
      await waitUntil(() => pubs.length === 1, 'the publication on #42');
      assert.deepEqual(pubs, [['#42', { input: 'test' }]]);
      const stats = await node.api('presence_stats', { channel: '#42' });
      assert.deepEqual(stats.json.result, { num_clients: 1, num_users: 1 });
      c.disconnect();
    });
  }

  it('subscribes no anonymous connection', async () => {
    const anon = await startTestNode({
      client: {
        allow_anonymous_connect_without_token: true,
        subscribe_to_user_personal_channel: { enabled: true },
      },
      channel: { without_namespace: { presence: true } },
    });
    try {
      const c = track(newClient(anon, 'json'));
      const subs: string[] = [];
      c.on('subscribed', (ctx) => subs.push(ctx.channel));
      const connected = once<{ client: string }>(c, 'connected');
      c.connect();
      await connected;
      assert.deepEqual(subs, []);
      c.disconnect();
    } finally {
      await anon.close();
    }
  });
});

function singleConnectionConfig(engine?: Record<string, unknown>) {
  return {
    ...(engine ? { engine } : {}),
    client: {
      token: { hmac_secret_key: SECRET },
      subscribe_to_user_personal_channel: {
        enabled: true,
        personal_channel_namespace: 'me',
        single_connection: true,
      },
    },
    channel: { namespaces: [{ name: 'me', presence: true }] },
  };
}

/** Connects `user` to `node` and waits for its personal subscription. */
async function connectUser(node: TestNode, format: WireFormat, user: string) {
  const c = track(newClient(node, format, { token: await token(user) }));
  const subscribed = once<{ channel: string }>(c, 'subscribed');
  c.connect();
  assert.equal((await subscribed).channel, `me:#${user}`);
  return c;
}

/** The old connection is told 3504 and stays down; the new one is the user's only one. */
async function assertReplaced(first: Client, second: () => Promise<Client>) {
  const closed = once<{ code: number; reason: string }>(first, 'disconnected');
  const c2 = await second();
  const ctx = await closed;
  assert.equal(ctx.code, 3504);
  assert.equal(ctx.reason, 'connection limit');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(first.state, 'disconnected', 'a 3504 is not reconnected');
  assert.equal(c2.state, 'connected');
  return c2;
}

describe('single_connection', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode(singleConnectionConfig());
  });
  after(() => node?.close());

  for (const format of FORMATS) {
    it(`closes the user's older connection with 3504 (${format})`, async () => {
      const user = `sc-${format}`;
      const first = await connectUser(node, format, user);
      const second = await assertReplaced(first, () => connectUser(node, format, user));
      const presence = await node.api('presence', { channel: `me:#${user}` });
      const entries = Object.values(presence.json.result.presence) as Array<{ client: string }>;
      assert.equal(entries.length, 1);
      second.disconnect();
    });
  }

  it("leaves other users' connections alone", async () => {
    const a = await connectUser(node, 'json', 'sc-a');
    const b = await connectUser(node, 'json', 'sc-b');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(a.state, 'connected');
    assert.equal(b.state, 'connected');
    a.disconnect();
    b.disconnect();
  });

  it('refuses a personal namespace without presence at startup, as Centrifugo', () => {
    const config = singleConnectionConfig();
    config.channel.namespaces = [{ name: 'me', presence: false }];
    assert.throws(
      () => validateConfig(config),
      /presence must be enabled for namespace me to maintain single connection/,
    );
    assert.throws(
      () =>
        validateConfig({
          client: { subscribe_to_user_personal_channel: { single_connection: true } },
        }),
      /presence must be enabled on top level to maintain single connection/,
    );
    assert.throws(
      () =>
        validateConfig({
          client: {
            subscribe_to_user_personal_channel: {
              enabled: true,
              personal_channel_namespace: 'nope',
            },
          },
        }),
      /namespace for user personal channel not found: nope/,
    );
  });
});

describe('single_connection across nodes on NATS', () => {
  let nats: NatsServer | undefined;
  const nodes: TestNode[] = [];
  after(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await nats?.stop();
  });

  it("closes the user's connection on another node with 3504", async (t: TestContext) => {
    if (!findNatsServer(t)) return;
    nats = await startNatsServer();
    const prefix = `p${randomBytes(3).toString('hex')}`;
    const engine = { type: 'nats', nats: { urls: [nats.url], prefix } };
    const a = await startTestNode(singleConnectionConfig(engine));
    nodes.push(a);
    const b = await startTestNode(singleConnectionConfig(engine));
    nodes.push(b);
    const first = await connectUser(a, 'protobuf', 'sc-nats');
    await assertReplaced(first, () => connectUser(b, 'json', 'sc-nats'));
  });
});

describe('client.user_id_http_header', () => {
  const nodes: TestNode[] = [];
  after(() => Promise.all(nodes.map((n) => n.close())));
  const start = async (client: Record<string, unknown>) => {
    const node = await startTestNode({
      client: {
        token: { hmac_secret_key: SECRET },
        user_id_http_header: 'X-User-Id',
        subscribe_to_user_personal_channel: { enabled: true },
        ...client,
      },
      channel: { without_namespace: { presence: true, allow_subscribe_for_client: true } },
    });
    nodes.push(node);
    return node;
  };
  /** Who presence shows in `channel` after the client subscribes to it, and its server subs. */
  const seenAs = async (node: TestNode, format: WireFormat, headers: Record<string, string>) => {
    const c = track(newClient(node, format, { websocket: socketWithHeaders(headers) }));
    const serverSubs: string[] = [];
    c.on('subscribed', (ctx) => serverSubs.push(ctx.channel));
    const channel = `room-${randomBytes(3).toString('hex')}`;
    const sub = c.newSubscription(channel);
    const subscribed = once(sub, 'subscribed');
    sub.subscribe();
    c.connect();
    await subscribed;
    const presence = await node.api('presence', { channel });
    c.disconnect();
    const users = Object.values(presence.json.result.presence).map(
      (p) => (p as { user: string }).user,
    );
    return { users, serverSubs };
  };

  for (const format of FORMATS) {
    it(`connects without a token as the header's user, with no personal channel (${format})`, async () => {
      const node = await start({});
      assert.deepEqual(await seenAs(node, format, { 'X-User-Id': 'hdr-1' }), {
        users: ['hdr-1'],
        serverSubs: [],
      });
    });
  }

  it('needs the header when nothing else lets a client in (3501)', async () => {
    const node = await start({});
    const c = track(newClient(node, 'json', { websocket: socketWithHeaders({}) }));
    const closed = once<{ code: number }>(c, 'disconnected');
    c.connect();
    assert.equal((await closed).code, 3501);
  });

  it('gives way to a token, and to client.insecure (anonymous)', async () => {
    const node = await start({});
    const c = track(
      newClient(node, 'json', {
        token: await token('tok-1'),
        websocket: socketWithHeaders({ 'X-User-Id': 'hdr-2' }),
      }),
    );
    const personal = once<{ channel: string }>(c, 'subscribed');
    c.connect();
    assert.equal((await personal).channel, '#tok-1');
    c.disconnect();
    const insecure = await start({ insecure: true });
    assert.deepEqual((await seenAs(insecure, 'json', { 'X-User-Id': 'hdr-3' })).users, ['']);
  });
});
