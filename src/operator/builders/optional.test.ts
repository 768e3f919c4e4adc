// PDB, HPA and ServiceMonitor: built only when asked for (and, for the ServiceMonitor, served).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { context } from './fixture.ts';
import { buildHpa } from './hpa.ts';
import { buildPdb } from './pdb.ts';
import { buildServiceMonitor } from './service-monitor.ts';

const nats = { type: 'nats', nats: { urls: ['nats://n:4222'] } };

test('PDB: none unless enabled; maxUnavailable 1 by default; the one budget given', () => {
  assert.equal(buildPdb(context()), undefined);
  const byDefault = buildPdb(context({ pdb: { enabled: true } })) as unknown as {
    spec: Record<string, unknown>;
  };
  assert.deepEqual(byDefault.spec, {
    maxUnavailable: 1,
    selector: {
      matchLabels: { 'app.kubernetes.io/name': 'centrifugo', 'app.kubernetes.io/instance': 'chat' },
    },
  });
  const min = buildPdb(
    context({ replicas: 3, engine: nats, pdb: { enabled: true, minAvailable: '50%' } }),
  );
  assert.equal((min as unknown as { spec: Record<string, unknown> }).spec.minAvailable, '50%');
  assert.equal(
    'maxUnavailable' in (min as unknown as { spec: Record<string, unknown> }).spec,
    false,
  );
  assert.equal(min?.apiVersion, 'policy/v1');
});

test('HPA: autoscaling/v2 on the Deployment, CPU 80% unless targets are given', () => {
  assert.equal(buildHpa(context()), undefined);
  const hpa = buildHpa(
    context({ engine: nats, autoscaling: { enabled: true, maxReplicas: 6 } }),
  ) as unknown as {
    apiVersion: string;
    spec: Record<string, unknown>;
  };
  assert.equal(hpa.apiVersion, 'autoscaling/v2');
  assert.deepEqual(hpa.spec.scaleTargetRef, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name: 'chat',
  });
  assert.equal(hpa.spec.minReplicas, 1);
  assert.equal(hpa.spec.maxReplicas, 6);
  assert.deepEqual(hpa.spec.metrics, [
    {
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
    },
  ]);
  const mem = buildHpa(
    context({
      engine: nats,
      autoscaling: {
        enabled: true,
        minReplicas: 2,
        maxReplicas: 4,
        targetMemoryUtilizationPercentage: 70,
        behavior: { scaleDown: { stabilizationWindowSeconds: 600 } },
      },
    }),
  ) as unknown as { spec: { metrics: { resource: { name: string } }[]; behavior: unknown } };
  assert.deepEqual(
    mem.spec.metrics.map((m) => m.resource.name),
    ['memory'],
  );
  assert.deepEqual(mem.spec.behavior, { scaleDown: { stabilizationWindowSeconds: 600 } });
});

test('ServiceMonitor: only when enabled and served; scrapes the internal Service', () => {
  const on = { serviceMonitor: { enabled: true, interval: '15s', labels: { release: 'prom' } } };
  assert.equal(buildServiceMonitor(context(on)), undefined, 'CRD not served');
  assert.equal(buildServiceMonitor(context({}, { serviceMonitorServed: true })), undefined);
  const sm = buildServiceMonitor(context(on, { serviceMonitorServed: true })) as unknown as {
    metadata: { labels: Record<string, string> };
    spec: Record<string, unknown>;
  };
  assert.equal(sm.metadata.labels.release, 'prom');
  assert.deepEqual(sm.spec.endpoints, [{ port: 'internal', path: '/metrics', interval: '15s' }]);
  assert.deepEqual(sm.spec.selector, {
    matchLabels: {
      'app.kubernetes.io/name': 'centrifugo',
      'app.kubernetes.io/instance': 'chat',
      'centrifugo-ts.dev/service': 'internal',
    },
  });
  assert.deepEqual(sm.spec.namespaceSelector, { matchNames: ['apps'] });
});
