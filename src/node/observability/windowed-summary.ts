// A Prometheus summary (quantiles over a sliding time window, cumulative _sum and _count)
// that costs a few array increments per observation. prom-client's Summary pushes every
// observation into one t-digest per age bucket: on the API path that was 12% of the CPU of
// a batch publish (bench/results/2026-12-01-vs-improvements.md). Here each age bucket is a
// log-linear histogram, 16 buckets per power of two, so a quantile is exact to within
// ±2.2% of its value: finer than the objectives' error Centrifugo declares for p50, and
// than what any dashboard shows.
//
// The exposition is prom-client's (this registers itself as a custom metric), and the
// semantics are Go's: the window is `maxAgeSeconds`, moved forward in `ageBuckets` steps.
import type { Registry } from 'prom-client';

const PER_OCTAVE = 16;
/** Observations from 2^-30 s (about 1 ns) to 2^12 s, clamped at both ends. */
const MIN_EXP = -30;
const MAX_EXP = 12;
const BUCKETS = (MAX_EXP - MIN_EXP) * PER_OCTAVE;

export interface WindowedSummaryOptions<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  /** e.g. [0.5, 0.99, 0.999] */
  quantiles: readonly number[];
  maxAgeSeconds: number;
  ageBuckets: number;
  registers: Registry[];
  /** For tests: milliseconds now. */
  now?: () => number;
}

/** The bucket an observation falls in. Exported for its test. */
export function bucketOf(seconds: number): number {
  if (!(seconds > 0)) return 0;
  const i = Math.floor((Math.log2(seconds) - MIN_EXP) * PER_OCTAVE);
  return i < 0 ? 0 : i >= BUCKETS ? BUCKETS - 1 : i;
}

/** The value a bucket stands for: its geometric middle. */
export function bucketValue(bucket: number): number {
  return 2 ** ((bucket + 0.5) / PER_OCTAVE + MIN_EXP);
}

export class SummaryChild {
  count = 0;
  sum = 0;
  private readonly slots: Uint32Array[];
  private readonly slotMs: number;
  private current = 0;
  private currentEnd: number;
  private readonly now: () => number;

  constructor(ageBuckets: number, maxAgeMs: number, now: () => number) {
    this.slots = Array.from({ length: ageBuckets }, () => new Uint32Array(BUCKETS));
    this.slotMs = maxAgeMs / ageBuckets;
    this.now = now;
    this.currentEnd = now() + this.slotMs;
  }

  observe(seconds: number): void {
    this.advance(this.now());
    const slot = this.slots[this.current] as Uint32Array;
    const i = bucketOf(seconds);
    slot[i] = (slot[i] as number) + 1;
    this.count++;
    this.sum += seconds;
  }

  /** Quantiles over the window; NaN where it holds no observation, as Go's client gives. */
  quantiles(qs: readonly number[]): number[] {
    this.advance(this.now());
    const merged = new Float64Array(BUCKETS);
    let total = 0;
    for (const slot of this.slots) {
      for (let i = 0; i < BUCKETS; i++) {
        const c = slot[i] as number;
        if (c !== 0) {
          merged[i] = (merged[i] as number) + c;
          total += c;
        }
      }
    }
    if (total === 0) return qs.map(() => Number.NaN);
    return qs.map((q) => {
      // The smallest bucket whose cumulative count reaches rank q (nearest-rank quantile).
      const rank = Math.max(1, Math.ceil(q * total));
      let seen = 0;
      for (let i = 0; i < BUCKETS; i++) {
        seen += merged[i] as number;
        if (seen >= rank) return bucketValue(i);
      }
      return bucketValue(BUCKETS - 1);
    });
  }

  private advance(now: number): void {
    if (now < this.currentEnd) return;
    const steps = Math.floor((now - this.currentEnd) / this.slotMs) + 1;
    for (let i = 0; i < Math.min(steps, this.slots.length); i++) {
      this.current = (this.current + 1) % this.slots.length;
      (this.slots[this.current] as Uint32Array).fill(0);
    }
    this.currentEnd += steps * this.slotMs;
  }
}

export class WindowedSummary<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'summary';
  readonly aggregator = 'sum';
  private readonly opts: WindowedSummaryOptions<L>;
  private readonly children = new Map<string, { labels: Record<L, string>; child: SummaryChild }>();
  private readonly now: () => number;

  constructor(opts: WindowedSummaryOptions<L>) {
    this.opts = opts;
    this.name = opts.name;
    this.help = opts.help;
    this.now = opts.now ?? Date.now;
    for (const r of opts.registers) r.registerMetric(this as never);
  }

  /** The series of these label values (look it up once and keep it on a hot path). */
  labels(labels: Record<L, string>): SummaryChild {
    let key = '';
    for (const name of this.opts.labelNames) key += `${labels[name]}\u0000`;
    let entry = this.children.get(key);
    if (entry === undefined) {
      const own = {} as Record<L, string>;
      for (const name of this.opts.labelNames) own[name] = labels[name];
      entry = {
        labels: own,
        child: new SummaryChild(this.opts.ageBuckets, this.opts.maxAgeSeconds * 1000, this.now),
      };
      this.children.set(key, entry);
    }
    return entry.child;
  }

  observe(labels: Record<L, string>, seconds: number): void {
    this.labels(labels).observe(seconds);
  }

  /** A timer: call the result to observe the seconds since now. */
  startTimer(labels: Record<L, string>): () => number {
    const child = this.labels(labels);
    const start = process.hrtime.bigint();
    return () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      child.observe(seconds);
      return seconds;
    };
  }

  reset(): void {
    this.children.clear();
  }

  /** What prom-client's registry renders. */
  async get() {
    const values: {
      labels: Record<string, string | number>;
      value: number;
      metricName?: string;
    }[] = [];
    for (const { labels, child } of this.children.values()) {
      const qs = child.quantiles(this.opts.quantiles);
      this.opts.quantiles.forEach((q, i) => {
        values.push({ labels: { quantile: q, ...labels }, value: qs[i] as number });
      });
      values.push({ metricName: `${this.name}_sum`, labels, value: child.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: child.count });
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    };
  }
}
