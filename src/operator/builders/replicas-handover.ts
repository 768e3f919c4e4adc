// Turning autoscaling on hands `spec.replicas` of the Deployment from the operator to the
// HPA. The operator's next apply leaves the field out; if the operator was its only manager,
// the server would reset it to the default, 1, and a running Deployment would drop to one
// pod at once. The server-side apply documentation's "Transferring ownership" section
// (https://kubernetes.io/docs/reference/using-api/server-side-apply/#transferring-ownership)
// gives the technique: first apply replicas = the current value under a second field
// manager, then apply without the field. The second manager keeps the value until the HPA
// writes its own, after which it owns nothing and the server drops it. A conflict on that
// first apply means the HPA already owns the field, and nothing needs doing.
import { FIELD_MANAGER } from '../crd/index.ts';
import type { DeploymentObject, KubeObject } from '../kube/types.ts';
import type { BuildContext } from './context.ts';

/** The field manager that holds the replica count between the operator and the HPA. */
export const HANDOVER_FIELD_MANAGER = `${FIELD_MANAGER}-handover`;

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: { 'f:spec'?: Record<string, unknown> };
}

/** Whether `manager` owns spec.replicas of this object through apply. */
export function ownsReplicas(object: KubeObject, manager: string): boolean {
  const entries = (object.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  return entries.some(
    (e) =>
      e.manager === manager &&
      e.operation === 'Apply' &&
      !e.subresource &&
      e.fieldsV1?.['f:spec']?.['f:replicas'] !== undefined,
  );
}

/**
 * The apply to make, under HANDOVER_FIELD_MANAGER and without force, before the
 * Deployment's apply: only when autoscaling is on and the operator still owns replicas.
 */
export function replicasHandover(
  ctx: BuildContext,
  existing: DeploymentObject | undefined,
): KubeObject | undefined {
  if (!ctx.spec.autoscaling.enabled || !existing) return undefined;
  const current = existing.spec?.replicas;
  if (current === undefined || !ownsReplicas(existing, FIELD_MANAGER)) return undefined;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: existing.metadata.name, namespace: existing.metadata.namespace },
    spec: { replicas: current },
  };
}
