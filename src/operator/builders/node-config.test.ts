import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../node/config/index.ts';
import { withDefaults } from '../crd/index.ts';
import { nodeConfig } from './node-config.ts';

test('default spec: memory engine, fixed ports, /health and /metrics on, the drain, no secrets', () => {
  const { config, drain, readyPath, livePath } = nodeConfig(withDefaults({}));
  assert.deepEqual(config, {
    engine: { type: 'memory' },
    health: { enabled: true },
    http_server: { internal_port: '9000', port: 8000 },
    prometheus: { enabled: true },
    shutdown: { drain_delay: '5s', disconnect_window: '10s' },
  });
  assert.deepEqual(drain, { delayMs: 5000, windowMs: 10_000, shutdownTimeoutMs: 30_000 });
  assert.deepEqual([readyPath, livePath], ['/ready', '/live']);
});

test('the drain settings of spec.config win over the operator defaults', () => {
  const { config, drain } = nodeConfig(
    withDefaults({ config: { shutdown: { disconnect_window: '30s', timeout: '10s' } } }),
  );
  assert.deepEqual(config.shutdown, {
    drain_delay: '5s',
    disconnect_window: '30s',
    timeout: '10s',
  });
  assert.deepEqual(drain, { delayMs: 5000, windowMs: 30_000, shutdownTimeoutMs: 10_000 });
});

test('the user config is kept; the operator owns engine, ports and health', () => {
  const spec = withDefaults({
    engine: { type: 'nats', nats: { urls: ['nats://a:4222', 'nats://b:4222'], replicas: 3 } },
    config: {
      channel: { namespaces: [{ name: 'chat', history_size: 10, history_ttl: '60s' }] },
      engine: { nats: { request_timeout: '3s' } },
      prometheus: { enabled: false },
      grpc_api: { enabled: true },
      client: { allowed_origins: ['https://example.com'] },
    },
  });
  const { config, grpcEnabled, metricsEnabled } = nodeConfig(spec);
  assert.deepEqual(config.engine, {
    type: 'nats',
    nats: { request_timeout: '3s', urls: ['nats://a:4222', 'nats://b:4222'], replicas: 3 },
  });
  assert.deepEqual((config.channel as { namespaces: unknown[] }).namespaces, [
    { name: 'chat', history_size: 10, history_ttl: '60s' },
  ]);
  assert.deepEqual(config.grpc_api, { enabled: true, port: 10000 });
  assert.equal(grpcEnabled, true);
  assert.equal(metricsEnabled, false, 'an explicit prometheus.enabled: false is respected');
});

test('a NATS .creds key becomes creds_file on the mounted path', () => {
  const spec = withDefaults({
    engine: {
      type: 'nats',
      nats: { urls: ['nats://n:4222'], credentialsSecretRef: { name: 'nats', credsKey: 'c' } },
    },
  });
  const nats = (nodeConfig(spec).config.engine as { nats: Record<string, unknown> }).nats;
  assert.equal(nats.creds_file, '/etc/centrifugo/nats/nats.creds');
});

test('the JSON and its hash do not depend on key order', () => {
  const a = nodeConfig(
    withDefaults({ config: { log: { level: 'debug' }, client: { insecure: true } } }),
  );
  const b = nodeConfig(
    withDefaults({ config: { client: { insecure: true }, log: { level: 'debug' } } }),
  );
  assert.equal(a.json, b.json);
  assert.equal(a.hash, b.hash);
  assert.match(a.hash, /^[0-9a-f]{64}$/);
  const c = nodeConfig(withDefaults({ config: { log: { level: 'info' } } }));
  assert.notEqual(a.hash, c.hash);
});

test('a config the node would refuse throws the node ConfigError naming the key', () => {
  assert.throws(
    () => nodeConfig(withDefaults({ config: { client: { ping_intervall: '5s' } } })),
    (err: unknown) => err instanceof ConfigError && /client\.ping_intervall/.test(err.message),
  );
  assert.throws(
    () => nodeConfig(withDefaults({ config: { log: { level: 'loud' } } })),
    (err: unknown) => err instanceof ConfigError && /log\.level/.test(err.message),
  );
});

test('spec.admin.enabled turns the admin UI on (internal port); no password in the config', () => {
  const { config } = nodeConfig(withDefaults({ admin: { enabled: true } }));
  assert.deepEqual(config.admin, { enabled: true });
  assert.equal(nodeConfig(withDefaults({})).config.admin, undefined);
});

test('under autoscaling, rebalancing is on unless spec.config turns it off', () => {
  const nats = { type: 'nats', nats: { urls: ['nats://n:4222'] } };
  const on = nodeConfig(
    withDefaults({ engine: nats, autoscaling: { enabled: true, maxReplicas: 4 } }),
  );
  assert.deepEqual(on.config.rebalance, { enabled: true });
  const off = nodeConfig(
    withDefaults({
      engine: nats,
      autoscaling: { enabled: true, maxReplicas: 4 },
      config: { rebalance: { enabled: false } },
    }),
  );
  assert.deepEqual(off.config.rebalance, { enabled: false });
  assert.equal(nodeConfig(withDefaults({})).config.rebalance, undefined);
});
