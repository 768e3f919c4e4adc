// Scale-up rebalancing with real node processes on NATS behind a Service (service-proxy.ts):
// 60 official SDK clients on two nodes, a third node joins, and within a bounded time it holds
// a fair share, because the busy nodes ask their excess to reconnect (3011) and refuse new
// connections meanwhile (src/node/lifecycle/rebalance.ts). Every client ends up connected.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Centrifuge } from 'centrifuge';
import { findNatsServer, startNatsServer } from '../nats/harness.ts';
import { type NodeProcess, startNodeProcess } from './node-process.ts';
import { startServiceProxy } from './service-proxy.ts';

const KEY = 'rebalance-key';
const CLIENTS = 60;

it('a node added to a busy cluster gets its share of connections', {
  timeout: 120_000,
}, async (t) => {
  const bin = findNatsServer(t);
  if (!bin) return;
  const nats = await startNatsServer({ bin, t });
  const config = {
    http_api: { key: KEY },
    health: { enabled: true },
    client: { insecure: true },
    engine: { type: 'nats', nats: { urls: [nats.url], node_info_interval: '500ms' } },
    rebalance: { enabled: true, interval: '2s', tolerance: 20, window: '1s' },
  };
  const nodes: NodeProcess[] = [];
  after(() => Promise.all(nodes.map((n) => n.stop(2_000))));
  const start = async () => {
    const n = await startNodeProcess(config, { internal: true });
    nodes.push(n);
    return n;
  };
  const service = await startServiceProxy({ probeMs: 200 });
  after(() => service.close());
  const add = (name: string, n: NodeProcess) =>
    service.add(name, {
      host: '127.0.0.1',
      port: n.external,
      readyUrl: `http://127.0.0.1:${n.internal}/ready`,
    });
  const [a, b] = await Promise.all([start(), start()]);
  add('a', a as NodeProcess);
  add('b', b as NodeProcess);
  const waitFor = async (what: string, check: () => Promise<boolean> | boolean, ms: number) => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await sleep(100);
    }
  };
  await waitFor('two endpoints', () => service.endpoints().length === 2, 10_000);

  const codes: number[] = [];
  const clients = Array.from({ length: CLIENTS }, () => {
    const c = new Centrifuge(`ws://127.0.0.1:${service.port}/connection/websocket`, {
      timeout: 5_000,
    });
    c.on('connecting', (ctx) => {
      if (ctx.code !== 0) codes.push(ctx.code);
    });
    c.connect();
    return c;
  });
  after(() => {
    for (const c of clients) c.disconnect();
  });
  await waitFor(
    'every client connected',
    () => clients.every((c) => c.state === 'connected'),
    20_000,
  );

  const counts = async () => {
    const res = await fetch(`http://127.0.0.1:${(a as NodeProcess).internal}/api/info`, {
      method: 'POST',
      headers: { 'X-API-Key': KEY },
      body: '{}',
    });
    const nodesInfo = ((await res.json()) as { result: { nodes: { num_clients: number }[] } })
      .result.nodes;
    return nodesInfo.map((n) => n.num_clients ?? 0);
  };
  const c = await start();
  add('c', c);
  const joined = Date.now();
  await waitFor('c ready', () => service.endpoints().length === 3, 10_000);
  const share = CLIENTS / 3;
  let seen: number[] = [];
  // One interval to see a stable membership, one to act, the window, the SDKs' backoff.
  await waitFor(
    `the new node holding at least 70% of its share (${share})`,
    async () => {
      const res = await fetch(`http://127.0.0.1:${c.internal}/api/info`, {
        method: 'POST',
        headers: { 'X-API-Key': KEY },
        body: '{}',
      });
      const info = (await res.json()) as {
        result: { nodes: { name: string; num_clients?: number }[] };
      };
      seen = info.result.nodes.map((n) => n.num_clients ?? 0);
      return seen.length === 3 && Math.min(...seen) >= 0.7 * share;
    },
    20_000,
  );
  const tookMs = Date.now() - joined;
  await waitFor(
    'every client connected again',
    () => clients.every((x) => x.state === 'connected'),
    20_000,
  );
  // Other nodes' counts reach node a with their next announcement (500 ms).
  let final: number[] = [];
  await waitFor(
    'every client counted',
    async () => {
      final = await counts();
      return final.reduce((x, y) => x + y, 0) === CLIENTS;
    },
    5_000,
  ).catch(() => undefined);
  console.log(
    `  a third node: ${seen.join('/')} clients ${tookMs} ms after it joined; now ${final.join('/')}; reconnect codes ${[...new Set(codes)].join(',')} (${codes.length})`,
  );
  assert.equal(
    final.reduce((x, y) => x + y, 0),
    CLIENTS,
    'no client lost',
  );
  assert.ok(codes.length > 0 && codes.every((code) => code === 3011), `codes ${codes.join(',')}`);
  assert.ok(
    Math.max(...final) <= Math.ceil(share * 1.2) + 1,
    `no node above the tolerance: ${final}`,
  );
});
