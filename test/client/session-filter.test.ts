// The server API's `session` filter (disconnect, unsubscribe, refresh). As in Centrifugo
// (centrifuge client.go: a session ID exists only for unidirectional and emulated
// transports, and ConnectResult.session carries it), a WebSocket connection has no session:
// a command naming a session never reaches it, one naming its client does (checked with
// the official SDK against Centrifugo v6.9.1: a WebSocket client stayed connected after
// `disconnect {session: "nope"}`; an http_stream client got a session and was disconnected
// by a `disconnect` naming it). A transport with sessions gets one and is reached by it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signHs256, TokenVerifier, tokenKeysOf } from '../../src/node/auth/index.ts';
import {
  type ClientContext,
  ClientSession,
  clientTimings,
  Outbox,
} from '../../src/node/client/index.ts';
import { validateConfig } from '../../src/node/config/index.ts';
import { createLogger } from '../../src/node/observability/index.ts';
import { ProxySet } from '../../src/node/proxy/index.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { type Client, newClient, once, waitUntil } from './sdk.ts';

const SECRET = 'session-filter-secret';
const token = (sub: string) =>
  signHs256({ sub, exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET);
const CONFIG = {
  client: { token: { hmac_secret_key: SECRET } },
  channel: { without_namespace: { allow_subscribe_for_client: true } },
};

let node: TestNode;
before(async () => {
  node = await startTestNode(CONFIG);
});
after(() => node?.close());

describe('a WebSocket connection (no session), with the official SDK', () => {
  let c: Client;
  after(() => c?.disconnect());

  it('is not reached by commands naming a session, and is by its client ID', async () => {
    c = newClient(node, 'json', { token: await token('wsuser') });
    const connected = once<{ client: string }>(c, 'connected');
    c.connect();
    const { client } = await connected;
    const sub = c.newSubscription('room');
    const subscribed = once(sub, 'subscribed');
    sub.subscribe();
    await subscribed;
    const events: string[] = [];
    c.on('disconnected', (e) => events.push(`disconnected ${e.code}`));
    sub.on('unsubscribed', (e) => events.push(`unsubscribed ${e.code}`));
    for (const [method, body] of [
      ['unsubscribe', { user: 'wsuser', channel: 'room', session: 'nope' }],
      ['refresh', { user: 'wsuser', session: 'nope', expired: true }],
      ['disconnect', { user: 'wsuser', session: 'nope' }],
    ] as const) {
      assert.deepEqual((await node.api(method, body)).json, { result: {} }, method);
    }
    // A command reaching the connection acts within a turn or two on this node; 300 ms of
    // quiet after the answers shows none of the three did.
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(events, []);
    assert.equal(c.state, 'connected');
    const disconnected = once<{ code: number }>(c, 'disconnected');
    await node.api('disconnect', {
      user: 'wsuser',
      client,
      disconnect: { code: 4501, reason: 't' },
    });
    assert.equal((await disconnected).code, 4501);
  });
});

describe('a connection whose transport has sessions', () => {
  /** A ClientSession on the running node, over a transport that records what it gets. */
  function sessionConnection() {
    const config = validateConfig({ ...CONFIG, log: { level: 'none' } });
    const ctx: ClientContext = {
      config,
      node: node.running.node,
      rules: node.running.node.rules,
      outbox: new Outbox(node.running.metrics),
      proxies: ProxySet.none({ metrics: node.running.metrics, logger: createLogger(config.log) }),
      connectTokens: new TokenVerifier(tokenKeysOf(config.client.token), {}),
      subscribeTokens: new TokenVerifier(tokenKeysOf(config.client.token), {}),
      logger: createLogger(config.log),
      metrics: node.running.metrics,
      version: 'test',
      timings: clientTimings(config.client),
    };
    const lines: Array<Record<string, unknown>> = [];
    const closed: Array<{ code: number; reason: string }> = [];
    const session = new ClientSession(ctx, {
      name: 'websocket',
      format: 'json',
      sessions: true,
      write: (frame) => {
        for (const line of String(frame).split('\n')) lines.push(JSON.parse(line));
      },
      bufferedAmount: () => 0,
      close: (code, reason) => closed.push({ code, reason }),
    });
    return { session, lines, closed, outbox: ctx.outbox };
  }

  async function connect(user: string) {
    const conn = sessionConnection();
    conn.session.onFrame(JSON.stringify({ id: 1, connect: { token: await token(user) } }));
    await waitUntil(() => conn.lines.some((l) => l.id === 1), 'connect reply');
    const reply = conn.lines.find((l) => l.id === 1) as { connect: { session: string } };
    conn.session.onFrame(JSON.stringify({ id: 2, subscribe: { channel: 'room' } }));
    await waitUntil(() => conn.lines.some((l) => l.id === 2), 'subscribe reply');
    return { ...conn, id: reply.connect.session };
  }

  it('gets a session ID in ConnectResult, and commands naming it reach it alone', async () => {
    const a = await connect('suser');
    const b = await connect('suser');
    try {
      assert.match(a.id, /^[0-9a-f-]{36}$/);
      assert.notEqual(a.id, b.id);
      assert.equal(a.id, a.session.sessionId);
      await node.api('unsubscribe', { user: 'suser', channel: 'room', session: a.id });
      await waitUntil(
        () => a.lines.some((l) => (l.push as { unsubscribe?: unknown })?.unsubscribe),
        'unsubscribe push',
      );
      await node.api('refresh', { user: 'suser', session: a.id, expire_at: 0 });
      await waitUntil(
        () => a.lines.some((l) => (l.push as { refresh?: unknown })?.refresh),
        'refresh push',
      );
      await node.api('disconnect', {
        user: 'suser',
        session: a.id,
        disconnect: { code: 4502, reason: 'by session' },
      });
      await waitUntil(() => a.closed.length > 0, 'disconnect by session');
      assert.deepEqual(a.closed, [{ code: 4502, reason: 'by session' }]);
      // The other connection of the same user saw none of it.
      assert.ok(!b.lines.some((l) => l.push !== undefined), JSON.stringify(b.lines));
      assert.deepEqual(b.closed, []);
    } finally {
      for (const c of [a, b]) {
        c.session.onTransportClosed();
        c.outbox.close();
      }
    }
  });
});
