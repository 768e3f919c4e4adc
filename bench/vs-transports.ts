// S8 fan-out per transport, side by side: one channel, N subscribers over WebSocket (JSON),
// uni_sse and http_stream (the emulation's stream), publications through the HTTP API at one
// steady rate. centrifugo-ts and Centrifugo v6 run alternately in the same run with the same
// load generator; each server pinned to CPU 0, this process to CPU 1.
//
//   node bench/vs-transports.ts [--subscribers 500] [--rate 100] [--seconds 8]
//     [--transports websocket,uni_sse,http_stream] [--no-wait] [--out file]
//
// SSE and HTTP-stream subscribers hold a token whose `channels` claim subscribes them
// server-side at connect (the same for both servers); WebSocket ones subscribe themselves.
// Reports delivered messages per server CPU-second for each transport and server.
import { createHmac } from 'node:crypto';
import { type ClientRequest, request } from 'node:http';
import { parseArgs } from 'node:util';
import { connectMany, publishLoop } from './lib/load.ts';
import { percentile } from './lib/node-process.ts';
import {
  metric,
  newResult,
  prepare,
  SERVER_CPU,
  selfCpuSeconds,
  sleep,
  writeResult,
} from './lib/scenario.ts';
import { machineBusySeconds, type ServerKind, startServer } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '500' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '8' },
    transports: { type: 'string', default: 'websocket,uni_sse,http_stream' },
    sample: { type: 'string', default: '30' },
    'no-wait': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const SUBSCRIBERS = Number(values.subscribers);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
type Transport = 'websocket' | 'uni_sse' | 'http_stream';
const TRANSPORTS = values.transports.split(',') as Transport[];
const SAMPLE = Number(values.sample);
const CHANNEL = 'bench';
const SECRET = 'bench-transports-secret';

function token(): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const body = b64({
    sub: 'bench',
    channels: [CHANNEL],
    exp: Math.floor(Date.now() / 1000) + 3600,
  });
  const sig = createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

interface Counter {
  received: number;
  close(): void;
}

const PUB = Buffer.from('"pub":');

/** Counts publications in a streamed body by their `"pub":` key; a sample times them. */
function countPubs(chunk: Buffer, latencies: number[] | undefined): number {
  let n = 0;
  for (let at = chunk.indexOf(PUB); at >= 0; at = chunk.indexOf(PUB, at + PUB.length)) n++;
  if (latencies && n > 0) {
    const now = Date.now();
    for (const m of chunk.toString().matchAll(/"t":(\d+)/g)) latencies.push(now - Number(m[1]));
  }
  return n;
}

/** One streaming subscriber (uni_sse GET or http_stream POST); resolves once connected. */
function streamSubscriber(
  port: number,
  transport: 'uni_sse' | 'http_stream',
  latencies: number[] | undefined,
): Promise<Counter> {
  const jwt = token();
  const counter: Counter = { received: 0, close: () => {} };
  return new Promise((resolve, reject) => {
    let req: ClientRequest;
    const onResponse = (res: import('node:http').IncomingMessage) => {
      if (res.statusCode !== 200) {
        reject(new Error(`${transport}: HTTP ${res.statusCode}`));
        return;
      }
      let connected = false;
      res.on('data', (chunk: Buffer) => {
        if (!connected && chunk.includes('"connect"')) {
          connected = true;
          resolve(counter);
        }
        counter.received += countPubs(chunk, latencies);
      });
      res.on('error', () => {});
    };
    if (transport === 'uni_sse') {
      const q = encodeURIComponent(JSON.stringify({ token: jwt }));
      req = request(
        { host: '127.0.0.1', port, path: `/connection/uni_sse?cf_connect=${q}`, agent: false },
        onResponse,
      );
      req.end();
    } else {
      req = request(
        { host: '127.0.0.1', port, path: '/connection/http_stream', method: 'POST', agent: false },
        onResponse,
      );
      req.end(JSON.stringify({ id: 1, connect: { token: jwt } }));
    }
    req.on('error', reject);
    counter.close = () => req.destroy();
    setTimeout(() => reject(new Error(`${transport}: no connect within 10 s`)), 10_000).unref();
  });
}

async function subscribers(
  port: number,
  transport: Transport,
  latencies: number[],
): Promise<Counter[]> {
  if (transport === 'websocket') {
    const subs = await connectMany(port, 'json', CHANNEL, SUBSCRIBERS, {
      sample: SAMPLE,
      latencies,
    });
    return subs.map((s) => ({
      get received() {
        return s.received;
      },
      close: () => s.ws.terminate(),
    }));
  }
  const out: Counter[] = [];
  for (let i = 0; i < SUBSCRIBERS; i += 50) {
    const batch = Array.from({ length: Math.min(50, SUBSCRIBERS - i) }, (_, j) =>
      streamSubscriber(port, transport, i + j < SAMPLE ? latencies : undefined),
    );
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

interface Run {
  kind: ServerKind;
  transport: Transport;
  expected: number;
  delivered: number;
  serverCpuSeconds: number;
  deliveredPerServerCpuSecond: number;
  otherCpuShare: number;
  p50Ms: number;
  p99Ms: number;
}

async function run(kind: ServerKind, transport: Transport): Promise<Run> {
  const server = await startServer(kind, {
    cpu: SERVER_CPU,
    client: { token: { hmac_secret_key: SECRET } },
    extra: { uni_sse: { enabled: true }, http_stream: { enabled: true } },
  });
  try {
    const latencies: number[] = [];
    const subs = await subscribers(server.httpPort, transport, latencies);
    const total = () => subs.reduce((n, s) => n + s.received, 0);
    await publishLoop(server.httpPort, CHANNEL, RATE, 2);
    await sleep(500);
    latencies.length = 0;
    const received0 = total();
    const cpu0 = server.cpuSeconds();
    const lg0 = selfCpuSeconds();
    const busy0 = machineBusySeconds();
    const t0 = Date.now();
    const published = await publishLoop(server.httpPort, CHANNEL, RATE, SECONDS);
    const expected = published * SUBSCRIBERS;
    const deadline = Date.now() + 3000;
    while (total() - received0 < expected && Date.now() < deadline) await sleep(10);
    const elapsed = (Date.now() - t0) / 1000;
    const cpu = server.cpuSeconds() - cpu0;
    const other = machineBusySeconds() - busy0 - cpu - (selfCpuSeconds() - lg0);
    const delivered = total() - received0;
    latencies.sort((a, b) => a - b);
    for (const s of subs) s.close();
    const result: Run = {
      kind,
      transport,
      expected,
      delivered,
      serverCpuSeconds: Number(cpu.toFixed(2)),
      deliveredPerServerCpuSecond: Math.round(delivered / Math.max(cpu, 0.01)),
      otherCpuShare: Number((other / elapsed).toFixed(2)),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
    };
    console.error(`  ${kind} ${transport}: ${JSON.stringify(result)}`);
    return result;
  } finally {
    await server.stop();
  }
}

const { placement, loadBefore } = await prepare({ wait: !values['no-wait'] });
const result = newResult(
  'S8',
  `fan-out per transport, 1 channel × ${SUBSCRIBERS} subscribers at ${RATE} pub/s`,
  `node bench/vs-transports.ts --subscribers ${SUBSCRIBERS} --rate ${RATE} --seconds ${SECONDS} --transports ${TRANSPORTS.join(',')}`,
  placement,
  loadBefore,
  { subscribers: SUBSCRIBERS, rate: RATE, seconds: SECONDS, transports: TRANSPORTS },
);
const runs: Run[] = [];
for (const [i, transport] of TRANSPORTS.entries()) {
  const order: ServerKind[] =
    i % 2 === 0 ? ['centrifugo-ts', 'centrifugo'] : ['centrifugo', 'centrifugo-ts'];
  for (const kind of order) runs.push(await run(kind, transport));
}
result.runs = runs;
for (const transport of TRANSPORTS) {
  const ts = runs.find((r) => r.kind === 'centrifugo-ts' && r.transport === transport) as Run;
  const c = runs.find((r) => r.kind === 'centrifugo' && r.transport === transport) as Run;
  result.metrics.push(
    metric(
      `${transport}: delivered msg per server CPU-second`,
      'msg/CPU-s',
      'higher',
      ts.deliveredPerServerCpuSecond,
      c.deliveredPerServerCpuSecond,
      {
        headline: true,
        note: `delivered ${ts.delivered}/${ts.expected} vs ${c.delivered}/${c.expected}`,
      },
    ),
    metric(`${transport}: p99 publish to delivery`, 'ms', 'lower', ts.p99Ms, c.p99Ms),
  );
}
const others = runs.map((r) => r.otherCpuShare);
result.notes.push(
  `Other processes on the machine used ${Math.min(...others).toFixed(2)}–${Math.max(...others).toFixed(2)} cores during the runs (the machine is shared).`,
  'SSE and HTTP-stream subscribers are plain node:http readers counting `"pub":` keys; WebSocket ones are the raw ws subscribers of bench/vs-fanout.ts.',
);
writeResult(result, 'transports', values.out);
