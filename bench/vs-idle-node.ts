// An idle node side by side: no connections, the bench config (bench/lib/servers.ts), started
// and stopped in alternating rounds. Per run: RSS after a settle, split into anonymous memory
// (heaps, stacks) and file-backed pages (the executable and libraries), from
// /proc/<pid>/status. centrifugo-ts runs twice per round: its type-stripped sources
// (src/main.ts, what tests and `npm start` run) and, when built (`npm run build`), the
// compiled JavaScript (dist/main.js, what the image and bin/centrifugo-ts.js run).
//
//   node bench/vs-idle-node.ts [--rounds 3] [--settle-seconds 5] [--before <tree>] [--no-wait]
//     [--out file]
//
// --before: also run another checkout (e.g. a `git worktree` of the commit before a change),
// as a third centrifugo-ts variant in the same rounds: its dist/main.js when both trees are
// built, else its src/main.ts.
//
// Each server is pinned to the same CPU as in the other scenarios; the order within a round
// rotates, so a slow drift of the machine does not favour one server.
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { metric, newResult, prepare, SERVER_CPU, sleep, writeResult } from './lib/scenario.ts';
import { type ServerKind, startServer } from './lib/servers.ts';

const ROOT = new URL('../', import.meta.url).pathname;

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    'settle-seconds': { type: 'string', default: '5' },
    before: { type: 'string' },
    'no-wait': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const ROUNDS = Number(values.rounds);
const SETTLE = Number(values['settle-seconds']);

interface Variant {
  name: string;
  kind: ServerKind;
  entry?: string;
  root?: string;
}

const HAS_DIST = existsSync(`${ROOT}dist/main.js`);
// The before tree runs as this one's headline does: compiled when both are built.
const BEFORE_ENTRY =
  HAS_DIST && values.before && existsSync(`${values.before}/dist/main.js`)
    ? 'dist/main.js'
    : 'src/main.ts';
const VARIANTS: Variant[] = [
  ...(values.before
    ? [
        {
          name: `centrifugo-ts before (${values.before}/${BEFORE_ENTRY})`,
          kind: 'centrifugo-ts' as const,
          entry: BEFORE_ENTRY,
          root: values.before,
        },
      ]
    : []),
  {
    name: 'centrifugo-ts (src/main.ts, type stripping)',
    kind: 'centrifugo-ts',
    entry: 'src/main.ts',
  },
  ...(HAS_DIST
    ? [
        {
          name: 'centrifugo-ts (dist/main.js, compiled)',
          kind: 'centrifugo-ts' as const,
          entry: 'dist/main.js',
        },
      ]
    : []),
  { name: 'Centrifugo', kind: 'centrifugo' },
];

interface Sample {
  variant: string;
  round: number;
  rssMiB: number;
  anonMiB: number;
  fileMiB: number;
}

/** VmRSS, RssAnon and RssFile (+ RssShmem) of a process, in MiB. */
function memoryOf(pid: number): { rss: number; anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  const mib = (n: number) => Number((n / 1024).toFixed(1));
  return {
    rss: mib(kib('VmRSS')),
    anon: mib(kib('RssAnon')),
    file: mib(kib('RssFile') + kib('RssShmem')),
  };
}

async function measure(v: Variant, round: number): Promise<Sample> {
  const server = await startServer(v.kind, {
    cpu: SERVER_CPU,
    ...(v.entry ? { entry: v.entry } : {}),
    ...(v.root ? { root: v.root } : {}),
  });
  try {
    await sleep(SETTLE * 1000);
    const m = memoryOf(server.pid);
    const sample = { variant: v.name, round, rssMiB: m.rss, anonMiB: m.anon, fileMiB: m.file };
    console.error(`  ${JSON.stringify(sample)}`);
    return sample;
  } finally {
    await server.stop();
    await sleep(500);
  }
}

const mean = (xs: number[]) => Number((xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(1));

const { placement, loadBefore } = await prepare({ wait: !values['no-wait'] });
const result = newResult(
  'S0',
  'idle node (no connections, default engine, bench config)',
  `node bench/vs-idle-node.ts --rounds ${ROUNDS} --settle-seconds ${SETTLE}${values.before ? ` --before ${values.before}` : ''}`,
  placement,
  loadBefore,
  { rounds: ROUNDS, settleSeconds: SETTLE, variants: VARIANTS.map((v) => v.name) },
);
const samples: Sample[] = [];
for (let round = 1; round <= ROUNDS; round += 1) {
  // Rotate the order each round.
  const order = VARIANTS.map((_, i) => VARIANTS[(i + round - 1) % VARIANTS.length] as Variant);
  for (const v of order) samples.push(await measure(v, round));
}
result.runs = samples;
const of = (name: string, key: 'rssMiB' | 'anonMiB' | 'fileMiB') =>
  mean(samples.filter((s) => s.variant === name).map((s) => s[key]));
const centrifugo = 'Centrifugo';
for (const v of VARIANTS.filter((x) => x.kind === 'centrifugo-ts')) {
  const short = v.root ? `before, ${v.entry}` : (v.entry ?? v.name);
  result.metrics.push(
    metric(`idle RSS, ${short}`, 'MiB', 'lower', of(v.name, 'rssMiB'), of(centrifugo, 'rssMiB'), {
      headline: !v.root && v.entry === (HAS_DIST ? 'dist/main.js' : 'src/main.ts'),
    }),
    metric(
      `  anonymous, ${short}`,
      'MiB',
      'lower',
      of(v.name, 'anonMiB'),
      of(centrifugo, 'anonMiB'),
    ),
    metric(
      `  file-backed, ${short}`,
      'MiB',
      'lower',
      of(v.name, 'fileMiB'),
      of(centrifugo, 'fileMiB'),
    ),
  );
}
result.notes.push(
  `Means of ${ROUNDS} rounds; each run: start, readiness (POST /api/info), ${SETTLE} s settle, read /proc/<pid>/status (VmRSS; RssAnon; RssFile + RssShmem), stop.`,
  'File-backed pages are mostly the executable: the node binary (~120 MB file) against the Go binary; they are shared between processes running the same binary.',
  ...(VARIANTS.length === 2
    ? ['dist/ was not built (npm run build), so only the sources ran.']
    : []),
);
writeResult(result, 'idle-node', values.out);
