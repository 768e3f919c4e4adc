// Fan-out (scenario S2 of bench/README.md): one channel, N subscribers, a steady publish
// rate through the HTTP API; counts deliveries per second and publish-to-delivery latency,
// for JSON and Protobuf connections in the same run. The node runs as its own process pinned to CPU 0
// (taskset), this load generator on the rest.
//
//   node bench/fanout.ts [--subscribers 1000] [--rate 100] [--seconds 10] [--out file.md]
//
// Latency is measured on a sample of subscribers (payloads carry the send time); every
// subscriber counts its messages without parsing them.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { connectSubscriber, type Format, publishLoop, type Subscriber } from './lib/load.ts';
import {
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
      // no pings during a run (0s, as in Centrifugo, is refused: not above pong_timeout)
      '--client.ping_interval',
      '1h',
    ],
    0,
  );
  try {
    const latencies: number[] = [];
    const subs: Subscriber[] = [];
    for (let i = 0; i < SUBSCRIBERS; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, SUBSCRIBERS - i) }, (_, j) =>
          connectSubscriber(node.httpPort, format, CHANNEL, i + j < SAMPLE ? latencies : undefined),
        ),
      );
      subs.push(...batch);
    }
    const pid = node.proc.pid as number;
    const cpuBefore = cpuSeconds(pid);
    const t0 = Date.now();
    const published = await publishLoop(node.httpPort, CHANNEL, RATE, SECONDS);
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
