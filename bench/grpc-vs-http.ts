// Publish rate of the server API over gRPC beside HTTP, in one run against one node
// (scenario S4 of bench/README.md: 128-byte payload, a channel without subscribers or history, 64
// requests in flight, no pipelining). The node runs as its own process, as in production;
// this process only generates load. Runs alternate HTTP and gRPC so drift hits both.
//
//   node bench/grpc-vs-http.ts [--seconds 10] [--rounds 3] [--concurrency 64] [--out file.md]
//
// HTTP uses 64 keep-alive connections (one request each at a time); gRPC uses one HTTP/2
// channel with 64 calls in flight, which is how each is normally used. Only the ratio between
// the two is meaningful across machines; absolute figures on a 2-core box with the load
// generator beside the server mostly measure that box.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { credentials, loadPackageDefinition, Metadata } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  type ClosedLoopResult,
  closedLoop,
  DATA_128,
  httpPublisher,
  type Publish,
  rawGrpcPublisher,
} from './lib/api-load.ts';
import {
  BENCH_KEY,
  cpuSeconds,
  freePort,
  type NodeProcess,
  startNodeProcess,
} from './lib/node-process.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '64' },
    warmup: { type: 'string', default: '2' },
    out: { type: 'string' },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);
const WARMUP = Number(values.warmup);
const KEY = BENCH_KEY;
const CHANNEL = 'bench';
// 128 bytes of JSON, as in the perf suite.
const DATA = DATA_128;
if (Buffer.byteLength(DATA) !== 128) throw new Error('payload is not 128 bytes');

const ROOT = new URL('../', import.meta.url).pathname;

/** The node with the gRPC API on, through the shared bench launcher. */
async function startServer(): Promise<NodeProcess & { grpcPort: number }> {
  const grpcPort = await freePort();
  const node = await startNodeProcess([
    '--grpc_api.enabled',
    '--grpc_api.address',
    '127.0.0.1',
    '--grpc_api.port',
    String(grpcPort),
    '--grpc_api.key',
    KEY,
  ]);
  return { ...node, grpcPort };
}

function grpcPublisher(port: number): { publish: Publish; close(): void } {
  const def = loadSync('api.proto', {
    keepCase: true,
    longs: Number,
    includeDirs: [`${ROOT}proto`],
  });
  // biome-ignore lint/suspicious/noExplicitAny: generated client shape.
  const pkg = loadPackageDefinition(def) as any;
  const client = new pkg.centrifugal.centrifugo.api.CentrifugoApi(
    `127.0.0.1:${port}`,
    credentials.createInsecure(),
  );
  const md = new Metadata();
  md.set('authorization', `apikey ${KEY}`);
  const req = { channel: CHANNEL, data: Buffer.from(DATA) };
  const publish: Publish = () =>
    new Promise((resolve, reject) => {
      // biome-ignore lint/suspicious/noExplicitAny: generated client shape.
      client.Publish(req, md, (err: Error | null, res: any) => {
        if (err) reject(err);
        else if (res.error) reject(new Error(JSON.stringify(res.error)));
        else resolve();
      });
    });
  return { publish, close: () => client.close() };
}

interface RunResult extends ClosedLoopResult {
  transport: string;
}

async function run(
  transport: string,
  publish: Publish,
  seconds: number,
  pid: number,
): Promise<RunResult> {
  const r = await closedLoop(publish, seconds, CONCURRENCY, () => cpuSeconds(pid));
  return { transport, ...r };
}

const server = await startServer();
const pid = server.proc.pid as number;
const http = httpPublisher(
  server.httpPort,
  JSON.stringify({ channel: CHANNEL, data: JSON.parse(DATA) }),
  {
    concurrency: CONCURRENCY,
    expect: '{"result":{}}',
  },
);
const grpc = rawGrpcPublisher(server.grpcPort, CHANNEL, DATA);
const grpcJs = grpcPublisher(server.grpcPort);
const results: RunResult[] = [];
try {
  await run('http', http.publish, WARMUP, pid);
  await run('grpc', grpc.publish, WARMUP, pid);
  await run('grpc-js', grpcJs.publish, WARMUP, pid);
  for (let round = 0; round < ROUNDS; round++) {
    const order: Array<[string, Publish]> = [
      ['http', http.publish],
      ['grpc', grpc.publish],
      ['grpc-js', grpcJs.publish],
    ];
    if (round % 2 === 1) order.reverse();
    for (const [name, publish] of order) {
      const r = await run(name, publish, SECONDS, pid);
      results.push(r);
      console.error(
        `round ${round + 1} ${name}: ${r.rate.toFixed(0)} publish/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`,
      );
    }
  }
} finally {
  http.close();
  grpc.close();
  grpcJs.close();
  await server.stop();
}

const fmt = (n: number, d = 0) => n.toFixed(d);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const summary = (t: string) => {
  const rs = results.filter((r) => r.transport === t);
  return {
    rate: mean(rs.map((r) => r.rate)),
    p50: mean(rs.map((r) => r.p50)),
    p99: mean(rs.map((r) => r.p99)),
    perCpu: mean(rs.map((r) => r.count / r.serverCpu)),
    cpuShare: mean(rs.map((r) => r.serverCpu / r.seconds)),
  };
};
const h = summary('http');
const g = summary('grpc');
const gj = summary('grpc-js');
const cpu = cpus();
const row = (label: string, r: ReturnType<typeof summary>) =>
  `| ${label} | ${fmt(r.rate)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.perCpu)} | ${fmt(r.cpuShare, 2)} |`;
const lines = [
  `# Server API publish rate: gRPC beside HTTP (${new Date().toISOString().slice(0, 10)})`,
  '',
  `Command: \`node bench/grpc-vs-http.ts --seconds ${SECONDS} --rounds ${ROUNDS} --concurrency ${CONCURRENCY}\``,
  '',
  '| client → server API | publish/s | p50 ms | p99 ms | publishes per server CPU-second | server CPU (cores) |',
  '|---|---|---|---|---|---|',
  row('node:http keep-alive → HTTP `POST /api/publish`', h),
  row('node:http2, hand-framed → gRPC `Publish`', g),
  row('@grpc/grpc-js client → gRPC `Publish`', gj),
  '',
  `gRPC / HTTP (same light client kind): ${fmt(g.rate / h.rate, 2)}× the rate, ${fmt(g.perCpu / h.perCpu, 2)}× per server CPU-second.`,
  '',
  `Setup: ${CONCURRENCY} in flight, 128-byte JSON payload, channel without subscribers or history,`,
  `${ROUNDS} rounds × ${SECONDS} s per client (after ${WARMUP} s warm-up each), order alternating;`,
  `node ${process.version}, ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown'}), load generator and server`,
  'on the same machine (separate processes, unpinned).',
  '',
  'Runs:',
  '',
  ...results.map(
    (r, i) =>
      `- round ${Math.floor(i / 3) + 1}, ${r.transport}: ${fmt(r.rate)} publish/s, p50 ${fmt(r.p50, 2)} ms, p99 ${fmt(r.p99, 2)} ms, ${fmt(r.count / r.serverCpu)} per server CPU-second`,
  ),
];
console.log(lines.join('\n'));
if (values.out) {
  writeFileSync(values.out, `${lines.join('\n')}\n`);
  console.error(`written to ${values.out}`);
}
