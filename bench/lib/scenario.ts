// What the side-by-side scenarios (bench/vs-*.ts) share: CPU placement (server on CPU 0,
// this load generator on CPU 1), waiting for a quiet machine, the result record with its
// ratios (centrifugo-ts / Centrifugo), and writing it to bench/results/ as JSON + Markdown.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { loadAverage, machine, pinSelf, versions, waitForQuiet } from './servers.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
export const RESULTS_DIR = `${ROOT}bench/results`;

export const SERVER_CPU = 0;
export const LOADGEN_CPU = 1;

export interface Metric {
  name: string;
  unit: string;
  /** Which way is better for centrifugo-ts; the chart colours by it. */
  better: 'higher' | 'lower';
  ts: number;
  centrifugo: number;
  /** centrifugo-ts / Centrifugo. */
  ratio: number;
  /** Drawn in the summary chart (the scenario's headline figures). */
  headline?: boolean;
  note?: string;
}

export interface ScenarioResult {
  scenario: string;
  title: string;
  date: string;
  machine: string;
  versions: Record<string, string>;
  command: string;
  placement: string;
  loadAverage: { before: number; after: number };
  settings: Record<string, unknown>;
  metrics: Metric[];
  notes: string[];
  runs: unknown[];
}

export function metric(
  name: string,
  unit: string,
  better: 'higher' | 'lower',
  ts: number,
  centrifugo: number,
  extra: { headline?: boolean; note?: string } = {},
): Metric {
  const ratio = centrifugo === 0 ? Number.NaN : ts / centrifugo;
  return { name, unit, better, ts, centrifugo, ratio: Number(ratio.toFixed(3)), ...extra };
}

/**
 * Pins this process to the load generator's CPU and waits (bounded) for the machine's load
 * to drop, unless --no-wait. Returns the placement text and the load average it started at.
 */
export async function prepare(opts: {
  wait: boolean;
  maxLoad?: number;
  /** false: the whole machine, nothing pinned (S7). */
  pin?: boolean;
}): Promise<{
  placement: string;
  loadBefore: number;
}> {
  const whole = opts.pin === false;
  const pinned = !whole && cpus().length > 1 && pinSelf(LOADGEN_CPU);
  const loadBefore = opts.wait ? await waitForQuiet(opts.maxLoad ?? 1.5) : loadAverage();
  const placement = whole
    ? `whole machine: nothing pinned, ${cpus().length} CPUs shared by the server and the load generator (Centrifugo's GOMAXPROCS: ${cpus().length}; centrifugo-ts: one node, as recommended for a box this size)`
    : pinned
      ? `server pinned to CPU ${SERVER_CPU} (taskset; Centrifugo's GOMAXPROCS follows it: 1), load generator pinned to CPU ${LOADGEN_CPU}`
      : 'not pinned (single CPU or no taskset): server and load generator share the machine';
  return { placement, loadBefore };
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export function newResult(
  scenario: string,
  title: string,
  command: string,
  placement: string,
  loadBefore: number,
  settings: Record<string, unknown>,
): ScenarioResult {
  return {
    scenario,
    title,
    date: today(),
    machine: machine(),
    versions: versions(),
    command,
    placement,
    loadAverage: { before: loadBefore, after: Number.NaN },
    settings,
    metrics: [],
    notes: [],
    runs: [],
  };
}

const fmt = (n: number): string => {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
};

export function metricsTable(metrics: readonly Metric[]): string {
  return [
    '| metric | centrifugo-ts | Centrifugo | ratio (ts / Centrifugo) | better |',
    '|---|---|---|---|---|',
    ...metrics.map(
      (m) =>
        `| ${m.name}${m.unit ? ` (${m.unit})` : ''} | ${fmt(m.ts)} | ${fmt(m.centrifugo)} | ${Number.isFinite(m.ratio) ? `${m.ratio.toFixed(2)}×` : 'n/a'} | ${m.better}${m.note ? `; ${m.note}` : ''} |`,
    ),
  ].join('\n');
}

export function scenarioMarkdown(r: ScenarioResult): string {
  return [
    `## ${r.scenario}: ${r.title}`,
    '',
    `Command: \`${r.command}\``,
    '',
    `${r.date}; ${r.machine}; ${Object.entries(r.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(
        ', ',
      )}; ${r.placement}; load average ${r.loadAverage.before} before, ${r.loadAverage.after} after.`,
    '',
    metricsTable(r.metrics),
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}

/** Writes bench/results/<date>-vs-<slug>.json and .md (or `out` + .json). */
export function writeResult(r: ScenarioResult, slug: string, out?: string): string {
  r.loadAverage.after = loadAverage();
  mkdirSync(RESULTS_DIR, { recursive: true });
  const base = out?.replace(/\.(json|md)$/, '') ?? `${RESULTS_DIR}/${r.date}-vs-${slug}`;
  writeFileSync(`${base}.json`, `${JSON.stringify(r, null, 2)}\n`);
  const md = scenarioMarkdown(r);
  writeFileSync(`${base}.md`, md);
  console.log(md);
  console.error(`written to ${base}.json and ${base}.md`);
  return base;
}

/** CPU seconds this process used (the load generator), for spotting a saturated generator. */
export function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The two servers in the order they run in `round`: which goes first alternates. */
export function alternating<T>(round: number, pair: readonly [T, T]): T[] {
  return round % 2 === 0 ? [pair[0], pair[1]] : [pair[1], pair[0]];
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/**
 * The metrics of several rounds as one list: per metric name (in the order first seen), each
 * server's median over the rounds that have it, the ratio of the two medians, and every
 * round's own ratio in the note, so the spread shows beside the figure.
 */
export function medianOfRounds(rounds: readonly (readonly Metric[])[]): Metric[] {
  if (rounds.length === 1) return [...(rounds[0] as Metric[])];
  const byName = new Map<string, Metric[]>();
  for (const list of rounds) {
    for (const m of list) {
      const seen = byName.get(m.name);
      if (seen) seen.push(m);
      else byName.set(m.name, [m]);
    }
  }
  return [...byName.values()].map((ms) => {
    const first = ms[0] as Metric;
    const ratios = ms.map((m) => (Number.isFinite(m.ratio) ? m.ratio.toFixed(2) : 'n/a'));
    const present =
      ms.length < rounds.length ? ` (in ${ms.length} of ${rounds.length} rounds)` : '';
    const spread = `round ratios ${ratios.join(', ')}${present}`;
    return metric(
      first.name,
      first.unit,
      first.better,
      Number(median(ms.map((m) => m.ts)).toFixed(2)),
      Number(median(ms.map((m) => m.centrifugo)).toFixed(2)),
      {
        ...(first.headline ? { headline: true } : {}),
        note: [...new Set(ms.map((m) => m.note).filter(Boolean)), spread].join('; '),
      },
    );
  });
}

/** A note's text for each round: the text alone for one round, else "round N: ..." joined. */
export function eachRound<T>(
  rounds: readonly T[],
  text: (round: T, index: number) => string,
): string {
  if (rounds.length === 1) return text(rounds[0] as T, 0);
  return rounds.map((r, i) => `round ${i + 1}: ${text(r, i)}`).join('; ');
}
