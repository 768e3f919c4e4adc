// S2 fan-out, side by side: one channel, N subscribers (raw WebSockets, JSON then Protobuf),
// publications through the HTTP API at stepped rates until publish-to-delivery p99 passes
// 100 ms (or deliveries fall behind). centrifugo-ts and Centrifugo v6 run alternately in the
// same run with the same load generator; each server pinned to CPU 0, this process to CPU 1.
//
//   node bench/vs-fanout.ts [--subscribers 1000] [--rates 100,200,400,800,1600]
//     [--step-seconds 5] [--formats json,protobuf] [--rounds 1] [--whole-machine] [--no-wait]
//     [--out file]
//
// --whole-machine is S7: nothing pinned, Centrifugo on every core of the box (GOMAXPROCS =
// CPUs), centrifugo-ts as recommended for a box this size: one node, which leaves the other
// core to the kernel's network work and, here, to the load generator (a second node would
// take it from them: a node's JavaScript runs on one core, its sockets' kernel work does not).
// Reports per format: the highest delivered msg/s with p99 < 100 ms, and delivered messages
// per server CPU-second at the highest rate both servers sustained (the per-core figure).
// With --rounds N every format runs N times per server, which goes first alternating, and
// each figure is the median of the rounds' (the note lists every round's ratio).
import { parseArgs } from 'node:util';
import { connectMany, type Format, publishLoop, totalReceived } from './lib/load.ts';
import { percentile } from './lib/node-process.ts';
import {
  alternating,
  type Metric,
  medianOfRounds,
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
    subscribers: { type: 'string', default: '1000' },
    rates: { type: 'string', default: '50,100,200,400,800,1600,3200' },
    'step-seconds': { type: 'string', default: '5' },
    formats: { type: 'string', default: 'json,protobuf' },
    rounds: { type: 'string', default: '1' },
    sample: { type: 'string', default: '50' },
    'whole-machine': { type: 'boolean', default: false },
    'no-wait': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const SUBSCRIBERS = Number(values.subscribers);
const RATES = values.rates.split(',').map(Number);
const STEP = Number(values['step-seconds']);
const FORMATS = values.formats.split(',') as Format[];
const SAMPLE = Number(values.sample);
const ROUNDS = Number(values.rounds);
const WHOLE = values['whole-machine'];
const CHANNEL = 'bench';
const P99_LIMIT_MS = 100;
const OTHER_LIMIT = 0.25;

interface Step {
  rate: number;
  expected: number;
  delivered: number;
  deliveredPerSecond: number;
  serverCpuSeconds: number;
  serverCpuShare: number;
  deliveredPerServerCpuSecond: number;
  loadgenCpuShare: number;
  /** CPU share of other processes on the machine during the step (interference). */
  otherCpuShare: number;
  p50Ms: number;
  p99Ms: number;
  ok: boolean;
}

interface Run {
  round: number;
  kind: ServerKind;
  format: Format;
  steps: Step[];
  rssMiB: number;
}

async function runServer(round: number, kind: ServerKind, format: Format): Promise<Run> {
  const server = await startServer(kind, WHOLE ? {} : { cpu: SERVER_CPU });
  try {
    const latencies: number[] = [];
    const subs = await connectMany(server.httpPort, format, CHANNEL, SUBSCRIBERS, {
      sample: SAMPLE,
      latencies,
    });
    // Warm-up: JIT and buffers.
    await publishLoop(server.httpPort, CHANNEL, RATES[0] as number, 2);
    await sleep(500);
    const steps: Step[] = [];
    for (let i = 0, retries = 0; i < RATES.length; i++) {
      const rate = RATES[i] as number;
      latencies.length = 0;
      const received0 = totalReceived(subs);
      const cpu0 = server.cpuSeconds();
      const lg0 = selfCpuSeconds();
      const busy0 = machineBusySeconds();
      const t0 = Date.now();
      const published = await publishLoop(server.httpPort, CHANNEL, rate, STEP);
      const expected = published * SUBSCRIBERS;
      const deadline = Date.now() + 3000;
      while (totalReceived(subs) - received0 < expected && Date.now() < deadline) await sleep(10);
      const elapsed = (Date.now() - t0) / 1000;
      const cpu = server.cpuSeconds() - cpu0;
      const lg = selfCpuSeconds() - lg0;
      const other = machineBusySeconds() - busy0 - cpu - lg;
      const delivered = totalReceived(subs) - received0;
      latencies.sort((a, b) => a - b);
      const step: Step = {
        rate,
        expected,
        delivered,
        deliveredPerSecond: Math.round(delivered / elapsed),
        serverCpuSeconds: Number(cpu.toFixed(2)),
        serverCpuShare: Number((cpu / elapsed).toFixed(2)),
        deliveredPerServerCpuSecond: Math.round(delivered / Math.max(cpu, 0.01)),
        loadgenCpuShare: Number((lg / elapsed).toFixed(2)),
        otherCpuShare: Number((other / elapsed).toFixed(2)),
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        ok: false,
      };
      step.ok = step.p99Ms < P99_LIMIT_MS && delivered >= 0.99 * expected;
      console.error(`  ${kind} ${format} ${rate}/s: ${JSON.stringify(step)}`);
      // The machine is shared: a step during which other processes took a quarter of a
      // core or more is measured again (twice at most).
      if (step.otherCpuShare >= OTHER_LIMIT && retries < 2) {
        retries += 1;
        i -= 1;
        console.error(`  other processes used ${step.otherCpuShare} cores: measuring again`);
        await sleep(2000);
        continue;
      }
      retries = 0;
      steps.push(step);
      // Past the p99 limit the steps go on while deliveries keep up (to find the ceiling),
      // and stop once they fall behind or p99 passes a second.
      if (delivered < 0.99 * expected || step.p99Ms > 1000) break;
      // Let queues empty between steps.
      await sleep(500);
    }
    const rssMiB = Math.round(server.rssBytes() / 2 ** 20);
    for (const s of subs) s.ws.terminate();
    return { round, kind, format, steps, rssMiB };
  } finally {
    await server.stop();
  }
}

const { placement, loadBefore } = await prepare({ wait: !values['no-wait'], pin: !WHOLE });
// 1000 subscribers is the S2 of the record; other counts (the 10k) are their own rows.
const DEFAULT_SUBSCRIBERS = 1000;
const scenarioId = SUBSCRIBERS === DEFAULT_SUBSCRIBERS ? 'S2' : `S2 ×${SUBSCRIBERS}`;
const result = newResult(
  WHOLE ? 'S7' : scenarioId,
  `fan-out, 1 channel × ${SUBSCRIBERS} subscribers${WHOLE ? ', whole machine' : ''}`,
  `node bench/vs-fanout.ts --subscribers ${SUBSCRIBERS} --rates ${RATES.join(',')} --step-seconds ${STEP} --formats ${FORMATS.join(',')} --rounds ${ROUNDS}${WHOLE ? ' --whole-machine' : ''}`,
  placement,
  loadBefore,
  {
    subscribers: SUBSCRIBERS,
    rates: RATES,
    stepSeconds: STEP,
    payloadBytes: 'about 130 (JSON {"t":…,"text":"x"×100})',
    latencySample: SAMPLE,
    p99LimitMs: P99_LIMIT_MS,
    rounds: ROUNDS,
  },
);

const runs: Run[] = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, format] of FORMATS.entries()) {
    for (const kind of alternating<ServerKind>(round + i, ['centrifugo-ts', 'centrifugo'])) {
      console.error(`S2 round ${round + 1}/${ROUNDS} ${kind} ${format}`);
      runs.push(await runServer(round, kind, format));
    }
  }
}
result.runs = runs;

/** One round's figures for one format. */
function formatMetrics(format: Format, ts: Run, c: Run): Metric[] {
  const metrics: Metric[] = [];
  const best = (r: Run) =>
    r.steps
      .filter((s) => s.ok)
      .reduce<Step | undefined>(
        (a, s) => (!a || s.deliveredPerSecond > a.deliveredPerSecond ? s : a),
        undefined,
      );
  const bt = best(ts);
  const bc = best(c);
  metrics.push(
    metric(
      `${format}: max delivered msg/s with p99 < ${P99_LIMIT_MS} ms (${WHOLE ? 'whole machine' : 'server on 1 core'})`,
      'msg/s',
      'higher',
      bt?.deliveredPerSecond ?? 0,
      bc?.deliveredPerSecond ?? 0,
      { note: `at ${bt?.rate ?? 0} vs ${bc?.rate ?? 0} pub/s` },
    ),
  );
  // Delivered per CPU-second at the highest rate both delivered in full (p99 aside): at
  // saturation both servers use about one core, so this mostly says who keeps up.
  const full = (r: Run, rate: number) => {
    const s = r.steps.find((x) => x.rate === rate);
    return s !== undefined && s.delivered >= 0.99 * s.expected;
  };
  const atRate = (rate: number, extra: { headline?: boolean; note: string }) => {
    const st = ts.steps.find((s) => s.rate === rate) as Step;
    const sc = c.steps.find((s) => s.rate === rate) as Step;
    metrics.push(
      metric(
        `${format}: delivered msg per server CPU-second at ${rate} pub/s`,
        'msg/CPU-s',
        'higher',
        st.deliveredPerServerCpuSecond,
        sc.deliveredPerServerCpuSecond,
        extra,
      ),
      metric(`${format}: p99 at ${rate} pub/s`, 'ms', 'lower', st.p99Ms, sc.p99Ms),
    );
  };
  const common = RATES.filter((rate) => full(ts, rate) && full(c, rate)).pop();
  if (common !== undefined) {
    atRate(common, { note: 'both near 1 core: this mostly says whether each keeps up' });
  }
  // And at the lowest rate, below saturation, where neither coalesces much: the per-core
  // cost of a delivered message, the headline figure.
  const low = RATES.find((rate) => full(ts, rate) && full(c, rate));
  if (low !== undefined && low !== common) {
    atRate(low, { headline: true, note: 'below saturation: the per-core cost' });
  }
  metrics.push(metric(`${format}: server RSS after the run`, 'MiB', 'lower', ts.rssMiB, c.rssMiB));
  return metrics;
}

const perRound: Metric[][] = [];
for (let round = 0; round < ROUNDS; round++) {
  const run = (kind: ServerKind, format: Format) =>
    runs.find((r) => r.round === round && r.kind === kind && r.format === format) as Run;
  perRound.push(
    FORMATS.flatMap((f) => formatMetrics(f, run('centrifugo-ts', f), run('centrifugo', f))),
  );
}
result.metrics.push(...medianOfRounds(perRound));
for (const format of FORMATS) {
  const saturated = runs
    .filter((r) => r.format === format)
    .flatMap((r) =>
      r.steps
        .filter((s) => s.loadgenCpuShare > 0.9)
        .map((s) => `${r.kind} @${s.rate}/s (round ${r.round + 1})`),
    );
  if (saturated.length > 0) {
    result.notes.push(
      `${format}: the load generator was above 90% of its core at ${saturated.join(', ')}; figures there may be bounded by it.`,
    );
  }
}
const others = runs.flatMap((r) => r.steps.map((s) => s.otherCpuShare));
result.notes.push(
  `Other processes on the machine used ${Math.min(...others).toFixed(2)}–${Math.max(...others).toFixed(2)} cores during the recorded steps (the machine is shared; a step with ${OTHER_LIMIT} or more is measured again, twice at most).`,
  'Latency is publish (HTTP API call) to delivery, on a sample of subscribers; each step runs for the step time plus up to 3 s to drain.',
  'A step counts for the p99 metric when p99 < 100 ms and at least 99% of the expected messages arrived; stepping stops when deliveries fall behind (< 99%) or p99 > 1 s.',
  `Each figure is the median of ${ROUNDS} round(s), the servers alternating first; a step's figures within a round are one measurement.`,
  'Per-CPU-second figures depend on load: both servers coalesce queued messages into fewer frames as the rate grows, so they are compared at the same publish rate.',
);
const fanoutName = SUBSCRIBERS === DEFAULT_SUBSCRIBERS ? 'fanout' : `fanout-${SUBSCRIBERS}`;
writeResult(result, WHOLE ? `whole-machine-${fanoutName}` : fanoutName, values.out);
