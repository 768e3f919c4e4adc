// What scales the nodes: an HPA on CPU and connections per pod, or a KEDA ScaledObject (only
// when served, and then no HPA of ours).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { context } from './fixture.ts';
import { buildHpa } from './hpa.ts';
import { buildChildren } from './index.ts';
import { buildScaledObject, connectionsQuery } from './scaled-object.ts';

const nats = { type: 'nats', nats: { urls: ['nats://n:4222'] } };
const scaling = (autoscaling: Record<string, unknown>) => ({
  engine: nats,
  autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 10, ...autoscaling },
});

test('HPA: CPU and connections per pod, as a Pods metric of the custom metrics API', () => {
  const hpa = buildHpa(context(scaling({ targetConnectionsPerPod: 5000 }))) as unknown as {
    spec: { metrics: unknown[] };
  };
  assert.deepEqual(hpa.spec.metrics, [
    {
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
    },
    {
      type: 'Pods',
      pods: {
        metric: { name: 'centrifugo_node_num_clients' },
        target: { type: 'AverageValue', averageValue: '5000' },
      },
    },
  ]);
  const renamed = buildHpa(
    context(scaling({ targetConnectionsPerPod: 10, connectionsMetricName: 'clients' })),
  ) as unknown as { spec: { metrics: { pods?: { metric: { name: string } } }[] } };
  assert.equal(renamed.spec.metrics[1]?.pods?.metric.name, 'clients');
});

test('KEDA: a ScaledObject with CPU and Prometheus connection triggers, and no HPA', () => {
  const spec = scaling({
    targetConnectionsPerPod: 5000,
    targetCPUUtilizationPercentage: 70,
    keda: { enabled: true, prometheusServerAddress: 'http://prom:9090' },
    behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
  });
  assert.equal(buildScaledObject(context(spec)), undefined, 'KEDA not served: none');
  assert.ok(buildHpa(context(spec)), 'and the HPA scales instead');
  const served = context(spec, { scaledObjectServed: true });
  assert.equal(buildHpa(served), undefined);
  const so = buildScaledObject(served) as unknown as {
    apiVersion: string;
    spec: Record<string, unknown>;
  };
  assert.equal(so.apiVersion, 'keda.sh/v1alpha1');
  assert.deepEqual(so.spec, {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'chat' },
    minReplicaCount: 2,
    maxReplicaCount: 10,
    triggers: [
      { type: 'cpu', metricType: 'Utilization', metadata: { value: '70' } },
      {
        type: 'prometheus',
        name: 'connections',
        metricType: 'AverageValue',
        metadata: {
          serverAddress: 'http://prom:9090',
          query: connectionsQuery('apps', 'chat'),
          threshold: '5000',
        },
      },
    ],
    advanced: {
      horizontalPodAutoscalerConfig: {
        behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
      },
    },
  });
  assert.equal(
    connectionsQuery('apps', 'chat'),
    'sum(centrifugo_node_num_clients{namespace="apps",pod=~"chat-[a-z0-9]+-[a-z0-9]+"})',
  );
  const kinds = buildChildren(served);
  assert.ok(kinds.apply.some((o) => o.kind === 'ScaledObject'));
  assert.ok(kinds.absent.some((r) => r.kind === 'HorizontalPodAutoscaler'));
  const off = buildChildren(context(scaling({}), { scaledObjectServed: true }));
  assert.ok(
    off.absent.some((r) => r.kind === 'ScaledObject'),
    'KEDA off: ours removed',
  );
});
