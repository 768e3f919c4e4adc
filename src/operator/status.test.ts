import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resource } from './builders/fixture.ts';
import type { CentrifugoResource } from './crd/index.ts';
import type { DeploymentObject } from './kube/types.ts';
import {
  beginStatus,
  computeStatus,
  findCondition,
  PAUSED,
  pausedStatus,
  READY,
  RECONCILING,
  rolloutOf,
  STALLED,
  setCondition,
} from './status.ts';

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:01:00Z';

function deployment(replicas: number, status: DeploymentObject['status'], generation = 1) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'chat', generation },
    spec: { replicas },
    status,
  } satisfies DeploymentObject;
}
const healthy = (n: number) =>
  deployment(n, {
    observedGeneration: 1,
    replicas: n,
    updatedReplicas: n,
    readyReplicas: n,
    availableReplicas: n,
  });

test('setCondition keeps lastTransitionTime unless the status flips', () => {
  let conditions = setCondition(
    [],
    { type: READY, status: 'False', reason: 'A', message: 'a' },
    T0,
    1,
  );
  conditions = setCondition(
    conditions,
    { type: READY, status: 'False', reason: 'B', message: 'b' },
    T1,
    2,
  );
  assert.equal(conditions[0]?.lastTransitionTime, T0);
  assert.equal(conditions[0]?.reason, 'B');
  assert.equal(conditions[0]?.observedGeneration, 2);
  conditions = setCondition(
    conditions,
    { type: READY, status: 'True', reason: 'C', message: 'c' },
    T1,
    2,
  );
  assert.equal(conditions[0]?.lastTransitionTime, T1);
});

test('conditions keep a fixed order whatever order they were set in', () => {
  let conditions = setCondition(
    [],
    { type: STALLED, status: 'False', reason: 'R', message: '' },
    T0,
    1,
  );
  conditions = setCondition(
    conditions,
    { type: 'Custom', status: 'True', reason: 'R', message: '' },
    T0,
    1,
  );
  conditions = setCondition(
    conditions,
    { type: READY, status: 'True', reason: 'R', message: '' },
    T0,
    1,
  );
  assert.deepEqual(
    conditions.map((c) => c.type),
    [READY, STALLED, 'Custom'],
  );
});

test('rolloutOf judges like kubectl rollout status', () => {
  assert.equal(rolloutOf(healthy(2)).done, true);
  assert.equal(rolloutOf(deployment(2, { observedGeneration: 0 })).done, false);
  const rolling = rolloutOf(
    deployment(3, { observedGeneration: 1, replicas: 4, updatedReplicas: 2, readyReplicas: 3 }),
  );
  assert.equal(rolling.done, false);
  assert.match(rolling.message, /2\/3 nodes updated/);
  const terminating = rolloutOf(
    deployment(2, { observedGeneration: 1, replicas: 3, updatedReplicas: 2, availableReplicas: 2 }),
  );
  assert.match(terminating.message, /1 old nodes terminating/);
  assert.equal(rolloutOf(undefined).desired, 1);
});

test('applied and rolled out: Ready True, Reconciling and Stalled False, generation observed', () => {
  const cr = { ...resource(), metadata: { ...resource().metadata, generation: 4 } };
  const status = computeStatus(
    cr,
    { kind: 'applied', deployment: healthy(2), warnings: [] },
    { selector: 's', image: 'i' },
    T0,
  );
  assert.equal(status.observedGeneration, 4);
  assert.equal(status.readyReplicas, 2);
  assert.equal(status.replicas, 2);
  assert.equal(status.selector, 's');
  assert.deepEqual(
    status.conditions?.map((c) => [c.type, c.status, c.reason, c.observedGeneration]),
    [
      [READY, 'True', 'Reconciled', 4],
      [RECONCILING, 'False', 'Reconciled', 4],
      [STALLED, 'False', 'Reconciled', 4],
    ],
  );
});

test('a second computation over the same observation is identical (no write)', () => {
  const outcome = { kind: 'applied' as const, deployment: healthy(1), warnings: [] };
  const first = computeStatus(resource(), outcome, {}, T0);
  const again = computeStatus({ ...resource(), status: first }, outcome, {}, T1);
  assert.deepEqual(again, first);
});

test('no available pods: Ready False; Reconciling True; zero replicas: ScaledToZero', () => {
  const none = computeStatus(
    resource(),
    {
      kind: 'applied',
      deployment: deployment(1, { observedGeneration: 1, replicas: 1, updatedReplicas: 1 }),
      warnings: [],
    },
    {},
    T0,
  );
  assert.equal(findCondition(none, READY)?.status, 'False');
  assert.equal(findCondition(none, READY)?.reason, 'NoReadyNodes');
  assert.equal(findCondition(none, RECONCILING)?.status, 'True');
  const zero = computeStatus(
    resource(),
    { kind: 'applied', deployment: deployment(0, { observedGeneration: 1 }), warnings: ['w'] },
    {},
    T0,
  );
  assert.equal(findCondition(zero, READY)?.reason, 'ScaledToZero');
  assert.match(findCondition(zero, READY)?.message ?? '', /; w$/);
});

test('Ready only once the Deployment observed this template and every pod is updated and available', () => {
  const outcome = (d: DeploymentObject) => ({
    kind: 'applied' as const,
    deployment: d,
    warnings: [],
  });
  // A spec change: the Deployment's generation moved, its controller has not seen it yet;
  // the pods of the previous template are all ready.
  const unobserved = { ...healthy(2), metadata: { name: 'chat', generation: 2 } };
  const before = computeStatus(resource(), outcome(unobserved), {}, T0);
  assert.equal(findCondition(before, READY)?.status, 'False');
  assert.equal(findCondition(before, READY)?.reason, 'RollingOut');
  assert.equal(findCondition(before, RECONCILING)?.status, 'True');
  const halfway = deployment(2, {
    observedGeneration: 1,
    replicas: 3,
    updatedReplicas: 2,
    readyReplicas: 3,
    availableReplicas: 3,
  });
  assert.equal(
    findCondition(computeStatus(resource(), outcome(halfway), {}, T0), READY)?.status,
    'False',
  );
  const unavailable = deployment(2, {
    observedGeneration: 1,
    replicas: 2,
    updatedReplicas: 2,
    readyReplicas: 1,
    availableReplicas: 1,
  });
  const one = computeStatus(resource(), outcome(unavailable), {}, T0);
  assert.equal(findCondition(one, READY)?.reason, 'NodesUnavailable');
  assert.equal(
    findCondition(computeStatus(resource(), outcome(healthy(2)), {}, T0), READY)?.status,
    'True',
  );
});

test('ProgressDeadlineExceeded: Stalled True with the Deployment named, Ready False', () => {
  const stuck = deployment(2, {
    observedGeneration: 1,
    replicas: 2,
    updatedReplicas: 1,
    availableReplicas: 1,
    conditions: [
      {
        type: 'Progressing',
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
        message: 'ReplicaSet "chat-1" has timed out progressing.',
      },
    ],
  });
  const status = computeStatus(
    resource(),
    { kind: 'applied', deployment: stuck, warnings: [] },
    {},
    T0,
  );
  assert.equal(findCondition(status, STALLED)?.status, 'True');
  assert.equal(findCondition(status, STALLED)?.reason, 'ProgressDeadlineExceeded');
  assert.match(
    findCondition(status, STALLED)?.message ?? '',
    /^Deployment chat: ReplicaSet "chat-1" has timed out/,
  );
  assert.equal(findCondition(status, READY)?.status, 'False');
  assert.equal(findCondition(status, RECONCILING)?.status, 'False');
  assert.equal(status.observedGeneration, 1);
  // A new template resets the verdict: the controller has not judged it yet.
  const next = { ...stuck, metadata: { name: 'chat', generation: 2 } };
  const again = computeStatus(
    resource(),
    { kind: 'applied', deployment: next, warnings: [] },
    {},
    T0,
  );
  assert.equal(findCondition(again, STALLED)?.status, 'False');
});

test('stalled: Stalled True with the reason, generation observed (kstatus Failed)', () => {
  const status = computeStatus(
    resource(),
    { kind: 'stalled', reason: 'InvalidConfig', message: 'bad key' },
    {},
    T0,
  );
  assert.equal(status.observedGeneration, 1);
  assert.equal(findCondition(status, STALLED)?.status, 'True');
  assert.equal(findCondition(status, STALLED)?.reason, 'InvalidConfig');
  assert.equal(findCondition(status, READY)?.message, 'bad key');
  assert.equal(findCondition(status, RECONCILING)?.status, 'False');
});

test('failed: Reconciling True, generation not observed, the old fields kept', () => {
  const cr: CentrifugoResource = {
    ...resource(),
    metadata: { ...resource().metadata, generation: 3 },
    status: { observedGeneration: 2, readyReplicas: 1 },
  };
  const status = computeStatus(
    cr,
    { kind: 'failed', reason: 'ApplyFailed', message: 'boom' },
    {},
    T0,
  );
  assert.equal(status.observedGeneration, 2);
  assert.equal(status.readyReplicas, 1);
  assert.equal(findCondition(status, RECONCILING)?.status, 'True');
  assert.equal(findCondition(status, READY)?.reason, 'ApplyFailed');
});

test('beginStatus: Reconciling True once per new generation, nothing when up to date', () => {
  const fresh = beginStatus(resource(), T0);
  assert.equal(findCondition(fresh, RECONCILING)?.status, 'True');
  assert.equal(findCondition(fresh, READY)?.status, 'Unknown');
  assert.equal(beginStatus({ ...resource(), status: fresh }, T1), undefined, 'already begun');
  const done = computeStatus(
    resource(),
    { kind: 'applied', deployment: healthy(1), warnings: [] },
    {},
    T0,
  );
  assert.equal(beginStatus({ ...resource(), status: done }, T1), undefined);
  const next = { ...resource(), metadata: { ...resource().metadata, generation: 2 }, status: done };
  const begun = beginStatus(next, T1);
  assert.equal(findCondition(begun, RECONCILING)?.status, 'True');
  assert.equal(findCondition(begun, READY)?.status, 'True', 'Ready keeps its last value');
});

test('paused: ReconciliationPaused True; it goes away on the next reconcile', () => {
  const paused = pausedStatus(resource(), T0);
  assert.equal(findCondition(paused, PAUSED)?.status, 'True');
  assert.equal(findCondition(paused, PAUSED)?.reason, 'PausedByAnnotation');
  const resumed = computeStatus(
    { ...resource(), status: paused },
    { kind: 'applied', deployment: healthy(1), warnings: [] },
    {},
    T1,
  );
  assert.equal(findCondition(resumed, PAUSED), undefined);
});
