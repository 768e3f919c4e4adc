// The KEDA ScaledObject, when spec.autoscaling.keda.enabled and the cluster serves
// keda.sh/v1alpha1 (as ServiceMonitor: never gated on the spec alone). KEDA then makes and
// owns the HorizontalPodAutoscaler, so the operator makes none (hpa.ts). Triggers: CPU (and
// memory) utilization as the HPA would have them, and connections per pod from Prometheus:
// the sum of centrifugo_node_num_clients over this Deployment's pods (by the namespace and
// pod labels both the README's scrape config and a ServiceMonitor give), against
// targetConnectionsPerPod as an average value, so KEDA asks for ceil(sum / target) pods.
import type { KubeObject } from '../kube/types.ts';
import type { BuildContext } from './context.ts';
import { scaledByKeda } from './hpa.ts';
import { childNames, commonLabels, ownerReference } from './names.ts';

export const SCALED_OBJECT_API = 'keda.sh/v1alpha1';
const DEFAULT_CPU_TARGET = 80;

/** The PromQL sum of the connections of one Deployment's pods. */
export function connectionsQuery(namespace: string, deployment: string): string {
  return `sum(centrifugo_node_num_clients{namespace="${namespace}",pod=~"${deployment}-[a-z0-9]+-[a-z0-9]+"})`;
}

export function buildScaledObject(ctx: BuildContext): KubeObject | undefined {
  const a = ctx.spec.autoscaling;
  if (!scaledByKeda(ctx) || a.maxReplicas === undefined) return undefined;
  const names = childNames(ctx.name);
  const utilization = (type: string, value: number) => ({
    type,
    metricType: 'Utilization',
    metadata: { value: String(value) },
  });
  const triggers: Record<string, unknown>[] = [];
  const cpu = a.targetCPUUtilizationPercentage;
  const memory = a.targetMemoryUtilizationPercentage;
  if (cpu !== undefined || memory === undefined) {
    triggers.push(utilization('cpu', cpu ?? DEFAULT_CPU_TARGET));
  }
  if (memory !== undefined) triggers.push(utilization('memory', memory));
  if (a.targetConnectionsPerPod !== undefined && a.keda?.prometheusServerAddress) {
    triggers.push({
      type: 'prometheus',
      name: 'connections',
      metricType: 'AverageValue',
      metadata: {
        serverAddress: a.keda.prometheusServerAddress,
        query: connectionsQuery(ctx.namespace, names.deployment),
        threshold: String(a.targetConnectionsPerPod),
      },
    });
  }
  const spec: Record<string, unknown> = {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: names.deployment },
    minReplicaCount: a.minReplicas,
    maxReplicaCount: a.maxReplicas,
    triggers,
  };
  if (a.behavior) spec.advanced = { horizontalPodAutoscalerConfig: { behavior: a.behavior } };
  return {
    apiVersion: SCALED_OBJECT_API,
    kind: 'ScaledObject',
    metadata: {
      name: names.scaledObject,
      namespace: ctx.namespace,
      labels: commonLabels(ctx.name, ctx.tag, 'node'),
      ownerReferences: [ownerReference(ctx.resource)],
    },
    spec,
  };
}
