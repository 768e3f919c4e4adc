import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../node/config/index.ts';
import { withDefaults } from '../crd/index.ts';
import { buildConfigMap, nodeConfig } from './config-map.ts';
import { buildDeployment } from './deployment.ts';
import { context } from './fixture.ts';

test('default spec: memory engine, fixed ports, /health and /metrics on, no secrets', () => {
  const { config } = nodeConfig(withDefaults({}));
  assert.deepEqual(config, {
    engine: { type: 'memory' },
    health: { enabled: true },
    http_server: { internal_port: '9000', port: 8000 },
    prometheus: { enabled: true },
  });
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

test('ConfigMap: config.json, labels, owner; a pod would start from it and its env', () => {
  const ctx = context({ config: { channel: { without_namespace: { presence: true } } } });
  const cm = buildConfigMap(ctx);
  assert.equal(cm.metadata.name, 'chat-config');
  assert.equal(cm.metadata.namespace, 'apps');
  assert.equal(cm.metadata.labels?.['app.kubernetes.io/managed-by'], 'centrifugo-ts-operator');
  assert.equal(cm.metadata.ownerReferences?.[0]?.uid, 'uid-1');
  const json = (cm.data as Record<string, string>)['config.json'] as string;
  assert.doesNotMatch(json, /"key"|hmac_secret_key/);

  // What the container sees: config.json plus the env the Deployment maps from the Secret.
  const dir = mkdtempSync(join(tmpdir(), 'cfgo-'));
  writeFileSync(join(dir, 'config.json'), json);
  const deployment = buildDeployment(ctx) as unknown as {
    spec: { template: { spec: { containers: { env: { name: string }[] }[] } } };
  };
  const env = Object.fromEntries(
    deployment.spec.template.spec.containers[0]?.env.map((e) => [e.name, 'secret-value']) ?? [],
  );
  const loaded = loadConfig({ file: join(dir, 'config.json'), fileRequired: true, env });
  assert.deepEqual(loaded.warnings, [], 'every env name is a node config key');
  assert.equal(loaded.config.http_api.key, 'secret-value');
  assert.equal(loaded.config.client.token.hmac_secret_key, 'secret-value');
  assert.equal(loaded.config.http_server.internal_port, '9000');
  assert.equal(loaded.config.health.enabled, true);
  assert.equal(loaded.config.channel.without_namespace.presence, true);
});
