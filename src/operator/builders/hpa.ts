// The HorizontalPodAutoscaler (autoscaling/v2), when spec.autoscaling.enabled. It scales the
// Deployment, which then carries no `replicas` of ours (see deployment.ts).
import type { KubeObject } from '../kube/types.ts';
import type { BuildContext } from './context.ts';
import { childNames, commonLabels, ownerReference } from './names.ts';

const DEFAULT_CPU_TARGET = 80;

const utilization = (name: string, averageUtilization: number) => ({
  type: 'Resource',
  resource: { name, target: { type: 'Utilization', averageUtilization } },
});

export function buildHpa(ctx: BuildContext): KubeObject | undefined {
  const a = ctx.spec.autoscaling;
  if (!a.enabled || a.maxReplicas === undefined) return undefined;
  const metrics = [];
  const cpu = a.targetCPUUtilizationPercentage;
  const memory = a.targetMemoryUtilizationPercentage;
  if (cpu !== undefined || memory === undefined) {
    metrics.push(utilization('cpu', cpu ?? DEFAULT_CPU_TARGET));
  }
  if (memory !== undefined) metrics.push(utilization('memory', memory));
  const spec: Record<string, unknown> = {
    scaleTargetRef: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: childNames(ctx.name).deployment,
    },
    minReplicas: a.minReplicas,
    maxReplicas: a.maxReplicas,
    metrics,
  };
  if (a.behavior) spec.behavior = a.behavior;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: {
      name: childNames(ctx.name).hpa,
      namespace: ctx.namespace,
      labels: commonLabels(ctx.name, ctx.tag, 'node'),
      ownerReferences: [ownerReference(ctx.resource)],
    },
    spec,
  };
}
