import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../node/config/index.ts';
import { buildConfigMap } from './config-map.ts';
import { buildDeployment } from './deployment.ts';
import { context } from './fixture.ts';

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
