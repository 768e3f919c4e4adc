// Per-node, per-user and per-connection limits, origins, and the server API's targeting
// of disconnects, all over real WebSockets.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { signHs256 } from '../../src/node/auth/index.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { RawClient } from './raw.ts';
import { wsUrl } from './sdk.ts';

const SECRET = 'limits-secret';
const token = (sub: string) => signHs256({ sub, exp: Math.floor(Date.now() / 1000) + 600 }, SECRET);

async function connected(node: TestNode, sub: string): Promise<RawClient> {
  const c = await RawClient.open(wsUrl(node));
  c.send(JSON.stringify({ id: 1, connect: { token: await token(sub) } }));
  const reply = await c.reply(1);
  assert.ok(reply.connect, JSON.stringify(reply));
  return c;
}

/** The HTTP status of a refused upgrade (0 when the upgrade succeeded). */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.terminate();
      resolve(0);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? -1));
    ws.once('error', (err) => {
      if (!String(err.message).includes('Unexpected server response')) reject(err);
    });
  });
}

/** The HTTP answer to an upgrade the server refused: status, body, location. */
function upgradeAnswer(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; location?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, followRedirects: false });
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('upgraded'));
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? -1,
          body,
          ...(res.headers.location ? { location: res.headers.location } : {}),
        }),
      );
    });
    ws.once('error', (err) => {
      if (!String(err.message).includes('Unexpected server response')) reject(err);
    });
  });
}

describe('limits', () => {
  let node: TestNode;
  const open: RawClient[] = [];
  before(async () => {
    node = await startTestNode({
      client: {
        token: { hmac_secret_key: SECRET },
        user_connection_limit: 1,
        channel_limit: 2,
        allowed_origins: ['https://*.example.com'],
      },
      channel: {
        without_namespace: { allow_subscribe_for_client: true },
        namespaces: [
          {
            name: 'pos',
            allow_subscribe_for_client: true,
            force_positioning: true,
            history_size: 10,
            history_ttl: '1s',
            history_meta_ttl: '2s',
          },
        ],
      },
    });
  });
  after(async () => {
    for (const c of open) c.terminate();
    await node?.close();
  });

  it('closes 3504 beyond client.user_connection_limit', async () => {
    open.push(await connected(node, 'limited'));
    const second = await RawClient.open(wsUrl(node));
    second.send(JSON.stringify({ id: 1, connect: { token: await token('limited') } }));
    assert.equal(await second.closeCode(), 3504);
  });

  it('answers 105 to a second subscribe and 106 beyond client.channel_limit', async () => {
    const c = await connected(node, 'subscriber');
    open.push(c);
    c.send(JSON.stringify({ id: 2, subscribe: { channel: 'a' } }));
    c.send(JSON.stringify({ id: 3, subscribe: { channel: 'a' } }));
    c.send(JSON.stringify({ id: 4, subscribe: { channel: 'b' } }));
    c.send(JSON.stringify({ id: 5, subscribe: { channel: 'c' } }));
    assert.ok((await c.reply(2)).subscribe);
    assert.deepEqual((await c.reply(3)).error, { code: 105, message: 'already subscribed' });
    assert.ok((await c.reply(4)).subscribe);
    assert.deepEqual((await c.reply(5)).error, { code: 106, message: 'limit exceeded' });
  });

  it('refuses an Origin outside client.allowed_origins before the upgrade', async () => {
    const url = wsUrl(node);
    assert.equal(await upgradeStatus(url, { Origin: 'https://evil.com' }), 403);
    assert.equal(await upgradeStatus(url, { Origin: 'https://app.example.com' }), 0);
    assert.equal(await upgradeStatus(url), 0, 'no Origin header: not a browser, allowed');
  });

  it('targets API disconnects by client and honours the whitelist and custom codes', async () => {
    const a = await connected(node, 'target-a');
    const b = await connected(node, 'target-b');
    open.push(a, b);
    const clientA = (await a.reply(1)).connect as { client: string };
    await node.api('disconnect', { user: 'target-a', whitelist: [clientA.client] });
    await node.api('disconnect', { user: 'target-b', client: 'someone-else' });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(a.ws.readyState, WebSocket.OPEN, 'whitelisted client kept');
    assert.equal(b.ws.readyState, WebSocket.OPEN, 'other client ID not touched');
    await node.api('disconnect', {
      user: 'target-b',
      disconnect: { code: 4001, reason: 'custom' },
    });
    const closed = await b.closed;
    assert.deepEqual(closed, { code: 4001, reason: 'custom' });
  });

  it('unsubscribes a positioned subscription with 2500 when the stream epoch changes', async () => {
    const c = await connected(node, 'positioned');
    open.push(c);
    c.send(JSON.stringify({ id: 2, subscribe: { channel: 'pos:1' } }));
    const sub = (await c.reply(2)).subscribe as { positioned: boolean; epoch: string };
    assert.equal(sub.positioned, true);
    await node.api('publish', { channel: 'pos:1', data: { n: 1 } });
    // Let the stream meta expire (history_meta_ttl 2s): the next publish starts a new epoch.
    await new Promise((r) => setTimeout(r, 2300));
    await node.api('publish', { channel: 'pos:1', data: { n: 2 } });
    const deadline = Date.now() + 3000;
    let push: Record<string, unknown> | undefined;
    while (!push) {
      push = c.messages.find((m) => (m.push as { unsubscribe?: unknown })?.unsubscribe) as
        | Record<string, unknown>
        | undefined;
      assert.ok(Date.now() < deadline, `no unsubscribe push: ${JSON.stringify(c.messages)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual(push.push, {
      channel: 'pos:1',
      unsubscribe: { code: 2500, reason: 'insufficient state' },
    });
  });
});

describe('client.connection_limit', () => {
  let node: TestNode;
  let first: RawClient | undefined;
  before(async () => {
    node = await startTestNode({
      client: { allow_anonymous_connect_without_token: true, connection_limit: 1 },
    });
  });
  after(async () => {
    first?.terminate();
    await node?.close();
  });

  it('answers 503 to an upgrade beyond the limit', async () => {
    first = await RawClient.open(wsUrl(node));
    first.send(JSON.stringify({ id: 1, connect: {} }));
    await first.reply(1);
    assert.equal(await upgradeStatus(wsUrl(node)), 503);
  });
});

describe('client.allowed_origins empty', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode({});
  });
  after(async () => {
    await node?.close();
  });

  it('refuses any request that carries an Origin', async () => {
    assert.equal(await upgradeStatus(wsUrl(node), { Origin: 'https://app.example.com' }), 403);
  });

  // The bodies are Centrifugo v6.9.1's (test/compat: client/connect/origin-*, path-*,
  // http/path/websocket-*, http/path/double-slash).
  it("refuses with the bodies of Centrifugo's Go handlers", async () => {
    const ws = wsUrl(node);
    assert.deepEqual(await upgradeAnswer(ws, { Origin: 'https://x.example.com' }), {
      status: 403,
      body: 'Forbidden\n',
    });
    assert.deepEqual(await upgradeAnswer(`${ws}/`), { status: 404, body: '404 page not found\n' });
    assert.deepEqual(await upgradeAnswer(ws.replace('/connection/', '/connection//')), {
      status: 307,
      body: '<a href="/connection/websocket">Temporary Redirect</a>.\n',
      location: '/connection/websocket',
    });
  });

  it('answers the WebSocket path without an upgrade 400, and redirects a path with //', async () => {
    for (const init of [{ method: 'GET' }, { method: 'POST', body: '{}' }]) {
      const res = await fetch(`${node.url}/connection/websocket?x=1`, init);
      assert.equal(res.status, 400, init.method);
      assert.equal(await res.text(), 'Bad Request\n');
      assert.equal(res.headers.get('sec-websocket-version'), '13');
    }
    const res = await fetch(`${node.url}/api//info`, { method: 'POST', redirect: 'manual' });
    assert.equal(res.status, 307);
    assert.equal(res.headers.get('location'), '/api/info');
    assert.equal(await res.text(), '');
  });
});

describe('API disconnect with odd codes and reasons', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode({ client: { token: { hmac_secret_key: SECRET } } });
  });
  after(async () => {
    await node?.close();
  });

  it('closes with 3000 for a code a close frame cannot carry, and trims a long reason', async () => {
    const a = await connected(node, 'odd-a');
    await node.api('disconnect', { user: 'odd-a', disconnect: { code: 1005, reason: 'x' } });
    assert.equal((await a.closed).code, 3000);
    const b = await connected(node, 'odd-b');
    const reason = 'é'.repeat(100);
    await node.api('disconnect', { user: 'odd-b', disconnect: { code: 4000, reason } });
    const closed = await b.closed;
    assert.equal(closed.code, 4000);
    assert.ok(Buffer.byteLength(closed.reason) <= 123 && reason.startsWith(closed.reason));
  });

  it('lets go of the connection without a close frame for 3000, as Centrifugo does', async () => {
    const c = await connected(node, 'odd-c');
    await node.api('disconnect', { user: 'odd-c', disconnect: { code: 3000, reason: 'x' } });
    assert.equal((await c.closed).code, 1006);
  });
});
