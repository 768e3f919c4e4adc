// Cross-node delivery with history on (scenario S4 of bench/README.md): subscribers on node B,
// publications through node A's HTTP API, both nodes on one nats-server (JetStream). The
// same load against a single node on the memory engine runs first, so the table shows what
// the cluster adds: throughput and p50/p99 publish-to-delivery latency.
//
//   node bench/cross-node.ts [--subscribers 500] [--rate 200] [--seconds 10] [--out file.md]
//
// Needs nats-server (scripts/ensure-nats.sh). Nothing is pinned: three server processes and
// the load generator share this machine's cores, so read the ratios, not the absolutes.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { startNatsServer } from '../test/nats/harness.ts';
import { connectSubscriber, publishLoop, type Subscriber } from './lib/load.ts';
import { cpuSeconds, type NodeProcess, percentile, startNodeProcess } from './lib/node-process.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '500' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
    sample: { type: 'string', default: '50' },
    out: { type: 'string' },
  },
});
const SUBSCRIBERS = Number(values.subscribers);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const SAMPLE = Number(values.sample);
const CHANNEL = 'bench:cross';

const COMMON = [
  '--client.allow_anonymous_connect_without_token',
  // no pings during a run (0s, as in Centrifugo, is refused: not above pong_timeout)
  '--client.ping_interval',
  '1h',
  '--channel.namespaces',
  JSON.stringify([
    {
      name: 'bench',
      allow_subscribe_for_client: true,
      allow_subscribe_for_anonymous: true,
      history_size: 100,
      history_ttl: '60s',
      force_recovery: true,
    },
  ]),
];

interface Row {
  setup: string;
  delivered: number;
  expected: number;
  deliveredPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuSeconds: number;
}

async function measure(
  setup: string,
  publisher: NodeProcess,
  subscriberNode: NodeProcess,
  pids: number[],
): Promise<Row> {
  const latencies: number[] = [];
  const subs: Subscriber[] = [];
  for (let i = 0; i < SUBSCRIBERS; i += 50) {
    subs.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(50, SUBSCRIBERS - i) }, (_, j) =>
          connectSubscriber(
            subscriberNode.httpPort,
            'json',
            CHANNEL,
            i + j < SAMPLE ? latencies : undefined,
          ),
        ),
      )),
    );
  }
  const cpuBefore = pids.reduce((n, pid) => n + cpuSeconds(pid), 0);
  const t0 = Date.now();
  const published = await publishLoop(publisher.httpPort, CHANNEL, RATE, SECONDS);
  const expected = published * SUBSCRIBERS;
  const total = () => subs.reduce((n, s) => n + s.received, 0);
  const deadline = Date.now() + 10_000;
  while (total() < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const elapsed = (Date.now() - t0) / 1000;
  const cpu = pids.reduce((n, pid) => n + cpuSeconds(pid), 0) - cpuBefore;
  for (const s of subs) s.ws.terminate();
  latencies.sort((a, b) => a - b);
  return {
    setup,
    delivered: total(),
    expected,
    deliveredPerSecond: Math.round(total() / elapsed),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    serverCpuSeconds: Number(cpu.toFixed(2)),
  };
}

const rows: Row[] = [];
console.error('cross-node: single node, memory engine');
{
  const single = await startNodeProcess(COMMON);
  try {
    rows.push(await measure('1 node, memory engine', single, single, [single.proc.pid as number]));
  } finally {
    await single.stop();
  }
}
console.error('cross-node: two nodes on NATS JetStream');
{
  const nats = await startNatsServer();
  const engine = [
    '--engine.type',
    'nats',
    '--engine.nats.urls',
    nats.url,
    '--engine.nats.prefix',
    `b${randomBytes(3).toString('hex')}`,
  ];
  const a = await startNodeProcess([...COMMON, ...engine]);
  const b = await startNodeProcess([...COMMON, ...engine]);
  try {
    const pids = [a.proc.pid, b.proc.pid, nats.pid].filter((p): p is number => p !== undefined);
    rows.push(await measure('2 nodes via NATS (publish on A, subscribers on B)', a, b, pids));
  } finally {
    await a.stop();
    await b.stop();
    await nats.stop();
  }
}

const [base, cluster] = rows as [Row, Row];
const header = `Cross-node, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}; ${SUBSCRIBERS} JSON subscribers, ${RATE} publications/s for ${SECONDS} s, history on (size 100, ttl 60s)`;
const table = [
  '| setup | delivered/expected | delivered msg/s | p50 ms | p99 ms | server CPU-s (all processes) |',
  '|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.setup} | ${r.delivered}/${r.expected} | ${r.deliveredPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.serverCpuSeconds} |`,
  ),
].join('\n');
const added = `Added by the cluster: p50 ${cluster.p50Ms - base.p50Ms} ms, p99 ${cluster.p99Ms - base.p99Ms} ms; throughput ratio ${(cluster.deliveredPerSecond / base.deliveredPerSecond).toFixed(2)}.`;
const report = `${header}\n\n${table}\n\n${added}\n\n\`\`\`json\n${JSON.stringify(rows, null, 2)}\n\`\`\`\n`;
console.log(report);
if (values.out) writeFileSync(values.out, report);
