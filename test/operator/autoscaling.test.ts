// Autoscaling on what matters, against a real kube-apiserver: an HPA on CPU and connections
// per pod (a Pods metric of the custom metrics API), as the API server stores it; with
// spec.autoscaling.keda, a Warning and the HPA until KEDA's CRD is served (KEDA's own,
// scripts/ensure-k8s-crds.sh), then a ScaledObject the KEDA CRD validates and no HPA of ours.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import {
  centrifugo,
  create,
  events,
  getOptional,
  paths,
  runOperator,
  startCluster,
  waitFor,
} from './support.ts';

const NS = 'scaling';
const scaledObjectPath = (name: string) =>
  `/apis/keda.sh/v1alpha1/namespaces/${NS}/scaledobjects/${name}`;

function kedaCrd(t: TestContext): string | undefined {
  const dirs = [
    process.env.CENTRIFUGO_TS_KEDA_CRDS,
    join(homedir(), 'go/pkg/mod/github.com/kedacore/keda/v2@v2.21.0/config/crd/bases'),
  ];
  for (const dir of dirs) {
    const file = dir && join(dir, 'keda.sh_scaledobjects.yaml');
    if (file && existsSync(file)) return file;
  }
  const reason = 'KEDA CRDs not found: source scripts/ensure-k8s-crds.sh (.ci/run does)';
  if (process.env.CENTRIFUGO_TS_REQUIRE_TOOLS === '1') throw new Error(reason);
  console.log(`skipping: ${reason}`);
  t.skip(reason);
  return undefined;
}

test('autoscaling on CPU and connections, HPA or KEDA, on a real API server', {
  timeout: 300_000,
}, async (t) => {
  const cluster = await startCluster(t);
  if (!cluster) return;
  const { api, client } = cluster;
  await runOperator(t, cluster, {
    reconciler: { rolloutRequeueMs: 1_000, missingSecretRequeueMs: 500, discoveryTtlMs: 0 },
  });
  await api.createNamespace(NS);
  const autoscaling = {
    enabled: true,
    minReplicas: 2,
    maxReplicas: 20,
    targetConnectionsPerPod: 5000,
    keda: { enabled: true, prometheusServerAddress: 'http://prometheus.monitoring.svc:9090' },
  };
  await create(
    client,
    centrifugo(NS, 'chat', {
      engine: { type: 'nats', nats: { urls: ['nats://nats:4222'] } },
      autoscaling,
    }),
  );
  const hpa = await waitFor('the HPA', () =>
    getOptional<KubeObject & { spec: { metrics: unknown[] } }>(client, paths.hpa(NS, 'chat')),
  );
  assert.deepEqual(hpa.spec.metrics, [
    {
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
    },
    {
      type: 'Pods',
      pods: {
        metric: { name: 'centrifugo_node_num_clients' },
        target: { type: 'AverageValue', averageValue: '5k' },
      },
    },
  ]);
  const warned = await waitFor('KEDACRDMissing', async () =>
    (await events(client, NS, 'chat')).find((e) => e.reason === 'KEDACRDMissing'),
  );
  assert.equal(warned.type, 'Warning');

  const crd = kedaCrd(t);
  if (!crd) return;
  await api.kubectlOk(['apply', '--server-side', '-f', crd]);
  await api.kubectlOk([
    'wait',
    '--for=condition=Established',
    'crd/scaledobjects.keda.sh',
    '--timeout=60s',
  ]);
  await client.mergePatch(
    paths.centrifugo(NS, 'chat'),
    { spec: { autoscaling: { targetCPUUtilizationPercentage: 70 } } },
    'test',
  );
  const so = await waitFor('the ScaledObject', () =>
    getOptional<KubeObject & { spec: Record<string, unknown> }>(client, scaledObjectPath('chat')),
  );
  assert.equal(so.spec.minReplicaCount, 2);
  assert.equal(so.spec.maxReplicaCount, 20);
  const triggers = so.spec.triggers as { type: string; metadata: Record<string, string> }[];
  assert.deepEqual(
    triggers.map((tr) => tr.type),
    ['cpu', 'prometheus'],
  );
  assert.equal(triggers[0]?.metadata.value, '70');
  assert.equal(triggers[1]?.metadata.threshold, '5000');
  assert.match(
    triggers[1]?.metadata.query ?? '',
    /centrifugo_node_num_clients\{namespace="scaling"/,
  );
  await waitFor('our HPA deleted (KEDA makes its own)', async () => {
    const got = await getOptional(client, paths.hpa(NS, 'chat'));
    return got === undefined || got.metadata.deletionTimestamp !== undefined;
  });
  const deployment = await client.get<{ spec: { replicas?: number } }>(
    paths.deployment(NS, 'chat'),
  );
  assert.equal(deployment.spec.replicas, 1, 'the replica count stays until KEDA changes it');

  const refused = await api.request(
    'POST',
    paths.centrifugos(NS),
    centrifugo(NS, 'bad', {
      engine: { type: 'nats', nats: { urls: ['nats://nats:4222'] } },
      autoscaling: { ...autoscaling, keda: { enabled: true } },
    }),
  );
  assert.equal(refused.status, 422, refused.body);
  assert.match(
    refused.body,
    /keda with targetConnectionsPerPod needs keda\.prometheusServerAddress/,
  );
});
