// Fossil delta encoding of a 10 KiB JSON document that changes a little at each step (a few
// prices and quantities, a non-ASCII note now and then): delta size against the full
// document, and microseconds per delta, for this node's encoder (src/node/core/delta/) and,
// when given, the `fossil-delta` npm package and Centrifugo's Go encoder on the same pairs.
// Also how many of the package's deltas differ from Centrifugo's bytes (ours never do:
// src/node/core/delta/fossil-delta.test.ts).
//
//   node bench/fossil-delta.ts [--steps 200] [--rounds 7] [--npm-module DIR/fossil-delta.js]
//     [--go] [--out bench/results/<date>-fossil-delta.md]
//
// --npm-module: the package is not a dependency; install it anywhere (`npm i fossil-delta`)
// and name its fossil-delta.js. --go: runs the Go program in
// src/node/core/delta/testdata/centrifuge-encoder (needs go and the module in the cache).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDelta } from '../src/node/core/delta/fossil-delta.ts';
import { jsonDocument } from '../src/node/core/delta/testdata/cases.ts';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '7' },
    'npm-module': { type: 'string' },
    go: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const steps = Number(values.steps);
const rounds = Number(values.rounds);

type Encoder = (prev: Uint8Array, next: Uint8Array) => Uint8Array;

const json = jsonDocument(105, 7);
const pairs: Array<[Uint8Array, Uint8Array]> = [];
let prev = json.step();
for (let s = 0; s < steps; s++) {
  const next = json.step();
  pairs.push([prev, next]);
  prev = next;
}
const fullBytes = pairs.reduce((n, [, next]) => n + next.length, 0);

/**
 * Mean CPU µs per delta, the best of `rounds` rounds taken in turns across the encoders (so
 * a busy spell on a shared machine hits all of them), after one warm-up round; and each
 * encoder's deltas. CPU time, not wall time: the machine's other processes stay out.
 */
function measure(encoders: Encoder[]): Array<{ us: number; bytes: number; deltas: Uint8Array[] }> {
  const results = encoders.map((encode) => {
    const deltas = pairs.map(([p, n]) => encode(p, n));
    return {
      us: Number.POSITIVE_INFINITY,
      bytes: deltas.reduce((n, d) => n + d.length, 0),
      deltas,
    };
  });
  for (let r = 0; r < rounds; r++) {
    encoders.forEach((encode, e) => {
      const start = process.cpuUsage();
      for (const [p, n] of pairs) encode(p, n);
      const used = process.cpuUsage(start);
      const us = (used.user + used.system) / pairs.length;
      const result = results[e] as { us: number };
      result.us = Math.min(result.us, us);
    });
  }
  return results;
}

const rows: string[] = [];
const row = (name: string, us: number | undefined, bytes: number | undefined, note = '') =>
  rows.push(
    `| ${name} | ${us === undefined ? '–' : us.toFixed(1)} | ${
      bytes === undefined
        ? '–'
        : `${(bytes / pairs.length).toFixed(0)} (${((100 * bytes) / fullBytes).toFixed(2)} %)`
    } | ${note} |`,
  );

const npmModule = values['npm-module']
  ? ((await import(values['npm-module'])) as { createDelta: Encoder })
  : undefined;
const [ours, npm] = measure(npmModule ? [createDelta, npmModule.createDelta] : [createDelta]) as [
  ReturnType<typeof measure>[number],
  ReturnType<typeof measure>[number] | undefined,
];
row('centrifugo-ts (src/node/core/delta/fossil-delta.ts)', ours.us, ours.bytes);

let goDeltas: Map<number, string> | undefined;
if (values.go) {
  const dir = mkdtempSync(join(tmpdir(), 'fossil-bench-'));
  try {
    pairs.forEach(([p, n], i) => {
      const name = `step-${String(i).padStart(4, '0')}`;
      writeFileSync(join(dir, `${name}.prev`), p);
      writeFileSync(join(dir, `${name}.next`), n);
    });
    const go = (args: string[]) =>
      spawnSync('go', ['run', '.', dir, ...args], {
        cwd: new URL('../src/node/core/delta/testdata/centrifuge-encoder/', import.meta.url)
          .pathname,
        env: { ...process.env, GOFLAGS: '-mod=mod', GOPROXY: 'off', GOSUMDB: 'off' },
        encoding: 'utf8',
      });
    const timed = go(['-bench', String(rounds)]);
    const hashes = go([]);
    if (timed.status !== 0 || hashes.status !== 0) throw new Error(timed.stderr || hashes.stderr);
    const byName = JSON.parse(hashes.stdout) as Record<string, { length: number; sha256: string }>;
    goDeltas = new Map(
      Object.entries(byName).map(([name, v]) => [Number(name.slice(5)), v.sha256]),
    );
    const goBytes = Object.values(byName).reduce((n, v) => n + v.length, 0);
    row(
      'Centrifugo v6.9.1 encoder (github.com/shadowspore/fossil-delta, Go)',
      Number(timed.stdout),
      goBytes,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (npm) {
  const differing = npm.deltas.filter(
    (d, i) => Buffer.compare(Buffer.from(d), Buffer.from(ours.deltas[i] as Uint8Array)) !== 0,
  ).length;
  row(
    '`fossil-delta` 2.0.0 (npm)',
    npm.us,
    npm.bytes,
    `${differing} of ${pairs.length} deltas differ from Centrifugo's bytes`,
  );
}

if (goDeltas) {
  const { createHash } = await import('node:crypto');
  const same = ours.deltas.every(
    (d, i) => createHash('sha256').update(d).digest('hex') === goDeltas?.get(i),
  );
  rows.push(
    '',
    `This encoder's deltas equal the Go encoder's: ${same ? 'all' : 'NOT all'} ${pairs.length}.`,
  );
}

const report = [
  `# Fossil delta: ${pairs.length} steps of a ${(fullBytes / pairs.length / 1024).toFixed(1)} KiB JSON document`,
  '',
  `${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}; CPU time per delta, best of ${rounds} rounds, one delta at a time.`,
  '',
  '| encoder | CPU µs per delta | delta bytes per step (of the full document) | note |',
  '|---|---|---|---|',
  ...rows,
  '',
].join('\n');
console.log(report);
if (values.out) writeFileSync(values.out, report);
