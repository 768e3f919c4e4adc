// A node process under SIGTERM, behind a Service (service-proxy.ts: endpoints from /ready, as
// a readiness probe and kube-proxy make them), as a rolling update stops a pod:
// - /health stays Centrifugo's, /ready says whether the node can take work (engine connected,
//   not draining), /live whether it answers at all;
// - API publishes sent steadily over keep-alive connections across the SIGTERM all succeed:
//   the draining node answers with `Connection: close` until the Service stops sending to it;
// - SDK clients are told to reconnect (3001) spread over shutdown.disconnect_window, after
//   shutdown.drain_delay, and reconnect to the other node.
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { connect as http2Connect } from 'node:http2';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Centrifuge } from 'centrifuge';
import { findNatsServer, startNatsServer } from '../nats/harness.ts';
import { generatedClient, keyMetadata } from './grpc-client.ts';
import { type NodeProcess, startNodeProcess } from './node-process.ts';
import { startServiceProxy } from './service-proxy.ts';

const KEY = 'drain-key';

const baseConfig = (extra: Record<string, unknown> = {}) => ({
  http_api: { key: KEY },
  health: { enabled: true },
  client: { insecure: true },
  channel: { without_namespace: { allow_subscribe_for_client: true } },
  ...extra,
});

const started: NodeProcess[] = [];
after(async () => {
  await Promise.all(started.map((n) => n.stop(2_000)));
});
async function node(config: Record<string, unknown>): Promise<NodeProcess> {
  const n = await startNodeProcess(config, { internal: true });
  started.push(n);
  return n;
}

const get = async (url: string) => {
  const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  return { status: res.status, body: await res.text() };
};

async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

describe('probes: /health, /ready, /live', () => {
  it('a memory node is ready and alive; draining it turns readiness off, not liveness', async () => {
    const n = await node(baseConfig({ shutdown: { drain_delay: '3s' } }));
    const at = (path: string) => get(`http://127.0.0.1:${n.internal}${path}`);
    assert.deepEqual(await at('/health'), { status: 200, body: '{}' });
    assert.deepEqual(await at('/ready'), { status: 200, body: '{}' });
    assert.deepEqual(await at('/live'), { status: 200, body: '{}' });
    n.child.kill('SIGTERM');
    await waitFor('/ready 503', async () => (await at('/ready')).status === 503, 2_000);
    const ready = await at('/ready');
    assert.deepEqual(JSON.parse(ready.body), { reasons: ['draining: shutting down'] });
    assert.equal((await at('/live')).status, 200, 'a draining node is alive');
    assert.equal((await at('/health')).status, 200, '/health stays as Centrifugo answers it');
    // Still serving during the drain, each answer closing its connection.
    const res = await fetch(`http://127.0.0.1:${n.internal}/api/info`, {
      method: 'POST',
      headers: { 'X-API-Key': KEY },
      body: '{}',
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('connection'), 'close');
    assert.equal(await n.exited, 0);
  });

  it('a NATS node is unready while NATS is down, and alive throughout', async (t) => {
    const bin = findNatsServer(t);
    if (!bin) return;
    const nats = await startNatsServer({ bin, t });
    const n = await node(
      baseConfig({
        engine: { type: 'nats', nats: { urls: [nats.url], connect_timeout: '5s' } },
      }),
    );
    const at = (path: string) => get(`http://127.0.0.1:${n.internal}${path}`);
    assert.equal((await at('/ready')).status, 200);
    await nats.kill();
    await waitFor('/ready 503 without NATS', async () => (await at('/ready')).status === 503);
    assert.deepEqual(JSON.parse((await at('/ready')).body), {
      reasons: ['engine disconnected: NATS is unreachable'],
    });
    assert.equal((await at('/live')).status, 200, 'no NATS is no reason to restart the node');
    assert.equal((await at('/health')).status, 200);
    await nats.restart();
    await waitFor(
      '/ready 200 with NATS back',
      async () => (await at('/ready')).status === 200,
      20_000,
    );
  });
});

describe('SIGTERM behind a Service', () => {
  it('loses no API publish sent over keep-alive connections across the drain', async () => {
    const drain = { drain_delay: '1s', disconnect_window: '500ms' };
    const [a, b] = await Promise.all([
      node(baseConfig({ shutdown: drain })),
      node(baseConfig({ shutdown: drain })),
    ]);
    const service = await startServiceProxy({ probeMs: 100 });
    after(() => service.close());
    for (const [name, n] of [
      ['a', a],
      ['b', b],
    ] as const) {
      service.add(name, {
        host: '127.0.0.1',
        port: n.internal,
        readyUrl: `http://127.0.0.1:${n.internal}/ready`,
      });
    }
    await waitFor('both endpoints', () => service.endpoints().length === 2);

    // A backend's connection pool: 8 keep-alive sockets, 8 publishers in a loop.
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    after(() => agent.destroy());
    const failures: string[] = [];
    let ok = 0;
    let closedByServer = 0;
    let stop = false;
    const publish = (i: number) =>
      new Promise<void>((resolve) => {
        const body = JSON.stringify({ channel: `news${i % 8}`, data: { i } });
        const req = httpRequest(
          {
            host: service.host,
            port: service.port,
            path: '/api/publish',
            method: 'POST',
            agent,
            headers: { 'X-API-Key': KEY, 'Content-Length': Buffer.byteLength(body) },
          },
          (res) => {
            let text = '';
            res.on('data', (c) => {
              text += c;
            });
            res.on('end', () => {
              if (res.statusCode === 200 && text.startsWith('{"result"')) ok += 1;
              else failures.push(`${res.statusCode} ${text}`);
              if (res.headers.connection === 'close') closedByServer += 1;
              resolve();
            });
          },
        );
        req.on('error', (err) => {
          failures.push(err.message);
          resolve();
        });
        req.end(body);
      });
    let sent = 0;
    const loops = Array.from({ length: 8 }, async () => {
      while (!stop) {
        await publish(sent++);
        await sleep(5);
      }
    });
    // Counts, not fixed sleeps, before and after the drain: a loaded machine publishes slower.
    await waitFor('publishes flowing', () => ok > 20);
    const okBefore = ok;
    const exited = a.stop(10_000);
    await exited;
    const okDuring = ok;
    await waitFor('publishes after the exit', () => ok > okDuring + 20);
    stop = true;
    await Promise.all(loops);
    assert.deepEqual(failures, [], `${failures.length} of ${sent} publishes failed`);
    assert.equal(await exited, 0);
    assert.ok(okBefore > 20 && okDuring > okBefore + 20 && ok > okDuring + 20, `${ok} publishes`);
    assert.ok(closedByServer > 0, 'the draining node closed keep-alive connections it answered');
    assert.deepEqual(service.endpoints(), ['b']);
  });

  it('disconnects SDK clients with 3001 over the window, after the delay; they reconnect elsewhere', async () => {
    const delayMs = 500;
    const windowMs = 3_000;
    const shutdown = { drain_delay: `${delayMs}ms`, disconnect_window: `${windowMs}ms` };
    const a = await node(baseConfig({ shutdown }));
    const service = await startServiceProxy({ probeMs: 100 });
    after(() => service.close());
    const add = (name: string, n: NodeProcess) =>
      service.add(name, {
        host: '127.0.0.1',
        port: n.external,
        readyUrl: `http://127.0.0.1:${n.internal}/ready`,
      });
    add('a', a);
    await waitFor('a ready', () => service.endpoints().length === 1);
    const count = 40;
    const clients = Array.from(
      { length: count },
      () =>
        new Centrifuge(`ws://${service.host}:${service.port}/connection/websocket`, {
          timeout: 5_000,
        }),
    );
    after(() => {
      for (const c of clients) c.disconnect();
    });
    const shutdownAt: number[] = [];
    let sigterm = 0;
    for (const c of clients) {
      c.on('connecting', (ctx) => {
        if (ctx.code === 3001 && ctx.reason === 'shutdown') shutdownAt.push(Date.now() - sigterm);
      });
    }
    for (const c of clients) c.connect();
    await waitFor('every client connected', () => clients.every((c) => c.state === 'connected'));
    // The replacement node is up before the old one stops (a rolling update's surge).
    const b = await node(baseConfig());
    add('b', b);
    await waitFor('b ready', () => service.endpoints().length === 2);

    sigterm = Date.now();
    a.child.kill('SIGTERM');
    assert.equal(await a.exited, 0);
    await waitFor('every client reconnected', () => clients.every((c) => c.state === 'connected'));
    assert.equal(shutdownAt.length, count, 'each client got 3001 shutdown once');
    const times = shutdownAt.sort((x, y) => x - y);
    const first = times[0] as number;
    const last = times[count - 1] as number;
    console.log(
      `  3001 from ${first} ms to ${last} ms after SIGTERM (delay ${delayMs} ms, window ${windowMs} ms)`,
    );
    assert.ok(first >= delayMs - 50, `none before the delay (first at ${first} ms)`);
    assert.ok(last <= delayMs + windowMs + 500, `all within the window (last at ${last} ms)`);
    assert.ok(last - first >= windowMs * 0.8, `spread over the window (${last - first} ms)`);
    // Evenly: no sixth of the window holds more than twice its share.
    const bins = new Array(6).fill(0);
    for (const x of times) bins[Math.min(5, Math.floor(((x - delayMs) / windowMs) * 6))] += 1;
    assert.ok(
      bins.every((n) => n <= Math.ceil((2 * count) / 6)),
      `disconnects per sixth of the window: ${bins.join(' ')}`,
    );
    assert.ok(service.connectionsTo('b') >= count, 'they reconnected to the other node');
  });
});

describe('SIGTERM and gRPC', () => {
  it('serves gRPC calls during the delay, then sends GOAWAY (NO_ERROR) before closing', async () => {
    const n = await node(
      baseConfig({
        grpc_api: { enabled: true, address: '127.0.0.1', port: 0, key: KEY },
        shutdown: { drain_delay: '1s' },
      }),
    );
    const listening = n.logs.find((l) => l.msg === 'gRPC server API listening');
    const target = String(listening?.address).replace('grpc://', '');
    const session = http2Connect(`http://${target}`);
    after(() => session.destroy());
    await new Promise<void>((resolve, reject) => {
      session.once('connect', () => resolve());
      session.once('error', reject);
    });
    let goawayAt = 0;
    let goawayCode = -1;
    session.on('goaway', (code) => {
      goawayAt = Date.now();
      goawayCode = code;
    });
    const client = generatedClient(target);
    after(() => client.close());
    assert.equal((await client.call('Info', {}, keyMetadata(KEY))).ok, true);
    const sigterm = Date.now();
    n.child.kill('SIGTERM');
    await sleep(500);
    const during = await client.call(
      'Publish',
      { channel: 'news', data: Buffer.from('{}') },
      keyMetadata(KEY),
    );
    assert.equal(during.ok, true, 'a call during the drain delay is served');
    assert.equal(await n.exited, 0);
    assert.ok(goawayAt > 0, 'GOAWAY reached the open connection');
    assert.equal(goawayCode, 0, 'NO_ERROR: a graceful GOAWAY');
    assert.ok(goawayAt - sigterm >= 900, `after the delay (${goawayAt - sigterm} ms)`);
  });
});
