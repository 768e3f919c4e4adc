// Status, computed purely from what a reconcile observed. Conditions follow metav1.Condition
// and kstatus (what `helm --wait` and `kubectl wait` read): `Ready` is the summary,
// `Reconciling` is True while work is in flight (written as early as possible), `Stalled` is
// True when retrying cannot help until the user changes something. `lastTransitionTime` moves
// only when a condition's status flips (EMQX's operator gets this wrong), so an unchanged
// object gets a byte-identical status and a second reconcile writes nothing.
import type { CentrifugoResource, CentrifugoStatus, Condition } from './crd/index.ts';
import type { DeploymentObject } from './kube/types.ts';

export const READY = 'Ready';
export const RECONCILING = 'Reconciling';
export const STALLED = 'Stalled';
export const PAUSED = 'ReconciliationPaused';
const ORDER = [READY, RECONCILING, STALLED, PAUSED];

export interface ConditionInput {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/**
 * The conditions with `next` set: lastTransitionTime is kept unless the status flips, and the
 * list stays in a fixed order so equal inputs give equal lists.
 */
export function setCondition(
  conditions: readonly Condition[],
  next: ConditionInput,
  now: string,
  generation: number | undefined,
): Condition[] {
  const previous = conditions.find((c) => c.type === next.type);
  const condition: Condition = {
    type: next.type,
    status: next.status,
    reason: next.reason,
    message: next.message,
    lastTransitionTime:
      previous && previous.status === next.status ? previous.lastTransitionTime : now,
  };
  if (generation !== undefined) condition.observedGeneration = generation;
  return sortConditions([...conditions.filter((c) => c.type !== next.type), condition]);
}

export function removeCondition(conditions: readonly Condition[], type: string): Condition[] {
  return conditions.filter((c) => c.type !== type);
}

function sortConditions(conditions: Condition[]): Condition[] {
  const rank = (type: string) => {
    const i = ORDER.indexOf(type);
    return i >= 0 ? i : ORDER.length;
  };
  return conditions.sort((a, b) => rank(a.type) - rank(b.type) || a.type.localeCompare(b.type));
}

export function findCondition(status: CentrifugoStatus | undefined, type: string) {
  return status?.conditions?.find((c) => c.type === type);
}

/** How far a Deployment's rollout is, as `kubectl rollout status` judges it. */
export interface Rollout {
  desired: number;
  ready: number;
  updated: number;
  current: number;
  /** The controller saw this template, and every pod is of it and available. */
  done: boolean;
  /** Why not done, in one CamelCase word. */
  reason: string;
  message: string;
  /** The Deployment gave up: Progressing=False, ProgressDeadlineExceeded. */
  deadlineExceeded: boolean;
}

export function rolloutOf(deployment: DeploymentObject | undefined): Rollout {
  const spec = deployment?.spec;
  const status = deployment?.status ?? {};
  const desired = spec?.replicas ?? 1;
  const ready = status.readyReplicas ?? 0;
  const updated = status.updatedReplicas ?? 0;
  const current = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const generation = deployment?.metadata.generation ?? 0;
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  const observed = (status.observedGeneration ?? 0) >= generation;
  // The controller reports the deadline for the template it observed: an older verdict says
  // nothing about a template it has not seen yet.
  const deadlineExceeded =
    observed &&
    progressing?.status === 'False' &&
    progressing.reason === 'ProgressDeadlineExceeded';
  let message = `${ready}/${desired} nodes ready`;
  let reason = 'Reconciled';
  let done = true;
  if (!observed) {
    done = false;
    reason = 'RollingOut';
    message = 'waiting for the Deployment controller to observe the new template';
  } else if (updated < desired) {
    done = false;
    reason = 'RollingOut';
    message = `rolling out: ${updated}/${desired} nodes updated`;
  } else if (current > updated) {
    done = false;
    reason = 'RollingOut';
    message = `rolling out: ${current - updated} old nodes terminating`;
  } else if (available < updated) {
    done = false;
    reason = available === 0 ? 'NoReadyNodes' : 'NodesUnavailable';
    message = `${available}/${updated} updated nodes available`;
  }
  if (deadlineExceeded) {
    done = false;
    reason = 'ProgressDeadlineExceeded';
    message = `Deployment ${deployment?.metadata.name}: ${progressing?.message ?? 'progress deadline exceeded'}`;
  }
  return { desired, ready, updated, current, done, reason, message, deadlineExceeded };
}

/** The outcome of one reconcile, from which the conditions follow. */
export type Outcome =
  | {
      kind: 'applied';
      deployment: DeploymentObject | undefined;
      /** Non-fatal problems, shown in Ready's message (e.g. ServiceMonitor CRD missing). */
      warnings: readonly string[];
    }
  /** Retrying cannot help until the spec or a referenced object changes. */
  | { kind: 'stalled'; reason: string; message: string }
  /** A transient error; the loop retries with backoff. */
  | { kind: 'failed'; reason: string; message: string };

export interface StatusFields {
  selector?: string;
  image?: string;
  configHash?: string;
  credentialsHash?: string;
  credentials?: CentrifugoStatus['credentials'];
  endpoints?: CentrifugoStatus['endpoints'];
}

/**
 * The status after a reconcile. observedGeneration moves only when this generation was fully
 * processed (applied, or found invalid): a transient failure leaves it behind, so kstatus
 * keeps reporting InProgress while the loop retries.
 */
export function computeStatus(
  resource: CentrifugoResource,
  outcome: Outcome,
  fields: StatusFields,
  now: string,
): CentrifugoStatus {
  const previous = resource.status ?? {};
  const generation = resource.metadata.generation;
  let conditions = removeCondition(previous.conditions ?? [], PAUSED);
  const set = (type: string, status: ConditionInput['status'], reason: string, message: string) => {
    conditions = setCondition(conditions, { type, status, reason, message }, now, generation);
  };
  const status: CentrifugoStatus = { ...previous, ...fields };
  switch (outcome.kind) {
    case 'applied': {
      const rollout = rolloutOf(outcome.deployment);
      const suffix = outcome.warnings.length > 0 ? `; ${outcome.warnings.join('; ')}` : '';
      // Ready only once the Deployment has caught up with this spec and every pod is of the
      // current template and available: `kubectl wait --for=condition=Ready` after a change
      // then waits for the rollout instead of reading the previous one's verdict.
      if (rollout.desired === 0 && rollout.done) {
        set(READY, 'False', 'ScaledToZero', `0 nodes requested${suffix}`);
      } else if (rollout.done) {
        set(
          READY,
          'True',
          'Reconciled',
          `${rollout.ready}/${rollout.desired} nodes ready${suffix}`,
        );
      } else {
        set(READY, 'False', rollout.reason, `${rollout.message}${suffix}`);
      }
      if (rollout.deadlineExceeded) {
        set(RECONCILING, 'False', 'Stalled', 'the Deployment stopped progressing');
        set(STALLED, 'True', rollout.reason, rollout.message);
      } else {
        if (rollout.done) {
          set(RECONCILING, 'False', 'Reconciled', 'all children applied and rolled out');
        } else set(RECONCILING, 'True', rollout.reason, rollout.message);
        set(STALLED, 'False', 'Reconciled', 'not stalled');
      }
      status.replicas = outcome.deployment?.status?.replicas ?? 0;
      status.readyReplicas = rollout.ready;
      status.updatedReplicas = rollout.updated;
      status.observedGeneration = generation;
      break;
    }
    case 'stalled':
      set(READY, 'False', outcome.reason, outcome.message);
      set(RECONCILING, 'False', 'Stalled', 'waiting for the spec or a referenced object to change');
      set(STALLED, 'True', outcome.reason, outcome.message);
      status.observedGeneration = generation;
      break;
    case 'failed':
      set(READY, 'False', outcome.reason, outcome.message);
      set(RECONCILING, 'True', 'Retrying', outcome.message);
      set(STALLED, 'False', 'Retrying', 'retrying with backoff');
      break;
  }
  status.conditions = conditions;
  return status;
}

/**
 * Status for the start of a reconcile of a new generation: Reconciling=True before any work,
 * so kstatus never mistakes the old Ready for the new spec's. Undefined when nothing changes.
 */
export function beginStatus(
  resource: CentrifugoResource,
  now: string,
): CentrifugoStatus | undefined {
  const previous = resource.status ?? {};
  const generation = resource.metadata.generation;
  const reconciling = findCondition(previous, RECONCILING);
  if (previous.observedGeneration === generation && previous.conditions?.length) return undefined;
  if (reconciling?.status === 'True' && reconciling.observedGeneration === generation) {
    return undefined;
  }
  let conditions = removeCondition(previous.conditions ?? [], PAUSED);
  conditions = setCondition(
    conditions,
    {
      type: RECONCILING,
      status: 'True',
      reason: 'Progressing',
      message: `reconciling generation ${generation ?? 0}`,
    },
    now,
    generation,
  );
  if (!findCondition(previous, READY)) {
    conditions = setCondition(
      conditions,
      { type: READY, status: 'Unknown', reason: 'Progressing', message: 'first reconcile' },
      now,
      generation,
    );
  }
  return { ...previous, conditions };
}

/** Status of a paused Centrifugo: the pause is shown, everything else is left as it was. */
export function pausedStatus(resource: CentrifugoResource, now: string): CentrifugoStatus {
  const previous = resource.status ?? {};
  const conditions = setCondition(
    previous.conditions ?? [],
    {
      type: PAUSED,
      status: 'True',
      reason: 'PausedByAnnotation',
      message: 'reconciliation is paused by the centrifugo-ts.dev/paused annotation',
    },
    now,
    resource.metadata.generation,
  );
  return { ...previous, conditions };
}
