// Fan-out (reference/perf.md S2): one channel, N subscribers, a steady publish rate through
// the HTTP API; counts deliveries per second and publish-to-delivery latency, for JSON and
// Protobuf connections in the same run. The node runs as its own process pinned to CPU 0
// (taskset), this load generator on the rest.
//
//   node bench/fanout.ts [--subscribers 1000] [--rate 100] [--seconds 10] [--out file.md]
//
// Latency is measured on a sample of subscribers (payloads carry the send time); every
// subscriber counts its messages without parsing them.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { Command } from '../src/node/client/protocol/descriptors.ts';
import {
  delimit,
  encodeMessage,
  splitDelimited,
} from '../src/node/client/protocol/protobuf-codec.ts';
import {
  BENCH_KEY,
  cpuSeconds,
  type NodeProcess,
  percentile,
  rssBytes,
  startNodeProcess,
} from './lib/node-process.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '10' },
    sample: { type: 'string', default: '50' },
    out: { type: 'string' },
  },
});
const SUBSCRIBERS = Number(values.subscribers);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const SAMPLE = Number(values.sample);
const CHANNEL = 'bench';

type Format = 'json' | 'protobuf';

interface Subscriber {
  ws: WebSocket;
  received: number;
}

async function connectSubscriber(port: number, format: Format, latencies: number[] | undefined) {
  const url = `ws://127.0.0.1:${port}/connection/websocket`;
  const ws = new WebSocket(url, format === 'protobuf' ? ['centrifuge-protobuf'] : undefined);
  const sub: Subscriber = { ws, received: 0 };
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let subscribed!: () => void;
  const ready = new Promise<void>((r) => {
    subscribed = r;
  });
  let replies = 0;
  ws.on('message', (data: Buffer, isBinary) => {
    const now = Date.now();
    if (!isBinary) {
      const lines = data.toString().split('\n');
      for (const line of lines) {
        if (line.startsWith('{"push"')) {
          sub.received += 1;
          if (latencies) latencies.push(now - Number(/"t":(\d+)/.exec(line)?.[1]));
        } else if (line === '{}') ws.send('{}');
        else if (++replies === 2) subscribed();
      }
      return;
    }
    for (const msg of splitDelimited(data)) {
      if (msg.length === 0) {
        ws.send(new Uint8Array([0]));
        continue;
      }
      // Replies to our commands carry id (field 1); pushes do not.
      if (msg[0] === 0x08) {
        if (++replies === 2) subscribed();
        continue;
      }
      sub.received += 1;
      if (latencies) {
        const t = /"t":(\d+)/.exec(Buffer.from(msg).toString('latin1'))?.[1];
        latencies.push(now - Number(t));
      }
    }
  });
  const commands = [
    { id: 1, connect: {} },
    { id: 2, subscribe: { channel: CHANNEL } },
  ];
  if (format === 'json') ws.send(commands.map((c) => JSON.stringify(c)).join('\n'));
  else ws.send(Buffer.concat(commands.map((c) => delimit(encodeMessage(Command, c)))));
  await ready;
  return sub;
}

async function publishLoop(port: number): Promise<number> {
  let sent = 0;
  const started = Date.now();
  const interval = 1000 / RATE;
  const inFlight: Promise<unknown>[] = [];
  while (Date.now() - started < SECONDS * 1000) {
    const due = started + sent * interval;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(
      fetch(`http://127.0.0.1:${port}/api/publish`, {
        method: 'POST',
        headers: { 'X-API-Key': BENCH_KEY },
        body: `{"channel":"${CHANNEL}","data":{"t":${Date.now()},"text":"${'x'.repeat(100)}"}}`,
      }).then((r) => r.arrayBuffer()),
    );
    sent += 1;
    if (inFlight.length > 200) await Promise.all(inFlight.splice(0));
  }
  await Promise.all(inFlight);
  return sent;
}

interface Result {
  format: Format;
  subscribers: number;
  published: number;
  expected: number;
  delivered: number;
  deliveredPerSecond: number;
  serverCpuSeconds: number;
  deliveredPerServerCpuSecond: number;
  p50Ms: number;
  p99Ms: number;
  serverRssMiB: number;
}

async function runOnce(format: Format): Promise<Result> {
  const node: NodeProcess = await startNodeProcess(
    [
      '--client.allow_anonymous_connect_without_token',
      '--channel.without_namespace.allow_subscribe_for_client',
      '--channel.without_namespace.allow_subscribe_for_anonymous',
      '--client.ping_interval',
      '0s',
    ],
    0,
  );
  try {
    const latencies: number[] = [];
    const subs: Subscriber[] = [];
    for (let i = 0; i < SUBSCRIBERS; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, SUBSCRIBERS - i) }, (_, j) =>
          connectSubscriber(node.httpPort, format, i + j < SAMPLE ? latencies : undefined),
        ),
      );
      subs.push(...batch);
    }
    const pid = node.proc.pid as number;
    const cpuBefore = cpuSeconds(pid);
    const t0 = Date.now();
    const published = await publishLoop(node.httpPort);
    const expected = published * SUBSCRIBERS;
    const drainDeadline = Date.now() + 10_000;
    const total = () => subs.reduce((n, s) => n + s.received, 0);
    while (total() < expected && Date.now() < drainDeadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const elapsed = (Date.now() - t0) / 1000;
    const cpu = cpuSeconds(pid) - cpuBefore;
    const delivered = total();
    const rss = rssBytes(pid);
    for (const s of subs) s.ws.terminate();
    latencies.sort((a, b) => a - b);
    return {
      format,
      subscribers: SUBSCRIBERS,
      published,
      expected,
      delivered,
      deliveredPerSecond: Math.round(delivered / elapsed),
      serverCpuSeconds: Number(cpu.toFixed(2)),
      deliveredPerServerCpuSecond: Math.round(delivered / Math.max(cpu, 0.01)),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      serverRssMiB: Math.round(rss / 2 ** 20),
    };
  } finally {
    await node.stop();
  }
}

const results: Result[] = [];
for (const format of ['json', 'protobuf'] as const) {
  console.error(`fanout: ${format}, ${SUBSCRIBERS} subscribers, ${RATE} pub/s for ${SECONDS}s`);
  results.push(await runOnce(format));
}
const header = `Fan-out, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}; ${SUBSCRIBERS} subscribers, ${RATE} publications/s for ${SECONDS} s, server pinned to CPU 0`;
const table = [
  '| format | delivered/expected | delivered msg/s | msg per server CPU-s | p50 ms | p99 ms | server RSS MiB |',
  '|---|---|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${r.format} | ${r.delivered}/${r.expected} | ${r.deliveredPerSecond} | ${r.deliveredPerServerCpuSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.serverRssMiB} |`,
  ),
].join('\n');
const report = `${header}\n\n${table}\n\n\`\`\`json\n${JSON.stringify(results, null, 2)}\n\`\`\`\n`;
console.log(report);
if (values.out) writeFileSync(values.out, report);
