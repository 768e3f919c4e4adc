// The PodDisruptionBudget, when spec.pdb.enabled: minAvailable or maxUnavailable (the CRD's
// CEL allows one), maxUnavailable 1 when neither is set.
import type { KubeObject } from '../kube/types.ts';
import type { BuildContext } from './context.ts';
import { childNames, commonLabels, ownerReference, selectorLabels } from './names.ts';

export function buildPdb(ctx: BuildContext): KubeObject | undefined {
  const { pdb } = ctx.spec;
  if (!pdb.enabled) return undefined;
  const budget =
    pdb.minAvailable !== undefined
      ? { minAvailable: pdb.minAvailable }
      : { maxUnavailable: pdb.maxUnavailable ?? 1 };
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: {
      name: childNames(ctx.name).pdb,
      namespace: ctx.namespace,
      labels: commonLabels(ctx.name, ctx.tag, 'node'),
      ownerReferences: [ownerReference(ctx.resource)],
    },
    spec: { ...budget, selector: { matchLabels: selectorLabels(ctx.name) } },
  };
}
