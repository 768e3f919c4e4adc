// S5 reconnect storm with recovery, side by side: N JSON subscribers on a channel with
// history (size 100, ttl 300 s, force_recovery), all dropped at once (the load generator
// terminates every socket), 50 publications while they are away, then all reconnect within
// one second asking to recover from their last offset and epoch. Per server: time until
// 99% (and 100%) are back with recovered:true and all 50 missed publications, the share
// recovered, server CPU during the storm and peak RSS.
//
//   node bench/vs-reconnect.ts [--subscribers 5000] [--missed 50] [--spread-ms 1000]
//     [--rounds 3] [--kinds centrifugo-ts,centrifugo] [--node-flags="--cpu-prof ..."]
//     [--a /path/to/before-tree] [--no-wait] [--out file]
//
// With --a, the "Centrifugo" side is centrifugo-ts from that tree (a before/after of a
// change; the ratio is after / before), as in vs-api.ts.
// --node-flags go to centrifugo-ts's node only (a profile of the storm: --kinds
// centrifugo-ts --rounds 1 --node-flags="--cpu-prof --cpu-prof-dir /tmp/prof").
import { parseArgs } from 'node:util';
import {
  apiPost,
  closeApiAgents,
  connectSubscriber,
  publishBody,
  type Subscriber,
} from './lib/load.ts';
import { percentile } from './lib/node-process.ts';
import { metric, newResult, prepare, SERVER_CPU, sleep, writeResult } from './lib/scenario.ts';
import { type ServerKind, startSide } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '5000' },
    missed: { type: 'string', default: '50' },
    'spread-ms': { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    kinds: { type: 'string', default: 'centrifugo-ts,centrifugo' },
    'node-flags': { type: 'string', default: '' },
    a: { type: 'string' },
    'no-wait': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const N = Number(values.subscribers);
const MISSED = Number(values.missed);
const SPREAD = Number(values['spread-ms']);
const ROUNDS = Number(values.rounds);
const KINDS = values.kinds.split(',');
const CHANNEL = 'rec:storm';
const NAMESPACES = [
  {
    name: 'rec',
    allow_subscribe_for_client: true,
    allow_subscribe_for_anonymous: true,
    history_size: 100,
    history_ttl: '300s',
    force_recovery: true,
  },
];

interface Run {
  kind: ServerKind;
  subscribers: number;
  recovered: number;
  recoveredPercent: number;
  notRecovered: number;
  failed: number;
  firstError: string | undefined;
  msTo50: number;
  msTo99: number;
  msTo100: number | null;
  /** Each client's own time from its reconnect attempt to recovered: p50 / p99. */
  perClientP50Ms: number;
  perClientP99Ms: number;
  stormCpuSeconds: number;
  rssBeforeMiB: number;
  peakRssMiB: number;
}

async function publishN(port: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await apiPost(port, '/api/publish', publishBody(CHANNEL, 100));
}

async function runServer(kind: ServerKind, sources: [string, string]): Promise<Run> {
  const server = await startSide(
    kind,
    {
      cpu: SERVER_CPU,
      namespaces: NAMESPACES,
      nodeFlags: values['node-flags'].split(' ').filter(Boolean),
    },
    values.a,
  );
  let subs: Subscriber[] = [];
  const second: Subscriber[] = [];
  try {
    for (let i = 0; i < N; i += 200) {
      subs.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(200, N - i) }, () =>
            connectSubscriber(server.httpPort, 'json', CHANNEL, {
              trackPosition: true,
              localAddress: sources[0],
            }),
          ),
        )),
      );
    }
    await publishN(server.httpPort, 5);
    const deadline = Date.now() + 10_000;
    while (subs.some((s) => s.received < 5) && Date.now() < deadline) await sleep(20);
    const positions = subs.map((s) => ({ offset: s.offset, epoch: s.epoch }));
    console.error(
      `  ${kind}: ${subs.length} subscribed at offset ${positions[0]?.offset} epoch ${positions[0]?.epoch}`,
    );
    // Drop everyone at once, publish what they will miss, then the storm.
    for (const s of subs) s.ws.terminate();
    subs = [];
    await sleep(1000);
    await publishN(server.httpPort, MISSED);
    const rssBefore = server.rssBytes();
    let peakRss = rssBefore;
    const rssTimer = setInterval(() => {
      peakRss = Math.max(peakRss, server.rssBytes());
    }, 100);
    const cpu0 = server.cpuSeconds();
    const t0 = Date.now();
    const done: number[] = [];
    const own: number[] = [];
    let failed = 0;
    let notRecovered = 0;
    let firstError: string | undefined;
    await Promise.all(
      positions.map(async (position, i) => {
        await sleep((i * SPREAD) / positions.length);
        const started = Date.now();
        try {
          const s = await connectSubscriber(server.httpPort, 'json', CHANNEL, {
            recover: position,
            localAddress: sources[1],
            timeoutMs: 60_000,
          });
          second.push(s);
          const reply = s.subscribeReply ?? {};
          const pubs = (reply.publications as unknown[] | undefined) ?? [];
          if (reply.recovered === true && pubs.length === MISSED) {
            done.push(Date.now() - t0);
            own.push(Date.now() - started);
          } else {
            notRecovered += 1;
            firstError ??= `recovered=${reply.recovered} publications=${pubs.length}`;
          }
        } catch (err) {
          failed += 1;
          firstError ??= (err as Error).message;
        }
      }),
    );
    const cpu = server.cpuSeconds() - cpu0;
    clearInterval(rssTimer);
    done.sort((a, b) => a - b);
    own.sort((a, b) => a - b);
    const at = (share: number) => {
      const need = Math.ceil(share * N);
      return done.length >= need ? (done[need - 1] as number) : Number.NaN;
    };
    const run: Run = {
      kind,
      subscribers: N,
      recovered: done.length,
      recoveredPercent: Number(((100 * done.length) / N).toFixed(2)),
      notRecovered,
      failed,
      firstError,
      msTo50: percentile(done, 50),
      msTo99: at(0.99),
      msTo100: done.length === N ? (done[N - 1] as number) : null,
      perClientP50Ms: percentile(own, 50),
      perClientP99Ms: percentile(own, 99),
      stormCpuSeconds: Number(cpu.toFixed(2)),
      rssBeforeMiB: Math.round(rssBefore / 2 ** 20),
      peakRssMiB: Math.round(peakRss / 2 ** 20),
    };
    console.error(`  ${JSON.stringify(run)}`);
    return run;
  } finally {
    for (const s of [...subs, ...second]) s.ws.terminate();
    closeApiAgents();
    await server.stop();
    await sleep(1000);
  }
}

const { placement, loadBefore } = await prepare({ wait: !values['no-wait'] });
const result = newResult(
  'S5',
  `reconnect storm with recovery (${N.toLocaleString('en-US')} subscribers, ${MISSED} missed)`,
  `node bench/vs-reconnect.ts --subscribers ${N} --missed ${MISSED} --spread-ms ${SPREAD} --rounds ${ROUNDS}${values.a ? ` --a ${values.a}` : ''}`,
  placement,
  loadBefore,
  { subscribers: N, missed: MISSED, reconnectSpreadMs: SPREAD, namespace: NAMESPACES[0] },
);
// Rounds alternate which server goes first; each round uses fresh source addresses, so
// earlier rounds' TIME_WAIT ports do not get in the way. Metrics are medians over rounds.
const runs: Run[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const order = (
    round % 2 === 0 ? ['centrifugo-ts', 'centrifugo'] : ['centrifugo', 'centrifugo-ts']
  ).filter((k) => KINDS.includes(k)) as ServerKind[];
  for (const [k, kind] of order.entries()) {
    const base = 10 + round * 4 + k * 2;
    runs.push(await runServer(kind, [`127.0.0.${base}`, `127.0.0.${base + 1}`]));
  }
}
result.runs = runs;
if (KINDS.length < 2) {
  // One server only (a profiling run): no side-by-side record to write.
  console.log(JSON.stringify(runs, null, 2));
  process.exit(0);
}
const med = (kind: ServerKind): Run => {
  const rs = runs.filter((r) => r.kind === kind);
  const m = (f: (r: Run) => number) => {
    const xs = rs.map(f).sort((x, y) => x - y);
    return xs[Math.floor((xs.length - 1) / 2)] as number;
  };
  return {
    ...(rs[0] as Run),
    recovered: m((r) => r.recovered),
    recoveredPercent: Math.min(...rs.map((r) => r.recoveredPercent)),
    notRecovered: rs.reduce((n, r) => n + r.notRecovered, 0),
    failed: rs.reduce((n, r) => n + r.failed, 0),
    firstError: rs.find((r) => r.firstError)?.firstError,
    msTo50: m((r) => r.msTo50),
    msTo99: m((r) => (Number.isNaN(r.msTo99) ? Number.POSITIVE_INFINITY : r.msTo99)),
    msTo100: rs.every((r) => r.msTo100 !== null) ? m((r) => r.msTo100 as number) : null,
    perClientP50Ms: m((r) => r.perClientP50Ms),
    perClientP99Ms: m((r) => r.perClientP99Ms),
    stormCpuSeconds: m((r) => r.stormCpuSeconds),
    rssBeforeMiB: m((r) => r.rssBeforeMiB),
    peakRssMiB: m((r) => r.peakRssMiB),
  };
};
const ts = med('centrifugo-ts');
const c = med('centrifugo');
result.metrics.push(
  metric('time until 99% recovered', 'ms', 'lower', ts.msTo99, c.msTo99, { headline: true }),
  metric('recovered', '%', 'higher', ts.recoveredPercent, c.recoveredPercent, { headline: true }),
  metric(
    'each client: reconnect to recovered, p99',
    'ms',
    'lower',
    ts.perClientP99Ms,
    c.perClientP99Ms,
    {
      headline: true,
    },
  ),
  metric(
    'each client: reconnect to recovered, p50',
    'ms',
    'lower',
    ts.perClientP50Ms,
    c.perClientP50Ms,
  ),
  metric('median time to recovered', 'ms', 'lower', ts.msTo50, c.msTo50),
  metric('server CPU during the storm', 'CPU-s', 'lower', ts.stormCpuSeconds, c.stormCpuSeconds),
  metric('peak server RSS during the storm', 'MiB', 'lower', ts.peakRssMiB, c.peakRssMiB),
);
result.notes.push(
  `Times from the first reconnect; the ${N} reconnects are spread evenly over ${SPREAD} ms. Time to 100%: centrifugo-ts ${ts.msTo100 ?? 'not reached'} ms, Centrifugo ${c.msTo100 ?? 'not reached'} ms.`,
  `Not recovered / failed: centrifugo-ts ${ts.notRecovered} / ${ts.failed}${ts.firstError ? ` (${ts.firstError})` : ''}; Centrifugo ${c.notRecovered} / ${c.failed}${c.firstError ? ` (${c.firstError})` : ''}.`,
  'Recovered = subscribe reply with recovered:true carrying all missed publications. Memory engine on both (single node).',
  `Medians over ${ROUNDS} rounds (servers alternating first); "recovered %" is the lowest round's; not recovered / failed are totals.`,
);
writeResult(result, 'reconnect', values.out);
