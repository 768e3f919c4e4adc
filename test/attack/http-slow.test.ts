// Slow and idle clients on the HTTP/1 port of a real node process, on loopback: hundreds of
// connections whose headers never end, whose bodies trickle, or that sit idle after one
// request. Each attack must end with every such connection closed by the node within its
// timeout (short ones here, so the suite takes seconds), the node's memory bounded, and a
// normal API client served all along. bench/vs-http-attack.ts runs the same attacks at the
// default timeouts beside real Centrifugo.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BENCH_KEY, type NodeProcess, startNodeProcess } from '../../bench/lib/node-process.ts';
import {
  attacks,
  type Held,
  holdConnections,
  servedDuring,
  watchProcess,
} from './http-attackers.ts';

const HEADER_MS = 2000;
const READ_MS = 3000;
const IDLE_MS = 2000;
// node checks header and request timeouts every tenth of the shortest (servers.ts); the
// rest is this machine's scheduling under the attack itself.
const SLACK_MS = 1500;
// What a few hundred held connections may cost: sockets, parsers, buffers. Unbounded
// growth (a connection kept per byte received, a buffered body) passes it quickly.
const RSS_BOUND = 48 * 1024 * 1024;
const MiB = 1024 * 1024;

let node: NodeProcess;
before(async () => {
  node = await startNodeProcess([
    '--http_server.read_header_timeout',
    `${HEADER_MS}ms`,
    '--http_server.read_timeout',
    `${READ_MS}ms`,
    '--http_server.idle_timeout',
    `${IDLE_MS}ms`,
    '--prometheus.enabled',
  ]);
});
after(async () => {
  await node?.stop();
});

async function attack(
  spec: Parameters<typeof holdConnections>[0],
): Promise<{ held: Held; rssGrowth: number; served: Awaited<ReturnType<typeof servedDuring>> }> {
  const pid = node.proc.pid as number;
  const watch = watchProcess(pid);
  const running = holdConnections(spec);
  const served = await servedDuring(node.httpPort, BENCH_KEY, running);
  const held = await running;
  watch.stop();
  return { held, rssGrowth: watch.rssPeak() - watch.rssBefore, served };
}

/** The figures of an attack, in the test report. */
function report(
  t: { diagnostic(message: string): void },
  held: Held,
  rssGrowth?: number,
  served?: Awaited<ReturnType<typeof servedDuring>>,
) {
  const ms = held.closedAfterMs;
  t.diagnostic(
    `closed ${ms.length}/${held.opened} after ${Math.round(ms[0] ?? Number.NaN)}-${Math.round(ms[ms.length - 1] ?? Number.NaN)} ms` +
      (rssGrowth === undefined ? '' : `; RSS +${(rssGrowth / MiB).toFixed(1)} MiB`) +
      (served === undefined
        ? ''
        : `; normal client: ${served.requests} publishes, ${served.failures} failed, p50 ${served.p50Ms.toFixed(1)} ms, max ${served.maxMs.toFixed(1)} ms`),
  );
}

function assertClosedWithin(held: Held, count: number, fromMs: number, toMs: number) {
  assert.equal(held.failedToOpen, 0, 'every attacking connection was accepted');
  assert.equal(held.stillOpen, 0, `all ${count} closed by the node`);
  assert.equal(held.closedAfterMs.length, count);
  const first = held.closedAfterMs[0] as number;
  const last = held.closedAfterMs[count - 1] as number;
  assert.ok(first >= fromMs, `none closed before its timeout (first after ${first} ms)`);
  assert.ok(last <= toMs, `all closed by ${toMs} ms (last after ${last} ms)`);
}

async function metricValue(limit: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${node.httpPort}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`centrifugo_http_limit_hits_total{limit="${limit}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('HTTP/1 slow clients', () => {
  it('closes headers that never end at read_header_timeout, with 408, serving others', async (t) => {
    const { held, rssGrowth, served } = await attack({
      port: node.httpPort,
      connections: 400,
      ...attacks.slowHeaders(),
      everyMs: 200,
      maxMs: HEADER_MS + 2 * SLACK_MS,
    });
    report(t, held, rssGrowth, served);
    assertClosedWithin(held, 400, HEADER_MS - 100, HEADER_MS + SLACK_MS);
    assert.deepEqual(held.answers, { 'HTTP/1.1 408 Request Timeout': 400 });
    assert.ok(rssGrowth < RSS_BOUND, `RSS grew ${(rssGrowth / MiB).toFixed(1)} MiB`);
    assert.equal(served.failures, 0);
    assert.ok(served.requests >= 10 && served.maxMs < 1000, JSON.stringify(served));
    assert.ok((await metricValue('http_server.read_header_timeout')) >= 400);
  });

  it('closes connections that never send a byte at read_header_timeout too', async (t) => {
    const { held } = await attack({
      port: node.httpPort,
      connections: 200,
      start: '',
      maxMs: HEADER_MS + 2 * SLACK_MS,
    });
    report(t, held);
    assertClosedWithin(held, 200, HEADER_MS - 100, HEADER_MS + SLACK_MS);
  });

  it('closes bodies that trickle at read_timeout, with 408, serving others', async (t) => {
    const { held, rssGrowth, served } = await attack({
      port: node.httpPort,
      connections: 400,
      ...attacks.slowBodies(BENCH_KEY),
      everyMs: 200,
      maxMs: READ_MS + 2 * SLACK_MS,
    });
    report(t, held, rssGrowth, served);
    assertClosedWithin(held, 400, READ_MS - 100, READ_MS + SLACK_MS);
    assert.deepEqual(held.answers, { 'HTTP/1.1 408 Request Timeout': 400 });
    assert.ok(rssGrowth < RSS_BOUND, `RSS grew ${(rssGrowth / MiB).toFixed(1)} MiB`);
    assert.equal(served.failures, 0);
    assert.ok(served.requests >= 10 && served.maxMs < 1000, JSON.stringify(served));
    assert.ok((await metricValue('http_server.read_timeout')) >= 400);
  });

  it('closes idle keep-alive connections at idle_timeout, each answered first', async (t) => {
    const { held, rssGrowth, served } = await attack({
      port: node.httpPort,
      connections: 1000,
      ...attacks.idleKeepAlive(BENCH_KEY),
      maxMs: IDLE_MS + 2 * SLACK_MS,
    });
    report(t, held, rssGrowth, served);
    assertClosedWithin(held, 1000, IDLE_MS - 100, IDLE_MS + SLACK_MS);
    assert.deepEqual(held.answers, { 'HTTP/1.1 200 OK': 1000 });
    assert.ok(rssGrowth < RSS_BOUND, `RSS grew ${(rssGrowth / MiB).toFixed(1)} MiB`);
    assert.equal(served.failures, 0);
  });

  it('leaves an upgraded WebSocket alone past every timeout', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${node.httpPort}/connection/websocket`);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = reject;
    });
    let closed = false;
    ws.onclose = () => {
      closed = true;
    };
    await new Promise((r) => setTimeout(r, READ_MS + SLACK_MS));
    assert.equal(closed, false, 'the WebSocket is still open');
    ws.close();
  });
});
