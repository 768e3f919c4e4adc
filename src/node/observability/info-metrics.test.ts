import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { flattenMetrics, InfoMetrics, quantileName } from './info-metrics.ts';
import { NodeMetrics } from './metrics.ts';
import { WindowedSummary } from './windowed-summary.ts';

function registry() {
  const r = new Registry();
  const sent = new Counter({
    name: 'centrifugo_node_messages_sent_count',
    help: 'h',
    labelNames: ['type'],
    registers: [r],
  });
  const clients = new Gauge({ name: 'centrifugo_node_num_clients', help: 'h', registers: [r] });
  const duration = new WindowedSummary({
    name: 'centrifugo_api_command_duration_seconds',
    help: 'h',
    labelNames: ['protocol', 'method'],
    quantiles: [0.5, 0.99, 0.999],
    maxAgeSeconds: 60,
    ageBuckets: 5,
    registers: [r],
  });
  new Histogram({ name: 'centrifugo_some_histogram', help: 'h', registers: [r] }).observe(1);
  new Counter({ name: 'nodejs_other_total', help: 'h', registers: [r] }).inc(5);
  return { r, sent, clients, duration };
}

describe('info metrics', () => {
  it('flattens as Centrifugo names them: counters as increases, gauges as values', async () => {
    const { r, sent, clients, duration } = registry();
    sent.inc({ type: 'publication' }, 3);
    clients.set(7);
    const previous = new Map<string, number>();
    // Before any observation a summary has no quantiles (NaN is left out, as Centrifugo does).
    const first = flattenMetrics(await r.getMetricsAsJSON(), previous);
    assert.deepEqual(first, {
      'centrifugo.node.messages_sent_count.type.publication': 3,
      'centrifugo.node.num_clients': 7,
    });
    sent.inc({ type: 'publication' }, 2);
    duration.observe({ protocol: 'http', method: 'publish' }, 0.25);
    const second = flattenMetrics(await r.getMetricsAsJSON(), previous);
    assert.equal(second['centrifugo.node.messages_sent_count.type.publication'], 2, 'increase');
    assert.equal(
      second['centrifugo.api.command_duration_seconds.count.method.publish.protocol.http'],
      1,
    );
    assert.equal(
      second['centrifugo.api.command_duration_seconds.sum.method.publish.protocol.http'],
      0.25,
    );
    for (const q of ['50', '99', '999']) {
      const v =
        second[
          `centrifugo.api.command_duration_seconds.quantile.${q}.method.publish.protocol.http`
        ];
      assert.ok(v !== undefined && Math.abs(v - 0.25) < 0.01, `quantile ${q}: ${v}`);
    }
    assert.ok(
      Object.keys(second).every((k) => k.startsWith('centrifugo.') && !k.includes('histogram')),
      'only centrifugo_* counters, gauges and summaries',
    );
  });

  it('names quantiles in thousandths without a trailing zero', () => {
    assert.deepEqual([0.5, 0.99, 0.999, 0.25, 0.1].map(quantileName), [
      '50',
      '99',
      '999',
      '25',
      '10',
    ]);
  });

  it('keeps a snapshot from start, renewed every interval, and stops on close', async () => {
    const { r, sent } = registry();
    sent.inc({ type: 'publication' });
    const info = new InfoMetrics(() => r.getMetricsAsJSON(), 60_000);
    assert.equal(info.current(), undefined);
    await info.start();
    try {
      assert.equal(info.current()?.interval, 60);
      assert.equal(
        info.current()?.items['centrifugo.node.messages_sent_count.type.publication'],
        1,
      );
      await info.aggregate();
      assert.equal(
        info.current()?.items['centrifugo.node.messages_sent_count.type.publication'],
        0,
      );
    } finally {
      info.close();
    }
  });
});

describe("a node's first snapshot, as Centrifugo v6.9.1's", () => {
  // The keys Centrifugo v6.9.1 (memory engine) shows in `info` before anything happened
  // (test/compat: api/info/first), its build series aside (set after its first snapshot).
  const methods = [
    'connect',
    'history',
    'presence',
    'presence_stats',
    'publish',
    'refresh',
    'rpc',
    'send',
    'sub_refresh',
    'subscribe',
    'unknown',
    'unsubscribe',
  ];
  const types = ['control', 'join', 'leave', 'publication'];
  const CENTRIFUGO = [
    'centrifugo.broker.redis_pub_sub_dropped_messages.channel_type.client',
    'centrifugo.broker.redis_pub_sub_dropped_messages.channel_type.control',
    ...methods.map((m) => `centrifugo.client.command_duration_seconds.count.method.${m}`),
    ...methods.map((m) => `centrifugo.client.command_duration_seconds.sum.method.${m}`),
    'centrifugo.map.broker_redis_pub_sub_dropped_messages.channel_type.client',
    'centrifugo.node.client_connection_limit',
    ...types.map((t) => `centrifugo.node.messages_received_count.type.${t}`),
    ...types.map((t) => `centrifugo.node.messages_sent_count.type.${t}`),
    'centrifugo.node.num_channels',
    'centrifugo.node.num_clients',
    'centrifugo.node.num_nodes',
    'centrifugo.node.num_subscriptions',
    'centrifugo.node.num_users',
    'centrifugo.shared.poll_num_channels',
    'centrifugo.shared.poll_num_keys',
  ];

  it('has the same keys on the memory engine, and the NATS series only on NATS', async () => {
    const metrics = new NodeMetrics('1.2.3');
    metrics.forEngine('memory');
    const items = flattenMetrics(await metrics.families(), new Map());
    const keys = Object.keys(items).filter((k) => !k.startsWith('centrifugo.node.build.'));
    assert.deepEqual(keys.sort(), [...CENTRIFUGO].sort());
    assert.equal(items['centrifugo.node.build.version.1.2.3'], 1);
    const nats = new NodeMetrics('1.2.3');
    nats.forEngine('nats');
    const natsKeys = Object.keys(flattenMetrics(await nats.families(), new Map()));
    assert.ok(natsKeys.includes('centrifugo.engine.nats_connected'));
  });
});
