// The `metrics` of a node in the server API's `info`: this node's centrifugo_* Prometheus
// metrics aggregated over `node.info_metrics_aggregate_interval`, flattened into one map of
// numbers, as Centrifugo's node does (its centrifuge library aggregates with FZambia/eagle):
// - a key is `<namespace>.<subsystem>.<rest of the name>[.<value>]{.<label>.<value>}`, the
//   metric name split at its first two underscores, labels sorted by name, empty ones left out;
// - counters give their increase over the last interval (their total in the first snapshot);
// - gauges give their value;
// - summaries give `sum` and `count` increases and each quantile that has a value
//   (`quantile.50`, `quantile.99`, `quantile.999`); histograms are left out.
// The first snapshot is taken at start, then one every interval, and `info` shows the latest.
import type { MetricObjectWithValues, MetricValue } from 'prom-client';

/** What `info` reports for a node: seconds aggregated over, and the flattened items. */
export interface InfoMetricsSnapshot {
  interval: number;
  items: Record<string, number>;
}

type Family = MetricObjectWithValues<MetricValue<string>>;

const PREFIX = 'centrifugo';

/** Turns gathered families into items; `previous` holds cumulative values and is updated. */
export function flattenMetrics(
  families: readonly Family[],
  previous: Map<string, number>,
): Record<string, number> {
  const items: Record<string, number> = {};
  const increase = (key: string, value: number) => {
    const before = previous.get(key);
    previous.set(key, value);
    return before === undefined ? value : value - before;
  };
  for (const family of families) {
    if (!family.name.startsWith(PREFIX)) continue;
    const parts = family.name.split('_');
    if (parts.length < 2) continue;
    const base =
      parts.length > 2 ? `${parts[0]}.${parts[1]}.${parts.slice(2).join('_')}` : parts.join('.');
    const type = String(family.type);
    for (const v of family.values) {
      const labels = { ...(v.labels as Record<string, string | number>) };
      if (type === 'counter') {
        const key = join(base, '', labels);
        items[key] = increase(key, v.value);
      } else if (type === 'gauge') {
        items[join(base, '', labels)] = v.value;
      } else if (type === 'summary') {
        const metricName = (v as { metricName?: string }).metricName;
        if (metricName === `${family.name}_sum` || metricName === `${family.name}_count`) {
          const key = join(base, metricName.endsWith('_sum') ? 'sum' : 'count', labels);
          items[key] = increase(key, v.value);
        } else if (labels.quantile !== undefined && !Number.isNaN(v.value)) {
          const q = Number(labels.quantile);
          delete labels.quantile;
          items[join(base, `quantile.${quantileName(q)}`, labels)] = v.value;
        }
      }
    }
  }
  return items;
}

/** 0.5 -> "50", 0.99 -> "99", 0.999 -> "999": thousandths, one trailing zero dropped. */
export function quantileName(q: number): string {
  const s = String(Math.trunc(q * 1000));
  return s.length > 2 && s.endsWith('0') ? s.slice(0, -1) : s;
}

function join(base: string, value: string, labels: Record<string, string | number>): string {
  let key = value === '' ? base : `${base}.${value}`;
  for (const name of Object.keys(labels).sort()) {
    const label = String(labels[name]);
    if (label !== '') key += `.${name}.${label}`;
  }
  return key;
}

/**
 * Takes a snapshot at start and every interval; `current()` is the latest. It owns a timer:
 * close() stops it.
 */
export class InfoMetrics {
  private readonly gather: () => Promise<Family[]>;
  private readonly intervalMs: number;
  private readonly previous = new Map<string, number>();
  private latest: InfoMetricsSnapshot | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(gather: () => Promise<Family[]>, intervalMs: number) {
    this.gather = gather;
    this.intervalMs = intervalMs;
  }

  async start(): Promise<void> {
    await this.aggregate();
    this.timer = setInterval(() => void this.aggregate(), this.intervalMs);
    this.timer.unref();
  }

  current(): InfoMetricsSnapshot | undefined {
    return this.latest;
  }

  /** One aggregation now (start and the timer call it; tests too). */
  async aggregate(): Promise<void> {
    try {
      const families = await this.gather();
      this.latest = {
        interval: this.intervalMs / 1000,
        items: flattenMetrics(families, this.previous),
      };
    } catch {
      // A failed gather keeps the previous snapshot; the next tick tries again.
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
