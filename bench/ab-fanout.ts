// Before/after of a change to centrifugo-ts's fan-out path: two trees (A = before, B =
// after) under the S2 load, alternating round by round so that drift on a shared machine
// hits both. Each server pinned to CPU 0, this load generator to CPU 1.
//
//   node bench/ab-fanout.ts --a /path/to/before-tree [--b .] [--rates 50,100,800]
//     [--rounds 3] [--step-seconds 5] [--formats json,protobuf] [--b-flags="--v8-flag"]
//     [--out file]
//
// A tree is a copy of the checkout (src/, package.json, proto/, node_modules link): e.g.
//   mkdir /tmp/before && cp -r src package.json proto /tmp/before/ &&
//   ln -s "$PWD/node_modules" /tmp/before/ && git show HEAD:src/x.ts > /tmp/before/src/x.ts
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { connectMany, type Format, publishLoop, totalReceived } from './lib/load.ts';
import { percentile } from './lib/node-process.ts';
import { prepare, RESULTS_DIR, SERVER_CPU, sleep, today } from './lib/scenario.ts';
import { machine, startServer, versions } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: new URL('../', import.meta.url).pathname },
    rates: { type: 'string', default: '50,100,800' },
    rounds: { type: 'string', default: '3' },
    'step-seconds': { type: 'string', default: '5' },
    formats: { type: 'string', default: 'json,protobuf' },
    subscribers: { type: 'string', default: '1000' },
    label: { type: 'string', default: 'fan-out change' },
    // node flags for tree B only (an A/B of a V8 setting: --a . --b .)
    'b-flags': { type: 'string', default: '' },
    'no-wait': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
if (!values.a) throw new Error('--a <before tree> is required');
const TREES = { A: values.a, B: values.b };
const RATES = values.rates.split(',').map(Number);
const ROUNDS = Number(values.rounds);
const STEP = Number(values['step-seconds']);
const FORMATS = values.formats.split(',') as Format[];
const SUBSCRIBERS = Number(values.subscribers);

interface Sample {
  tree: 'A' | 'B';
  format: Format;
  round: number;
  rate: number;
  perCpu: number;
  p99Ms: number;
  cpuShare: number;
  complete: boolean;
  rssMiB: number;
}

async function runTree(tree: 'A' | 'B', format: Format, round: number): Promise<Sample[]> {
  const server = await startServer('centrifugo-ts', {
    cpu: SERVER_CPU,
    root: TREES[tree],
    nodeFlags: tree === 'B' ? values['b-flags'].split(' ').filter(Boolean) : [],
  });
  const out: Sample[] = [];
  try {
    const latencies: number[] = [];
    const subs = await connectMany(server.httpPort, format, 'bench', SUBSCRIBERS, {
      sample: 50,
      latencies,
    });
    await publishLoop(server.httpPort, 'bench', RATES[0] as number, 2);
    await sleep(500);
    for (const rate of RATES) {
      latencies.length = 0;
      const r0 = totalReceived(subs);
      const c0 = server.cpuSeconds();
      const t0 = Date.now();
      const sent = await publishLoop(server.httpPort, 'bench', rate, STEP);
      const deadline = Date.now() + 3000;
      while (totalReceived(subs) - r0 < sent * SUBSCRIBERS && Date.now() < deadline)
        await sleep(10);
      const cpu = server.cpuSeconds() - c0;
      const delivered = totalReceived(subs) - r0;
      latencies.sort((x, y) => x - y);
      out.push({
        tree,
        format,
        round,
        rate,
        perCpu: Math.round(delivered / Math.max(cpu, 0.01)),
        p99Ms: percentile(latencies, 99),
        cpuShare: Number((cpu / ((Date.now() - t0) / 1000)).toFixed(2)),
        complete: delivered >= sent * SUBSCRIBERS,
        rssMiB: Math.round(server.rssBytes() / 2 ** 20),
      });
      console.error(`  ${JSON.stringify(out.at(-1))}`);
      await sleep(300);
    }
    for (const s of subs) s.ws.terminate();
  } finally {
    await server.stop();
  }
  return out;
}

const { placement, loadBefore } = await prepare({ wait: !values['no-wait'] });
const samples: Sample[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const format of FORMATS) {
    const order: Array<'A' | 'B'> = (round + FORMATS.indexOf(format)) % 2 ? ['A', 'B'] : ['B', 'A'];
    for (const tree of order) samples.push(...(await runTree(tree, format, round)));
  }
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)] as number) : Number.NaN;
};
const rows: string[] = [];
const summary: Record<string, unknown>[] = [];
for (const format of FORMATS) {
  for (const rate of RATES) {
    const pick = (tree: 'A' | 'B') =>
      samples.filter((s) => s.tree === tree && s.format === format && s.rate === rate);
    const a = pick('A');
    const b = pick('B');
    const row = {
      format,
      rate,
      perCpuA: median(a.map((s) => s.perCpu)),
      perCpuB: median(b.map((s) => s.perCpu)),
      p99A: median(a.map((s) => s.p99Ms)),
      p99B: median(b.map((s) => s.p99Ms)),
      cpuA: median(a.map((s) => s.cpuShare)),
      cpuB: median(b.map((s) => s.cpuShare)),
      rssA: median(a.map((s) => s.rssMiB)),
      rssB: median(b.map((s) => s.rssMiB)),
    };
    summary.push(row);
    rows.push(
      `| ${format} | ${rate} | ${row.perCpuA} | ${row.perCpuB} | ${(row.perCpuB / row.perCpuA).toFixed(2)}× | ${row.cpuA} → ${row.cpuB} | ${row.p99A} → ${row.p99B} | ${row.rssA} → ${row.rssB} |`,
    );
  }
}
const md = [
  `### Before/after: ${values.label} (${today()})`,
  '',
  `\`node bench/ab-fanout.ts --a <before> --rates ${RATES.join(',')} --rounds ${ROUNDS} --step-seconds ${STEP}${values['b-flags'] ? ` --b-flags="${values['b-flags']}"` : ''}\` — ${machine()}; ${placement}; load average ${loadBefore} before; ${SUBSCRIBERS} subscribers, medians of ${ROUNDS} alternating rounds (A = before, B = after).`,
  '',
  '| format | pub/s | msg per server CPU-s, before | after | after / before | server cores | p99 ms | RSS MiB |',
  '|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
].join('\n');
console.log(md);
const base = values.out ?? `${RESULTS_DIR}/${today()}-ab-fanout`;
writeFileSync(`${base}.md`, md);
writeFileSync(
  `${base}.json`,
  `${JSON.stringify({ label: values.label, date: today(), machine: machine(), versions: versions(), placement, loadBefore, trees: TREES, summary, samples }, null, 2)}\n`,
);
console.error(`written to ${base}.md and ${base}.json`);
