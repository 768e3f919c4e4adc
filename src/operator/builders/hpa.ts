// The HorizontalPodAutoscaler (autoscaling/v2), when spec.autoscaling.enabled (and KEDA does
// not make it instead: scaled-object.ts). It scales the Deployment, which then carries no
// `replicas` of ours (see deployment.ts). What matters for a real-time server: CPU (fan-out
// and encoding), and connections per pod, each of which holds memory and sockets whatever the
// traffic; the latter is a Pods metric of the custom metrics API, which prometheus-adapter
// serves from the nodes' centrifugo_node_num_clients (README: the adapter rule).
import type { KubeObject } from '../kube/types.ts';
import type { BuildContext } from './context.ts';
import { childNames, commonLabels, ownerReference } from './names.ts';

const DEFAULT_CPU_TARGET = 80;

const utilization = (name: string, averageUtilization: number) => ({
  type: 'Resource',
  resource: { name, target: { type: 'Utilization', averageUtilization } },
});

/** Whether a KEDA ScaledObject scales the nodes (asked for, and KEDA is there). */
export function scaledByKeda(ctx: BuildContext): boolean {
  const a = ctx.spec.autoscaling;
  return a.enabled && a.keda?.enabled === true && ctx.scaledObjectServed === true;
}

export function buildHpa(ctx: BuildContext): KubeObject | undefined {
  const a = ctx.spec.autoscaling;
  if (!a.enabled || a.maxReplicas === undefined || scaledByKeda(ctx)) return undefined;
  const metrics = [];
  const cpu = a.targetCPUUtilizationPercentage;
  const memory = a.targetMemoryUtilizationPercentage;
  if (cpu !== undefined || memory === undefined) {
    metrics.push(utilization('cpu', cpu ?? DEFAULT_CPU_TARGET));
  }
  if (memory !== undefined) metrics.push(utilization('memory', memory));
  if (a.targetConnectionsPerPod !== undefined) {
    metrics.push({
      type: 'Pods',
      pods: {
        metric: { name: a.connectionsMetricName },
        target: { type: 'AverageValue', averageValue: String(a.targetConnectionsPerPod) },
      },
    });
  }
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
