import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FIELD_MANAGER } from '../crd/index.ts';
import type { DeploymentObject } from '../kube/types.ts';
import { context } from './fixture.ts';
import { ownsReplicas, replicasHandover } from './replicas-handover.ts';

const nats = { type: 'nats', nats: { urls: ['nats://n:4222'] } };
const autoscaled = context({ engine: nats, autoscaling: { enabled: true, maxReplicas: 5 } });

function deployment(manager: string, fields: Record<string, unknown>): DeploymentObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'chat',
      namespace: 'apps',
      managedFields: [{ manager, operation: 'Apply', fieldsV1: { 'f:spec': fields } }],
    },
    spec: { replicas: 4 },
  };
}

test('autoscaling on while the operator owns replicas: hand the current count over', () => {
  const ours = deployment(FIELD_MANAGER, { 'f:replicas': {}, 'f:template': {} });
  assert.ok(ownsReplicas(ours, FIELD_MANAGER));
  assert.deepEqual(replicasHandover(autoscaled, ours), {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'chat', namespace: 'apps' },
    spec: { replicas: 4 },
  });
});

test('nothing to hand over: autoscaling off, no Deployment yet, or replicas not ours', () => {
  const ours = deployment(FIELD_MANAGER, { 'f:replicas': {} });
  assert.equal(replicasHandover(context({ replicas: 1 }), ours), undefined);
  assert.equal(replicasHandover(autoscaled, undefined), undefined);
  const released = deployment(FIELD_MANAGER, { 'f:template': {} });
  assert.equal(replicasHandover(autoscaled, released), undefined);
});
