// The HTTP event proxies end to end: a real backend (node:http on 127.0.0.1, http-backend.ts)
// and the official centrifuge SDK against a real node. Connect with a cookie and no token,
// server-side refresh, subscribe allowed and refused, publish modified and refused,
// sub refresh, RPC, emulated headers kept apart from trusted ones, and a backend that
// is too slow.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ConnectedContext } from 'centrifuge';
import {
  type Client,
  dataValue,
  newClient,
  once,
  payload,
  socketWith,
  type WireFormat,
  waitUntil,
} from '../client/sdk.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { HttpBackend } from './http-backend.ts';

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('HTTP proxies', () => {
  const backend = new HttpBackend();
  let node: TestNode;
  const clients: Client[] = [];

  before(async () => {
    await backend.start();
    node = await startTestNode({
      client: {
        expired_sub_close_delay: '0s',
        proxy: {
          connect: {
            enabled: true,
            endpoint: backend.url('/connect'),
            http_headers: ['Cookie', 'X-User'],
            emulated_headers: ['X-Emu'],
          },
          refresh: { enabled: true, endpoint: backend.url('/refresh') },
        },
      },
      channel: {
        proxy: {
          subscribe: { endpoint: backend.url('/subscribe'), include_connection_meta: true },
          publish: { endpoint: backend.url('/publish'), http_headers: ['Cookie'] },
          sub_refresh: { endpoint: backend.url('/sub_refresh') },
        },
        namespaces: [
          {
            name: 'sp',
            subscribe_proxy_enabled: true,
            publish_proxy_enabled: true,
            sub_refresh_proxy_enabled: true,
          },
        ],
      },
      rpc: {
        proxy: { endpoint: backend.url('/rpc') },
        without_namespace: { proxy_enabled: true },
        namespaces: [{ name: 'slow', proxy_enabled: true, proxy_name: 'slow' }],
      },
      proxies: [{ name: 'slow', endpoint: backend.url('/slow'), timeout: '200ms' }],
    });
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    await node?.close();
    await backend.close();
  });

  function client(format: WireFormat, headers: Record<string, string> = {}, emulated = {}) {
    const c = newClient(node, format, {
      websocket: socketWith({ Cookie: 'session=s1', ...headers }),
      headers: emulated,
    });
    clients.push(c);
    return c;
  }

  /** The connect proxy answers every connection as user u1 (meta kept for later calls). */
  function connectAs(user: string, extra: Record<string, unknown> = {}) {
    backend.answer('/connect', (body) => ({
      result: {
        user,
        info: { name: user },
        data: { welcome: body.client },
        meta: { m: 1 },
        ...extra,
      },
    }));
  }

  for (const format of ['json', 'protobuf'] as const) {
    it(`connects with a cookie and no token, as the backend says (${format})`, async () => {
      connectAs('u1');
      const before = backend.to('/connect').length;
      const c = client(format, { 'X-User': 'trusted' });
      c.connect();
      const ctx = await once<ConnectedContext>(c, 'connected');
      assert.deepEqual(dataValue(format, ctx.data), { welcome: ctx.client });
      const [req] = backend.to('/connect').slice(before);
      assert.ok(req);
      assert.equal(req.headers.cookie, 'session=s1');
      assert.equal(req.headers['x-user'], 'trusted');
      assert.equal(req.headers['content-type'], 'application/json');
      assert.deepEqual(req.body, {
        client: ctx.client,
        transport: 'websocket',
        protocol: format,
        encoding: 'json',
        name: 'js',
      });
      c.disconnect();
    });
  }

  it('closes the connection with the disconnect the backend answers', async () => {
    backend.answer('/connect', { json: { disconnect: { code: 4501, reason: 'go away' } } });
    const c = client('json');
    c.connect();
    const ctx = await once<{ code: number; reason: string }>(c, 'disconnected');
    assert.deepEqual({ code: ctx.code, reason: ctx.reason }, { code: 4501, reason: 'go away' });
  });

  it('forwards emulated headers only under emulated_headers, never as a trusted header', async () => {
    connectAs('u2');
    const before = backend.to('/connect').length;
    const c = client('json', {}, { 'X-User': 'forged', 'X-Emu': 'e1' });
    c.connect();
    await once(c, 'connected');
    const [req] = backend.to('/connect').slice(before);
    assert.equal(req?.headers['x-emu'], 'e1');
    assert.equal(req?.headers['x-user'], undefined, 'a client-set X-User is not forwarded');
    c.disconnect();
  });

  it('lets the subscribe proxy allow (with info, data, meta) and refuse', async () => {
    connectAs('u3');
    backend.answer('/subscribe', (body) =>
      body.channel === 'sp:no'
        ? { error: { code: 4403, message: 'not yours' } }
        : { result: { data: { hello: body.channel } } },
    );
    const c = client('json');
    c.connect();
    await once(c, 'connected');
    const ok = c.newSubscription('sp:yes', { data: { want: 1 } });
    ok.subscribe();
    const subscribed = await once<{ data: unknown }>(ok, 'subscribed');
    assert.deepEqual(subscribed.data, { hello: 'sp:yes' });
    const req = backend.to('/subscribe').find((r) => r.body.channel === 'sp:yes');
    assert.deepEqual(req?.body, {
      client: req?.body.client,
      transport: 'websocket',
      protocol: 'json',
      encoding: 'json',
      user: 'u3',
      channel: 'sp:yes',
      meta: { m: 1 },
      data: { want: 1 },
    });
    const no = c.newSubscription('sp:no');
    no.subscribe();
    const refused = await once<{ code: number; reason: string }>(no, 'unsubscribed');
    assert.deepEqual(
      { code: refused.code, reason: refused.reason },
      { code: 4403, reason: 'not yours' },
    );
    c.disconnect();
  });

  it('publishes what the publish proxy returns, and refuses what it refuses', async () => {
    connectAs('u4');
    backend.answer('/subscribe', { json: { result: {} } });
    backend.answer('/publish', (body) =>
      (body.data as { n: number }).n < 0
        ? { error: { code: 4400, message: 'negative' } }
        : { result: { data: { n: (body.data as { n: number }).n, checked: true } } },
    );
    const c = client('json');
    c.connect();
    await once(c, 'connected');
    const sub = c.newSubscription('sp:pub');
    sub.subscribe();
    await once(sub, 'subscribed');
    const got = once<{ data: unknown }>(sub, 'publication');
    await c.publish('sp:pub', { n: 1 });
    assert.deepEqual((await got).data, { n: 1, checked: true });
    const pubReq = backend.to('/publish').at(-1);
    assert.equal(pubReq?.headers.cookie, 'session=s1');
    assert.equal(pubReq?.body.user, 'u4');
    await assert.rejects(
      c.publish('sp:pub', { n: -1 }),
      (err: { code: number; message: string }) => {
        assert.deepEqual(
          { code: err.code, message: err.message },
          { code: 4400, message: 'negative' },
        );
        return true;
      },
    );
    c.disconnect();
  });

  it('answers client RPC from the backend, and 100 when it is too slow', async () => {
    connectAs('u5');
    backend.answer('/rpc', (body) => ({
      result: { data: { echo: body.data, method: body.method } },
    }));
    backend.answer('/slow', { delayMs: 2000, json: { result: {} } });
    const c = client('protobuf');
    c.connect();
    await once(c, 'connected');
    const answer = await c.rpc('sum', payload('protobuf', { a: 1 }));
    assert.deepEqual(dataValue('protobuf', answer.data), { echo: { a: 1 }, method: 'sum' });
    const errorsBefore = await metric('centrifugo_proxy_errors', 'rpc', 'slow');
    await assert.rejects(c.rpc('slow:x', payload('protobuf', {})), (err: { code: number }) => {
      assert.equal(err.code, 100);
      return true;
    });
    assert.equal(await metric('centrifugo_proxy_errors', 'rpc', 'slow'), errorsBefore + 1);
    await assert.rejects(c.rpc('nons:x', payload('protobuf', {})), (err: { code: number }) => {
      assert.equal(err.code, 104);
      return true;
    });
    c.disconnect();
  });

  it('drops a proxy call in flight when its client disconnects', async () => {
    connectAs('u8');
    backend.answer('/rpc', { delayMs: 5000, json: { result: {} } });
    const c = client('json');
    c.connect();
    await once(c, 'connected');
    const before = backend.to('/rpc').length;
    c.rpc('wait', payload('json', {})).catch(() => {});
    await waitUntil(() => backend.to('/rpc').length > before, 'the RPC to reach the backend');
    c.disconnect();
    // Well before the backend's 5 s answer and the proxy's 1 s timeout.
    await waitUntil(
      () => backend.dropped.includes('/rpc'),
      'the backend to see the request dropped',
      500,
    );
  });

  it('refreshes an expiring connection through the refresh proxy, server-side', async () => {
    connectAs('u6', { expire_at: nowSeconds() + 1 });
    backend.answer('/refresh', () => ({ result: { expire_at: nowSeconds() + 3600 } }));
    const before = backend.to('/refresh').length;
    const c = client('json');
    c.connect();
    await once(c, 'connected');
    await waitUntil(() => backend.to('/refresh').length > before, 'a refresh call', 4000);
    const req = backend.to('/refresh').at(-1);
    assert.equal(req?.body.user, 'u6');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(c.state, 'connected');
    c.disconnect();
  });

  it('refreshes an expiring subscription through the sub refresh proxy', async () => {
    connectAs('u7');
    backend.answer('/subscribe', () => ({ result: { expire_at: nowSeconds() + 1 } }));
    backend.answer('/sub_refresh', (body) =>
      body.channel === 'sp:end'
        ? { result: { expired: true } }
        : { result: { expire_at: nowSeconds() + 3600 } },
    );
    const c = client('json');
    c.connect();
    await once(c, 'connected');
    const lives = c.newSubscription('sp:live');
    const ends = c.newSubscription('sp:end');
    lives.subscribe();
    ends.subscribe();
    await Promise.all([once(lives, 'subscribed'), once(ends, 'subscribed')]);
    // 2501 "subscription expired" makes the SDK subscribe again (2500-2999).
    const gone = await once<{ code: number }>(ends, 'subscribing', 4000);
    assert.equal(gone.code, 2501);
    // Both subscriptions expire in the same second; their refresh calls come in either order.
    const liveRefresh = () => backend.to('/sub_refresh').find((r) => r.body.channel === 'sp:live');
    await waitUntil(() => liveRefresh() !== undefined, 'a refresh call for sp:live', 4000);
    assert.equal(liveRefresh()?.body.user, 'u7');
    assert.equal(lives.state, 'subscribed');
    c.disconnect();
  });

  async function metric(name: string, type: string, proxy: string): Promise<number> {
    const text = await node.running.metrics.registry.metrics();
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith(`${name}{`) && l.includes(`type="${type}"`) && l.includes(`name="${proxy}"`),
      );
    return line === undefined ? Number.NaN : Number(line.split(' ').at(-1));
  }
});
