// S3 server API publish, side by side: closed loop with 64 requests in flight, 128-byte
// payload, a channel without subscribers or history; HTTP single publish, HTTP batch (20
// publishes per /api/batch), and gRPC Publish (hand-framed over node:http2, one HTTP/2
// connection). Each server pinned to CPU 0, this load generator to CPU 1; the servers
// alternate round by round. HTTP is written by hand on 64 keep-alive sockets (`raw`), light
// enough that the server's core, not the generator's, is the limit; `--http-client node`
// uses node:http's client instead, which saturates its core first (the records before
// 2026-12-01 evening), so that the servers idle part of the time.
//
//   node bench/vs-api.ts [--seconds 8] [--rounds 3] [--concurrency 64] [--batch 20] [--warmup 5]
//     [--modes http,http-batch,grpc] [--http-client raw|node] [--a /path/to/before-tree]
//     [--node-flags="--flag ..."] [--no-wait] [--out file]
//
// With --a, the other server is not Centrifugo but centrifugo-ts from that tree (a before/
// after of a change, see ab-fanout.ts for how to make the tree): the "Centrifugo" column then
// holds the before figures, the ratio is after / before, and the result is named ab-api.
import { parseArgs } from 'node:util';
import {
  type ClosedLoopResult,
  closedLoop,
  DATA_128,
  httpPublisher,
  type Publisher,
  rawGrpcPublisher,
  rawHttpPublisher,
} from './lib/api-load.ts';
import {
  metric,
  newResult,
  prepare,
  RESULTS_DIR,
  SERVER_CPU,
  sleep,
  today,
  writeResult,
} from './lib/scenario.ts';
import { type BenchServer, machineBusySeconds, type ServerKind, startSide } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '64' },
    batch: { type: 'string', default: '20' },
    // Seconds of load per mode before measuring. A fresh node's first seconds run the hot path
    // before V8's optimizing tier has compiled it (2 s left round 1 about 15% low); a server
    // runs for days, and Go has no such phase, so 5 s compares the two as they run.
    warmup: { type: 'string', default: '5' },
    modes: { type: 'string', default: 'http,http-batch,grpc' },
    // node: node:http's client; raw: HTTP/1.1 by hand, light enough to keep a server core busy.
    'http-client': { type: 'string', default: 'raw' },
    a: { type: 'string' },
    // node flags for this tree's centrifugo-ts only (an A/B of a V8 setting: --a .)
    'node-flags': { type: 'string', default: '' },
    'no-wait': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const BEFORE_TREE = values.a;
const NODE_FLAGS = values['node-flags'].split(' ').filter(Boolean);
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);
const BATCH = Number(values.batch);
const WARMUP = Number(values.warmup);
const CHANNEL = 'bench';
const ALL_MODES = ['http', 'http-batch', 'grpc'] as const;
type Mode = (typeof ALL_MODES)[number];
const MODES = values.modes.split(',') as Mode[];
for (const m of MODES) if (!ALL_MODES.includes(m)) throw new Error(`unknown mode ${m}`);

const publishCommand = { channel: CHANNEL, data: JSON.parse(DATA_128) };
const single = JSON.stringify(publishCommand);
const batch = JSON.stringify({
  commands: Array.from({ length: BATCH }, () => ({ publish: publishCommand })),
});

const HTTP_CLIENT = values['http-client'];
if (HTTP_CLIENT !== 'node' && HTTP_CLIENT !== 'raw') throw new Error('--http-client node|raw');
const http = HTTP_CLIENT === 'raw' ? rawHttpPublisher : httpPublisher;

function publisher(server: BenchServer, mode: Mode): Publisher {
  if (mode === 'http') return http(server.httpPort, single, { concurrency: CONCURRENCY });
  if (mode === 'http-batch') {
    return http(server.httpPort, batch, { path: '/api/batch', concurrency: CONCURRENCY });
  }
  return rawGrpcPublisher(server.grpcPort, CHANNEL);
}

interface Row extends ClosedLoopResult {
  kind: ServerKind;
  mode: Mode;
  round: number;
  /** Publications per second (requests × BATCH for http-batch). */
  publishesPerSecond: number;
  publishesPerServerCpuSecond: number;
  /** CPU share of other processes on the machine during the run (interference). */
  otherCores: number;
}

async function runServer(kind: ServerKind, round: number): Promise<Row[]> {
  const server = await startSide(
    kind,
    { cpu: SERVER_CPU, grpc: true, nodeFlags: NODE_FLAGS },
    BEFORE_TREE,
  );
  const rows: Row[] = [];
  try {
    for (const mode of MODES) {
      const p = publisher(server, mode);
      try {
        await closedLoop(p.publish, WARMUP, CONCURRENCY, server.cpuSeconds);
        // The machine is shared: a run during which other processes took a quarter of a
        // core or more is measured again (twice at most).
        let r: ClosedLoopResult;
        let busy: number;
        for (let attempt = 0; ; attempt++) {
          const busy0 = machineBusySeconds();
          r = await closedLoop(p.publish, SECONDS, CONCURRENCY, server.cpuSeconds);
          busy = machineBusySeconds() - busy0;
          const other = (busy - r.serverCpu - r.loadgenCpu) / r.seconds;
          if (other < 0.25 || attempt === 2) break;
          console.error(`  other processes used ${other.toFixed(2)} cores: measuring again`);
          await sleep(2000);
        }
        const per = mode === 'http-batch' ? BATCH : 1;
        const row: Row = {
          kind,
          mode,
          round,
          ...r,
          publishesPerSecond: Math.round(r.rate * per),
          publishesPerServerCpuSecond: Math.round((r.count * per) / Math.max(r.serverCpu, 0.01)),
          otherCores: Number(((busy - r.serverCpu - r.loadgenCpu) / r.seconds).toFixed(2)),
        };
        rows.push(row);
        console.error(
          `  round ${round} ${kind} ${mode}: ${row.publishesPerSecond} publish/s, p99 ${r.p99.toFixed(2)} ms, ${row.publishesPerServerCpuSecond} per server CPU-s, server ${(r.serverCpu / r.seconds).toFixed(2)} cores, load generator ${(r.loadgenCpu / r.seconds).toFixed(2)} cores, others ${row.otherCores} cores`,
        );
      } finally {
        p.close();
      }
      await sleep(300);
    }
  } finally {
    await server.stop();
  }
  return rows;
}

const { placement, loadBefore } = await prepare({ wait: !values['no-wait'] });
const result = newResult(
  'S3',
  'server API publish (HTTP single, HTTP batch, gRPC)',
  `node bench/vs-api.ts --seconds ${SECONDS} --rounds ${ROUNDS} --concurrency ${CONCURRENCY} --batch ${BATCH} --warmup ${WARMUP} --modes ${MODES.join(',')}${HTTP_CLIENT === 'node' ? ' --http-client node' : ''}${BEFORE_TREE ? ` --a ${BEFORE_TREE}` : ''}${NODE_FLAGS.length ? ` --node-flags="${NODE_FLAGS.join(' ')}"` : ''}`,
  placement,
  loadBefore,
  {
    seconds: SECONDS,
    rounds: ROUNDS,
    concurrency: CONCURRENCY,
    batch: BATCH,
    payloadBytes: 128,
    channel: 'no subscribers, no history',
  },
);
const rows: Row[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const order: ServerKind[] =
    round % 2 === 1 ? ['centrifugo-ts', 'centrifugo'] : ['centrifugo', 'centrifugo-ts'];
  for (const kind of order) rows.push(...(await runServer(kind, round)));
}
result.runs = rows;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const agg = (kind: ServerKind, mode: Mode) => {
  const rs = rows.filter((r) => r.kind === kind && r.mode === mode);
  return {
    rate: mean(rs.map((r) => r.publishesPerSecond)),
    perCpu: mean(rs.map((r) => r.publishesPerServerCpuSecond)),
    p99: mean(rs.map((r) => r.p99)),
    serverCores: mean(rs.map((r) => r.serverCpu / r.seconds)),
    loadgenCores: mean(rs.map((r) => r.loadgenCpu / r.seconds)),
  };
};
const labels: Record<Mode, string> = {
  http: 'HTTP /api/publish',
  'http-batch': `HTTP /api/batch (${BATCH} publishes)`,
  grpc: 'gRPC Publish',
};
for (const mode of MODES) {
  const t = agg('centrifugo-ts', mode);
  const c = agg('centrifugo', mode);
  result.metrics.push(
    metric(
      `${labels[mode]}: publishes per server CPU-second`,
      'pub/CPU-s',
      'higher',
      Math.round(t.perCpu),
      Math.round(c.perCpu),
      { headline: true },
    ),
    metric(
      `${labels[mode]}: publishes/s`,
      'pub/s',
      'higher',
      Math.round(t.rate),
      Math.round(c.rate),
    ),
    metric(
      `${labels[mode]}: p99`,
      'ms',
      'lower',
      Number(t.p99.toFixed(2)),
      Number(c.p99.toFixed(2)),
    ),
  );
  if (Math.max(t.loadgenCores, c.loadgenCores) > 0.9) {
    result.notes.push(
      `${labels[mode]}: the load generator used ${t.loadgenCores.toFixed(2)} / ${c.loadgenCores.toFixed(2)} of its core (ts / Centrifugo runs), servers ${t.serverCores.toFixed(2)} / ${c.serverCores.toFixed(2)}: where the server is below 1 core, the rate is bounded by the generator and only the per-CPU-second figure compares the servers.`,
    );
  }
}
const others = rows.map((r) => r.otherCores);
result.notes.push(
  `Other processes on the machine used ${Math.min(...others).toFixed(2)}–${Math.max(...others).toFixed(2)} cores during the recorded runs (the machine is shared; a run with 0.25 or more is measured again, twice at most).`,
  `Means over ${ROUNDS} rounds of ${SECONDS} s (after ${WARMUP} s warm-up per mode), servers alternating first.`,
);
if (BEFORE_TREE) {
  result.notes.push(
    `Before/after: the "Centrifugo" column is centrifugo-ts from ${BEFORE_TREE} (before), the ratio is after / before.`,
  );
}
// Named apart from the vs-* records, which vs-report.ts gathers as the side-by-side results.
writeResult(
  result,
  'api',
  values.out ?? (BEFORE_TREE ? `${RESULTS_DIR}/${today()}-ab-api` : undefined),
);
