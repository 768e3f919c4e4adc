// The operator's rollout settings, as a real kube-apiserver accepts and stores them: probes
// on the node's distinct endpoints (/ready, /live), a grace period and a rollout pace derived
// from the node's drain (src/operator/builders/rollout.ts), and the drain itself in the
// node's config.json; a change of the drain settings in spec.config moves them all.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeploymentObject, KubeObject } from '../../src/operator/kube/types.ts';
import {
  centrifugo,
  create,
  getOptional,
  paths,
  runOperator,
  startCluster,
  waitFor,
} from './support.ts';

interface Probe {
  httpGet: { path: string; port: string };
  periodSeconds: number;
  failureThreshold: number;
}
interface PodSpec {
  terminationGracePeriodSeconds: number;
  containers: {
    readinessProbe: Probe;
    livenessProbe: Probe;
    startupProbe: Probe;
    lifecycle?: unknown;
  }[];
}
const specOf = (d: DeploymentObject) =>
  d.spec as unknown as {
    minReadySeconds: number;
    strategy: unknown;
    template: { spec: PodSpec };
  };

test('rollout settings follow the drain, on a real API server', { timeout: 180_000 }, async (t) => {
  const cluster = await startCluster(t);
  if (!cluster) return;
  const { api, client } = cluster;
  await runOperator(t, cluster, { reconciler: { rolloutRequeueMs: 1_000 } });
  await api.createNamespace('rollout');
  await create(client, centrifugo('rollout', 'chat'));
  const deployment = await waitFor('deployment', () =>
    getOptional<DeploymentObject>(client, paths.deployment('rollout', 'chat')),
  );
  const spec = specOf(deployment);
  const container = spec.template.spec.containers[0];
  assert.ok(container);
  assert.deepEqual(container.readinessProbe.httpGet, {
    path: '/ready',
    port: 'internal',
    scheme: 'HTTP',
  });
  assert.deepEqual(container.livenessProbe.httpGet, {
    path: '/live',
    port: 'internal',
    scheme: 'HTTP',
  });
  assert.deepEqual(container.startupProbe.httpGet, {
    path: '/live',
    port: 'internal',
    scheme: 'HTTP',
  });
  assert.equal(container.lifecycle, undefined, 'no preStop: the node drains on SIGTERM');
  assert.deepEqual(spec.strategy, {
    type: 'RollingUpdate',
    rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
  });
  assert.equal(spec.minReadySeconds, 15);
  assert.equal(spec.template.spec.terminationGracePeriodSeconds, 50);
  const configMap = await client.get<KubeObject & { data: Record<string, string> }>(
    paths.configMap('rollout', 'chat-config'),
  );
  const config = JSON.parse(configMap.data['config.json'] as string);
  assert.deepEqual(config.shutdown, { drain_delay: '5s', disconnect_window: '10s' });

  // A longer window in spec.config: the grace period and the pace follow.
  await client.mergePatch(
    paths.centrifugo('rollout', 'chat'),
    { spec: { config: { shutdown: { disconnect_window: '40s' } } } },
    'test',
  );
  const moved = await waitFor('grace period from the new window', async () => {
    const d = await client.get<DeploymentObject>(paths.deployment('rollout', 'chat'));
    return specOf(d).template.spec.terminationGracePeriodSeconds === 80 ? d : undefined;
  });
  assert.equal(specOf(moved).minReadySeconds, 45);
});
