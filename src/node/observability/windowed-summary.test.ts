import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { bucketOf, bucketValue, WindowedSummary } from './windowed-summary.ts';

function summary(now: () => number, registry = new Registry()) {
  return new WindowedSummary({
    name: 'x_duration_seconds',
    help: 'Test.',
    labelNames: ['method'],
    quantiles: [0.5, 0.99, 0.999],
    maxAgeSeconds: 60,
    ageBuckets: 5,
    registers: [registry],
    now,
  });
}

const near = (actual: number, expected: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= expected * 0.022,
    `${what}: ${actual} is not within 2.2% of ${expected}`,
  );

describe('windowed summary', () => {
  it('puts every value in a bucket whose middle is within 2.2% of it', () => {
    for (let v = 1e-9; v < 4000; v *= 1.37) near(bucketValue(bucketOf(v)), v, `value ${v}`);
    assert.equal(bucketOf(0), 0);
    assert.equal(bucketOf(-1), 0);
    assert.equal(bucketOf(Number.NaN), 0);
    assert.equal(bucketOf(1e9), bucketOf(1e10), 'clamped above');
  });

  it('gives nearest-rank quantiles of what it saw, and a cumulative sum and count', () => {
    const t = 0;
    const s = summary(() => t);
    const child = s.labels({ method: 'publish' });
    // 1..1000 ms: p50 = 500 ms, p99 = 990 ms, p99.9 = 999 ms.
    for (let ms = 1; ms <= 1000; ms++) child.observe(ms / 1000);
    const [p50, p99, p999] = child.quantiles([0.5, 0.99, 0.999]) as [number, number, number];
    near(p50, 0.5, 'p50');
    near(p99, 0.99, 'p99');
    near(p999, 0.999, 'p99.9');
    assert.equal(child.count, 1000);
    near(child.sum, 500.5, 'sum');
  });

  it('forgets observations older than the window, step by step, but never the count', () => {
    let t = 1_000_000;
    const s = summary(() => t);
    const child = s.labels({ method: 'm' });
    child.observe(1); // slow ones at t0
    t += 30_000;
    for (let i = 0; i < 10; i++) child.observe(0.001); // fast ones 30 s later
    assert.ok((child.quantiles([0.999])[0] as number) > 0.9, 'the slow one is still in the window');
    t += 31_000; // 61 s after the slow one, 31 s after the fast ones
    near(child.quantiles([0.999])[0] as number, 0.001, 'only the fast ones remain');
    t += 120_000; // all gone
    assert.ok(Number.isNaN(child.quantiles([0.5])[0] as number), 'an empty window is NaN, as Go');
    assert.equal(child.count, 11);
  });

  it('renders as a Prometheus summary through the registry', async () => {
    const registry = new Registry();
    const s = summary(() => 0, registry);
    s.startTimer({ method: 'publish' })();
    s.observe({ method: 'history' }, 0.25);
    const text = await registry.metrics();
    assert.match(text, /# TYPE x_duration_seconds summary/);
    assert.match(text, /x_duration_seconds\{quantile="0.5",method="history"\} 0\.2\d+/);
    assert.match(text, /x_duration_seconds\{quantile="0.999",method="publish"\} \d/);
    assert.match(text, /x_duration_seconds_sum\{method="history"\} 0\.25\n/);
    assert.match(text, /x_duration_seconds_count\{method="publish"\} 1\n/);
  });
});
