// Connect proxy throughput, side by side: C concurrent raw JSON WebSocket clients connect
// without a token, wait for the connect reply, close and connect again, for D seconds. Once
// with the connect proxy on (an HTTP backend in this process answering every connect with a
// user, on the load generator's core) and once without (anonymous connect), per server. Per
// server: proxied connects per second and per server CPU-second, and the p99 the proxy adds
// to a connect (p99 proxied minus p99 anonymous).
//
//   node bench/vs-connect-proxy.ts [--concurrency 32] [--seconds 5]
//     [--kinds centrifugo-ts,centrifugo] [--no-wait] [--out file]
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { percentile } from './lib/node-process.ts';
import { metric, newResult, prepare, SERVER_CPU, sleep, writeResult } from './lib/scenario.ts';
import { type ServerKind, startServer } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '5' },
    kinds: { type: 'string', default: 'centrifugo-ts,centrifugo' },
    'no-wait': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const C = Number(values.concurrency);
const SECONDS = Number(values.seconds);
const KINDS = values.kinds.split(',') as ServerKind[];

/** The application backend: every connect is user "u<n>". */
async function startBackend(): Promise<{ url: string; calls: () => number; close(): void }> {
  let n = 0;
  const answer = (id: number) => JSON.stringify({ result: { user: `u${id}` } });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      n++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(answer(n));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/connect`,
    calls: () => n,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** One connect: open, connect command, reply; ms from open to reply, or NaN on failure. */
function connectOnce(port: number): Promise<number> {
  return new Promise((resolve) => {
    const started = performance.now();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/connection/websocket`, {
      perMessageDeflate: false,
    });
    const timer = setTimeout(() => finish(Number.NaN), 5000);
    const finish = (ms: number) => {
      clearTimeout(timer);
      ws.terminate();
      resolve(ms);
    };
    ws.on('open', () => ws.send('{"id":1,"connect":{}}'));
    ws.on('message', (data) => {
      const text = data.toString();
      finish(text.includes('"connect":') ? performance.now() - started : Number.NaN);
    });
    ws.on('error', () => finish(Number.NaN));
    ws.on('close', () => finish(Number.NaN));
  });
}

interface Run {
  kind: ServerKind;
  proxied: boolean;
  connects: number;
  failed: number;
  perSecond: number;
  perCpuSecond: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuSeconds: number;
}

async function run(kind: ServerKind, backendUrl: string | undefined): Promise<Run> {
  const server = await startServer(kind, {
    cpu: SERVER_CPU,
    client: backendUrl
      ? { proxy: { connect: { enabled: true, endpoint: backendUrl, timeout: '2s' } } }
      : {},
  });
  try {
    // Warm up (JIT, keep-alive sockets to the backend).
    await Promise.all(Array.from({ length: C }, () => connectOnce(server.httpPort)));
    const latencies: number[] = [];
    let failed = 0;
    const cpuBefore = server.cpuSeconds();
    const deadline = performance.now() + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: C }, async () => {
        while (performance.now() < deadline) {
          const ms = await connectOnce(server.httpPort);
          if (Number.isNaN(ms)) failed++;
          else latencies.push(ms);
        }
      }),
    );
    const cpu = server.cpuSeconds() - cpuBefore;
    latencies.sort((a, b) => a - b);
    const r: Run = {
      kind,
      proxied: backendUrl !== undefined,
      connects: latencies.length,
      failed,
      perSecond: Math.round(latencies.length / SECONDS),
      perCpuSecond: Math.round(latencies.length / Math.max(cpu, 1e-3)),
      p50Ms: Number(percentile(latencies, 50).toFixed(2)),
      p99Ms: Number(percentile(latencies, 99).toFixed(2)),
      serverCpuSeconds: Number(cpu.toFixed(2)),
    };
    console.error(`  ${JSON.stringify(r)}`);
    return r;
  } finally {
    await server.stop();
    await sleep(1000);
  }
}

const { placement, loadBefore } = await prepare({ wait: !values['no-wait'] });
const result = newResult(
  'S-proxy',
  `connect proxy (${C} concurrent clients, ${SECONDS} s)`,
  `node bench/vs-connect-proxy.ts --concurrency ${C} --seconds ${SECONDS}`,
  placement,
  loadBefore,
  { concurrency: C, seconds: SECONDS, backend: 'node:http in the load generator, same core' },
);
const backend = await startBackend();
const runs: Run[] = [];
try {
  for (const kind of KINDS) {
    runs.push(await run(kind, undefined));
    runs.push(await run(kind, backend.url));
  }
} finally {
  backend.close();
}
result.runs = runs;
const pick = (kind: ServerKind, proxied: boolean) =>
  runs.find((r) => r.kind === kind && r.proxied === proxied);
const both = (f: (kind: ServerKind) => number) => [f('centrifugo-ts'), f('centrifugo')] as const;
const [tsRate, goRate] = both((k) => pick(k, true)?.perSecond ?? Number.NaN);
const [tsCpu, goCpu] = both((k) => pick(k, true)?.perCpuSecond ?? Number.NaN);
const [tsP99, goP99] = both((k) => pick(k, true)?.p99Ms ?? Number.NaN);
const [tsAdded, goAdded] = both(
  (k) => (pick(k, true)?.p99Ms ?? Number.NaN) - (pick(k, false)?.p99Ms ?? Number.NaN),
);
result.metrics.push(
  metric('proxied connects per second', '/s', 'higher', tsRate, goRate, { headline: true }),
  metric('proxied connects per server CPU-second', '/s', 'higher', tsCpu, goCpu),
  metric('proxied connect p99', 'ms', 'lower', tsP99, goP99),
  metric(
    'p99 added by the proxy',
    'ms',
    'lower',
    Number(tsAdded.toFixed(2)),
    Number(goAdded.toFixed(2)),
  ),
);
result.notes.push(
  `every proxied connect called the backend (${backend.calls()} calls in all, warm-up included)`,
  'a connect is measured from opening the WebSocket to the connect reply; each client closes and reconnects at once',
  "the backend shares the load generator's core, so proxied connects per second are bounded by that core when it saturates; connects per server CPU-second compare the servers themselves",
);
writeResult(result, 'connect-proxy', values.out);
