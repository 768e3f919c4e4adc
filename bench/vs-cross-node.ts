// S4 two nodes through NATS, side by side, on what both can do: Centrifugo's NATS broker is
// core NATS, at most once, without history, so the channel here has no history on either
// server (centrifugo-ts's NATS engine then publishes on core NATS too). Subscribers on node
// B, publications through node A's HTTP API; the same load against a single node first, so
// each server's own added latency shows. Both nodes pinned to CPU 0; nats-server and this
// load generator on CPU 1. centrifugo-ts with history on is measured as well, as its own row
// (Centrifugo has nothing to compare it with on NATS; bench/cross-node.ts has more of it).
//
//   node bench/vs-cross-node.ts [--subscribers 500] [--rate 200] [--seconds 8]
//     [--rounds 1] [--kinds centrifugo-ts,centrifugo] [--node-flags="--cpu-prof ..."]
//     [--no-wait] [--out file]
//
// With --rounds N both servers run N times, which goes first alternating; each figure is
// the median of the rounds' (the note lists every round's ratio).
//
// --node-flags go to centrifugo-ts's nodes only (a profile: --kinds centrifugo-ts
// --node-flags="--cpu-prof --cpu-prof-dir /tmp/prof"; one profile per node).
// Needs nats-server (. scripts/ensure-nats.sh).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startNatsServer } from '../test/nats/harness.ts';
import { closeApiAgents, connectMany, publishLoop, totalReceived } from './lib/load.ts';
import { percentile } from './lib/node-process.ts';
import {
  alternating,
  eachRound,
  LOADGEN_CPU,
  type Metric,
  medianOfRounds,
  metric,
  newResult,
  prepare,
  SERVER_CPU,
  sleep,
  writeResult,
} from './lib/scenario.ts';
import { type BenchServer, hasTaskset, type ServerKind, startServer } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '500' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '1' },
    kinds: { type: 'string', default: 'centrifugo-ts,centrifugo' },
    'node-flags': { type: 'string', default: '' },
    'no-wait': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const KINDS = values.kinds.split(',') as ServerKind[];
const NODE_FLAGS = values['node-flags'].split(' ').filter(Boolean);
const SUBSCRIBERS = Number(values.subscribers);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const HISTORY_NS = [
  {
    name: 'hist',
    allow_subscribe_for_client: true,
    allow_subscribe_for_anonymous: true,
    history_size: 100,
    history_ttl: '60s',
    force_recovery: true,
  },
];

interface Row {
  round: number;
  kind: ServerKind;
  setup: 'single' | 'cluster' | 'cluster-history';
  delivered: number;
  expected: number;
  deliveredPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  nodesCpuSeconds: number;
  natsCpuSeconds: number;
  deliveredPerNodesCpuSecond: number;
}

async function measure(
  round: number,
  kind: ServerKind,
  setup: Row['setup'],
  publisher: BenchServer,
  subscriberNode: BenchServer,
  natsCpu: () => number,
  channel: string,
): Promise<Row> {
  const latencies: number[] = [];
  const subs = await connectMany(subscriberNode.httpPort, 'json', channel, SUBSCRIBERS, {
    sample: 50,
    latencies,
  });
  // Warm-up, then measure.
  await publishLoop(publisher.httpPort, channel, RATE, 2);
  await sleep(500);
  latencies.length = 0;
  const nodes = publisher === subscriberNode ? [publisher] : [publisher, subscriberNode];
  const cpu = () => nodes.reduce((n, s) => n + s.cpuSeconds(), 0);
  const r0 = totalReceived(subs);
  const c0 = cpu();
  const n0 = natsCpu();
  const t0 = Date.now();
  const published = await publishLoop(publisher.httpPort, channel, RATE, SECONDS);
  const expected = published * SUBSCRIBERS;
  const deadline = Date.now() + 5000;
  while (totalReceived(subs) - r0 < expected && Date.now() < deadline) await sleep(10);
  const elapsed = (Date.now() - t0) / 1000;
  const nodesCpu = cpu() - c0;
  const delivered = totalReceived(subs) - r0;
  for (const s of subs) s.ws.terminate();
  latencies.sort((a, b) => a - b);
  const row: Row = {
    round,
    kind,
    setup,
    delivered,
    expected,
    deliveredPerSecond: Math.round(delivered / elapsed),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    nodesCpuSeconds: Number(nodesCpu.toFixed(2)),
    natsCpuSeconds: Number((natsCpu() - n0).toFixed(2)),
    deliveredPerNodesCpuSecond: Math.round(delivered / Math.max(nodesCpu, 0.01)),
  };
  console.error(`  ${JSON.stringify(row)}`);
  return row;
}

async function runKind(round: number, kind: ServerKind): Promise<Row[]> {
  const rows: Row[] = [];
  {
    const single = await startServer(kind, { cpu: SERVER_CPU, nodeFlags: NODE_FLAGS });
    try {
      rows.push(await measure(round, kind, 'single', single, single, () => 0, 'bench'));
    } finally {
      closeApiAgents();
      await single.stop();
    }
  }
  const nats = await startNatsServer();
  const natsPid = nats.pid as number;
  if (hasTaskset()) {
    execFileSync('taskset', ['-a', '-p', '-c', String(LOADGEN_CPU), String(natsPid)], {
      stdio: 'ignore',
    });
  }
  const { cpuSeconds } = await import('./lib/node-process.ts');
  const natsCpu = () => cpuSeconds(natsPid);
  const opts = {
    cpu: SERVER_CPU,
    nats: { url: nats.url, prefix: `b${randomBytes(3).toString('hex')}` },
    namespaces: HISTORY_NS,
    nodeFlags: NODE_FLAGS,
  };
  const a = await startServer(kind, opts);
  const b = await startServer(kind, opts);
  try {
    await sleep(1000);
    rows.push(await measure(round, kind, 'cluster', a, b, natsCpu, 'bench'));
    if (kind === 'centrifugo-ts') {
      rows.push(await measure(round, kind, 'cluster-history', a, b, natsCpu, 'hist:bench'));
    }
  } finally {
    closeApiAgents();
    await a.stop();
    await b.stop();
    await nats.stop();
  }
  return rows;
}

const { placement, loadBefore } = await prepare({ wait: !values['no-wait'] });
const result = newResult(
  'S4',
  `two nodes through one nats-server (${SUBSCRIBERS} subscribers on B, ${RATE} pub/s on A, no history)`,
  `node bench/vs-cross-node.ts --subscribers ${SUBSCRIBERS} --rate ${RATE} --seconds ${SECONDS} --rounds ${ROUNDS}`,
  placement
    .replace('server pinned', 'both nodes pinned')
    .replace('load generator pinned', 'nats-server and load generator pinned'),
  loadBefore,
  {
    subscribers: SUBSCRIBERS,
    rate: RATE,
    seconds: SECONDS,
    history: 'off (Centrifugo NATS broker has none)',
    rounds: ROUNDS,
  },
);
const rows: Row[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const order = alternating<ServerKind>(round, ['centrifugo-ts', 'centrifugo']);
  for (const kind of order.filter((k) => KINDS.includes(k))) {
    console.error(`S4 round ${round + 1}/${ROUNDS} ${kind}`);
    rows.push(...(await runKind(round, kind)));
  }
}
if (KINDS.length < 2) {
  // A profile run of one server: its rows are above, there is nothing to compare.
  process.exit(0);
}
result.runs = rows;
const get = (round: number, kind: ServerKind, setup: Row['setup']) =>
  rows.find((r) => r.round === round && r.kind === kind && r.setup === setup) as Row;
function roundMetrics(round: number): Metric[] {
  const [ts1, tsC, tsH, c1, cC] = [
    get(round, 'centrifugo-ts', 'single'),
    get(round, 'centrifugo-ts', 'cluster'),
    get(round, 'centrifugo-ts', 'cluster-history'),
    get(round, 'centrifugo', 'single'),
    get(round, 'centrifugo', 'cluster'),
  ];
  return [
    metric(
      'cross-node delivered msg per nodes CPU-second',
      'msg/CPU-s',
      'higher',
      tsC.deliveredPerNodesCpuSecond,
      cC.deliveredPerNodesCpuSecond,
      { headline: true },
    ),
    // The issue's S4 goal is with history on; Centrifugo's NATS broker keeps none, so its
    // figure here is the one without (the nearest it has).
    metric(
      'cross-node delivered msg per nodes CPU-second, centrifugo-ts with history (JetStream) / Centrifugo without',
      'msg/CPU-s',
      'higher',
      tsH.deliveredPerNodesCpuSecond,
      cC.deliveredPerNodesCpuSecond,
      { headline: true },
    ),
    metric(
      'cross-node delivered msg/s',
      'msg/s',
      'higher',
      tsC.deliveredPerSecond,
      cC.deliveredPerSecond,
    ),
    metric('cross-node p99', 'ms', 'lower', tsC.p99Ms, cC.p99Ms),
    metric(
      'p99 added by the cluster (cross-node − single node)',
      'ms',
      'lower',
      tsC.p99Ms - ts1.p99Ms,
      cC.p99Ms - c1.p99Ms,
    ),
    metric(
      'nats-server CPU during the run',
      'CPU-s',
      'lower',
      tsC.natsCpuSeconds,
      cC.natsCpuSeconds,
    ),
  ];
}
result.metrics.push(
  ...medianOfRounds(Array.from({ length: ROUNDS }, (_, round) => roundMetrics(round))),
);
const roundIndexes = Array.from({ length: ROUNDS }, (_, i) => i);
const perRound = (f: (round: number) => string) => eachRound(roundIndexes, f);
result.notes.push(
  `Delivered/expected: ${perRound((i) => {
    const [ts1, tsC, c1, cC] = [
      get(i, 'centrifugo-ts', 'single'),
      get(i, 'centrifugo-ts', 'cluster'),
      get(i, 'centrifugo', 'single'),
      get(i, 'centrifugo', 'cluster'),
    ];
    return `cross-node centrifugo-ts ${tsC.delivered}/${tsC.expected}, Centrifugo ${cC.delivered}/${cC.expected}; single node ${ts1.delivered}/${ts1.expected}, ${c1.delivered}/${c1.expected}`;
  })}.`,
  `centrifugo-ts with history on (JetStream, size 100): ${perRound((i) => {
    const h = get(i, 'centrifugo-ts', 'cluster-history');
    return `${h.deliveredPerSecond} msg/s, p50 ${h.p50Ms} ms, p99 ${h.p99Ms} ms, ${h.deliveredPerNodesCpuSecond} msg per nodes CPU-s, nats-server ${h.natsCpuSeconds} CPU-s`;
  })} — no Centrifugo counterpart on NATS (its NATS broker keeps no history).`,
  'Both nodes share CPU 0, so "per nodes CPU-second" adds both nodes\' CPU time.',
  `Each figure is the median of ${ROUNDS} round(s), the servers alternating first.`,
);
writeResult(result, 'cross-node', values.out);
