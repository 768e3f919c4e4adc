import assert from 'node:assert/strict';
import { test } from 'node:test';
import { context } from './fixture.ts';
import { buildChildren } from './index.ts';
import { mergeOverrides } from './merge.ts';
import { versionLabel } from './names.ts';

const nats = { type: 'nats', nats: { urls: ['nats://n:4222'] } };

test('children in order: Secret and ConfigMap before the Deployment, HPA after it', () => {
  const all = buildChildren(
    context(
      {
        engine: nats,
        pdb: { enabled: true },
        autoscaling: { enabled: true, maxReplicas: 3 },
        serviceMonitor: { enabled: true },
        ingress: { enabled: true, host: 'rt.example.com' },
        httpRoute: { enabled: true, parentRefs: [{ name: 'gw' }] },
      },
      { serviceMonitorServed: true, httpRouteServed: true },
    ),
  );
  assert.deepEqual(
    all.apply.map((o) => `${o.kind}/${o.metadata.name}`),
    [
      'Secret/chat-credentials',
      'ConfigMap/chat-config',
      'Service/chat-internal',
      'Service/chat',
      'Deployment/chat',
      'PodDisruptionBudget/chat',
      'HorizontalPodAutoscaler/chat',
      'Ingress/chat',
      'HTTPRoute/chat',
      'ServiceMonitor/chat',
    ],
  );
  assert.deepEqual(all.absent, []);
});

test('every child: namespace, controller owner reference, managed-by label', () => {
  for (const o of buildChildren(context({ pdb: { enabled: true } })).apply) {
    assert.equal(o.metadata.namespace, 'apps', o.kind);
    assert.deepEqual(o.metadata.ownerReferences, [
      {
        apiVersion: 'centrifugo-ts.dev/v1alpha1',
        kind: 'Centrifugo',
        name: 'chat',
        uid: 'uid-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.equal(o.metadata.labels?.['app.kubernetes.io/managed-by'], 'centrifugo-ts-operator');
    assert.equal(o.metadata.labels?.['app.kubernetes.io/instance'], 'chat');
  }
});

test('optional children not wanted are listed for removal; an existing Secret is not applied', () => {
  const none = buildChildren(
    context(
      { secrets: { existingSecret: 'mine' } },
      {
        credentials: { secretName: 'mine', generated: false, keys: [], hash: 'h' },
      },
    ),
  );
  assert.deepEqual(
    none.apply.map((o) => o.kind),
    ['ConfigMap', 'Service', 'Service', 'Deployment'],
  );
  assert.deepEqual(
    none.absent.map((r) => `${r.kind}/${r.name}`),
    ['PodDisruptionBudget/chat', 'HorizontalPodAutoscaler/chat', 'Ingress/chat'],
    'ServiceMonitor and HTTPRoute are neither applied nor deleted when their CRDs are not served',
  );
});

test('mergeOverrides: objects merge, named lists merge by name, null removes', () => {
  const base = { a: { b: 1, c: 2 }, list: [{ name: 'x', v: 1 }], plain: [1, 2], keep: true };
  const merged = mergeOverrides(base, {
    a: { c: 3, d: 4 },
    list: [{ name: 'x', w: 2 }, { name: 'y' }],
    plain: [9],
    keep: null,
  });
  assert.deepEqual(merged, {
    a: { b: 1, c: 3, d: 4 },
    list: [{ name: 'x', v: 1, w: 2 }, { name: 'y' }],
    plain: [9],
  });
  assert.deepEqual(base.a, { b: 1, c: 2 }, 'inputs untouched');
});

test('versionLabel keeps label values valid', () => {
  assert.equal(versionLabel('1.2.3'), '1.2.3');
  assert.equal(versionLabel('v1+build'), 'v1_build');
  assert.equal(versionLabel('-x-'), 'x');
  assert.equal(versionLabel('___'), undefined);
  assert.equal(versionLabel('a'.repeat(80))?.length, 63);
});
