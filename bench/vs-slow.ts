// S6 slow consumers, side by side: H healthy JSON subscribers and S subscribers that stop
// reading once subscribed, on one channel, with publications of `size` bytes at `rate`/s
// through the HTTP API. Phase A measures the healthy clients alone; phase B adds the slow
// ones; a control run per server has none in B. Per server: healthy p99 with and without
// slow clients, how many slow clients the server cut (its client count, from /api/info)
// and when, the close codes they got, and server RSS growth beyond the control's.
//
//   node bench/vs-slow.ts [--healthy 200] [--slow 10] [--rate 250] [--size 2000]
//     [--baseline-seconds 10] [--seconds 30] [--rounds 1] [--no-wait] [--out file]
//     (about 4 min a round)
//
// With --rounds N each server's control and slow runs repeat N times, which server goes
// first alternating; each figure is the median of the rounds' (the note lists their ratios).
//
// A slow client first fills the kernel's socket buffers (several MB on loopback), then the
// server's queue (client.queue_max_size, 1 MB default on both), so cutting takes a while.
import { parseArgs } from 'node:util';
import {
  apiPost,
  closeApiAgents,
  connectMany,
  connectSubscriber,
  publishLoop,
  type Subscriber,
  totalReceived,
} from './lib/load.ts';
import { percentile } from './lib/node-process.ts';
import {
  alternating,
  eachRound,
  type Metric,
  medianOfRounds,
  metric,
  newResult,
  prepare,
  SERVER_CPU,
  sleep,
  writeResult,
} from './lib/scenario.ts';
import { type BenchServer, type ServerKind, startServer } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    healthy: { type: 'string', default: '200' },
    slow: { type: 'string', default: '10' },
    rate: { type: 'string', default: '250' },
    size: { type: 'string', default: '2000' },
    'baseline-seconds': { type: 'string', default: '10' },
    seconds: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '1' },
    'no-wait': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const HEALTHY = Number(values.healthy);
const SLOW = Number(values.slow);
const RATE = Number(values.rate);
const SIZE = Number(values.size);
const BASE = Number(values['baseline-seconds']);
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CHANNEL = 'slow';

interface Phase {
  p50Ms: number;
  p99Ms: number;
  delivered: number;
  expected: number;
}

interface Run {
  kind: ServerKind;
  baseline: Phase;
  withSlow: Phase;
  slowCut: number;
  /** Seconds from the start of phase B until each slow client was gone from /api/info. */
  cutAfterSeconds: number[];
  slowCloseCodes: Record<string, number>;
  healthyClosed: number;
  rssBaselineMiB: number;
  rssPeakMiB: number;
  rssEndMiB: number;
}

async function numClients(server: BenchServer): Promise<number> {
  const text = await apiPost(server.httpPort, '/api/info', '{}');
  const info = JSON.parse(text) as { result: { nodes: { num_clients: number }[] } };
  return info.result.nodes.reduce((n, node) => n + node.num_clients, 0);
}

async function phase(
  server: BenchServer,
  healthy: Subscriber[],
  latencies: number[],
  seconds: number,
): Promise<Phase> {
  latencies.length = 0;
  const r0 = totalReceived(healthy);
  const published = await publishLoop(server.httpPort, CHANNEL, RATE, seconds, SIZE);
  const expected = published * healthy.length;
  const deadline = Date.now() + 3000;
  while (totalReceived(healthy) - r0 < expected && Date.now() < deadline) await sleep(10);
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    delivered: totalReceived(healthy) - r0,
    expected,
  };
}

async function runServer(kind: ServerKind, slowCount: number): Promise<Run> {
  const server = await startServer(kind, { cpu: SERVER_CPU });
  const slow: Subscriber[] = [];
  let healthy: Subscriber[] = [];
  try {
    const latencies: number[] = [];
    healthy = await connectMany(server.httpPort, 'json', CHANNEL, HEALTHY, {
      sample: 50,
      latencies,
    });
    await publishLoop(server.httpPort, CHANNEL, RATE, 2, SIZE);
    await sleep(500);
    const baseline = await phase(server, healthy, latencies, BASE);
    // Baseline memory: after phase A, i.e. with this load running, before any slow client.
    const rssBaseline = server.rssBytes();
    for (let i = 0; i < slowCount; i++) {
      slow.push(await connectSubscriber(server.httpPort, 'json', CHANNEL, { stopReading: true }));
    }
    // Centrifugo's /api/info counts lag by up to 3 s (node info is refreshed every 3 s):
    // wait until the slow clients show, so that their leaving shows too.
    let before = await numClients(server);
    for (let i = 0; i < 40 && before < HEALTHY + slowCount; i++) {
      await sleep(250);
      before = await numClients(server);
    }
    let peak = server.rssBytes();
    const cutAt: number[] = [];
    const t0 = Date.now();
    let lastCount = before;
    const watcher = setInterval(() => {
      peak = Math.max(peak, server.rssBytes());
      numClients(server).then(
        (n) => {
          for (let k = n; k < lastCount; k++) cutAt.push((Date.now() - t0) / 1000);
          lastCount = Math.min(lastCount, n);
        },
        () => {},
      );
    }, 250);
    const withSlow = await phase(server, healthy, latencies, SECONDS);
    clearInterval(watcher);
    await sleep(300);
    const rssEnd = server.rssBytes();
    // Read what the slow clients were sent, to see how they were closed.
    for (const s of slow) {
      (s.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    }
    await sleep(2000);
    const codes: Record<string, number> = {};
    for (const s of slow) {
      const code = String(s.closeCode ?? 'open');
      codes[code] = (codes[code] ?? 0) + 1;
    }
    const run: Run = {
      kind,
      baseline,
      withSlow,
      slowCut: Math.min(slowCount, cutAt.length),
      cutAfterSeconds: cutAt.map((t) => Number(t.toFixed(2))),
      slowCloseCodes: codes,
      healthyClosed: healthy.filter((s) => s.closeCode !== undefined).length,
      rssBaselineMiB: Math.round(rssBaseline / 2 ** 20),
      rssPeakMiB: Math.round(peak / 2 ** 20),
      rssEndMiB: Math.round(rssEnd / 2 ** 20),
    };
    console.error(`  ${JSON.stringify(run)}`);
    return run;
  } finally {
    for (const s of [...healthy, ...slow]) s.ws.terminate();
    closeApiAgents();
    await server.stop();
  }
}

const { placement, loadBefore } = await prepare({ wait: !values['no-wait'] });
const result = newResult(
  'S6',
  `slow consumers (${HEALTHY} healthy + ${SLOW} that stop reading; ${SIZE} B at ${RATE}/s)`,
  `node bench/vs-slow.ts --healthy ${HEALTHY} --slow ${SLOW} --rate ${RATE} --size ${SIZE} --baseline-seconds ${BASE} --seconds ${SECONDS} --rounds ${ROUNDS}`,
  placement,
  loadBefore,
  {
    healthy: HEALTHY,
    slow: SLOW,
    rate: RATE,
    payloadBytes: SIZE,
    baselineSeconds: BASE,
    seconds: SECONDS,
    queueMaxSize: 1048576,
    rounds: ROUNDS,
  },
);
// Each server twice per round: a control run whose phase B has no slow clients (the same
// load for the same time: what the heap does anyway), then the run with them.
interface Round {
  tsControl: Run;
  cControl: Run;
  ts: Run;
  c: Run;
}
const rounds: Round[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const got = new Map<string, Run>();
  for (const kind of alternating<ServerKind>(round, ['centrifugo-ts', 'centrifugo'])) {
    console.error(`S6 round ${round + 1}/${ROUNDS} ${kind}`);
    got.set(`${kind} control`, await runServer(kind, 0));
    got.set(kind, await runServer(kind, SLOW));
  }
  rounds.push({
    tsControl: got.get('centrifugo-ts control') as Run,
    cControl: got.get('centrifugo control') as Run,
    ts: got.get('centrifugo-ts') as Run,
    c: got.get('centrifugo') as Run,
  });
}
result.runs = rounds.flatMap((r) => [r.tsControl, r.cControl, r.ts, r.c]);
const growth = (r: Run) => r.rssPeakMiB - r.rssBaselineMiB;
const p99Change = (r: Run, control: Run) => r.withSlow.p99Ms / Math.max(1, control.withSlow.p99Ms);
const roundMetrics = ({ tsControl, cControl, ts, c }: Round): Metric[] => [
  metric('healthy p99 with slow consumers', 'ms', 'lower', ts.withSlow.p99Ms, c.withSlow.p99Ms, {
    headline: true,
  }),
  metric(
    'healthy p99 in the control run (no slow consumers)',
    'ms',
    'lower',
    tsControl.withSlow.p99Ms,
    cControl.withSlow.p99Ms,
  ),
  metric(
    'healthy p99 change (with / control)',
    '×',
    'lower',
    Number(p99Change(ts, tsControl).toFixed(2)),
    Number(p99Change(c, cControl).toFixed(2)),
  ),
  metric(`slow clients cut within ${SECONDS} s`, `of ${SLOW}`, 'higher', ts.slowCut, c.slowCut),
  metric(
    'server RSS growth due to slow consumers (growth with − growth in control)',
    'MiB',
    'lower',
    growth(ts) - growth(tsControl),
    growth(c) - growth(cControl),
    { note: 'a difference of a few MiB is noise' },
  ),
  metric(
    'server RSS growth with slow consumers (peak − baseline)',
    'MiB',
    'lower',
    growth(ts),
    growth(c),
  ),
  metric(
    'server RSS growth in the control run',
    'MiB',
    'lower',
    growth(tsControl),
    growth(cControl),
  ),
  metric('server peak RSS with slow consumers', 'MiB', 'lower', ts.rssPeakMiB, c.rssPeakMiB, {
    headline: true,
  }),
];
result.metrics.push(...medianOfRounds(rounds.map(roundMetrics)));
const cutText = (r: Run) =>
  r.cutAfterSeconds.length
    ? `${r.cutAfterSeconds[0]}–${r.cutAfterSeconds[r.cutAfterSeconds.length - 1]} s`
    : 'none';
const perRound = (f: (r: Round) => string) => eachRound(rounds, f);
result.notes.push(
  `Slow clients cut after: ${perRound(({ ts, c }) => `centrifugo-ts ${cutText(ts)}, Centrifugo ${cutText(c)}`)} (from the start of phase B, polled every 250 ms via /api/info; Centrifugo's counts there lag by up to 3 s).`,
  'RSS growth = peak RSS during phase B − RSS at the end of phase A (the same load without slow clients); the control run shows how much RSS grows over phase B without any slow client (V8 / Go heap sizing under load), so the difference is what the slow clients cost.',
  `Close codes the slow clients read once resumed: ${perRound(({ ts, c }) => `centrifugo-ts ${JSON.stringify(ts.slowCloseCodes)}, Centrifugo ${JSON.stringify(c.slowCloseCodes)}`)} (3008 = slow; 1006 = connection dropped without a close frame).`,
  `Healthy deliveries with slow consumers: ${perRound(({ ts, c }) => `centrifugo-ts ${ts.withSlow.delivered}/${ts.withSlow.expected}, Centrifugo ${c.withSlow.delivered}/${c.withSlow.expected}; healthy clients closed: ${ts.healthyClosed} / ${c.healthyClosed}`)}.`,
  `Each figure is the median of ${ROUNDS} round(s), the servers alternating first.`,
);
writeResult(result, 'slow', values.out);
