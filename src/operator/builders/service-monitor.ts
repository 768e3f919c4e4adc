// The Prometheus Operator ServiceMonitor, when spec.serviceMonitor.enabled and only if the
// cluster serves monitoring.coreos.com/v1 (the Helm chart's lesson: gating on the value alone
// fails on clusters without the CRD). It scrapes /metrics on the internal Service.
import type { KubeObject } from '../kube/types.ts';
import type { BuildContext } from './context.ts';
import {
  childNames,
  commonLabels,
  ownerReference,
  SERVICE_ROLE_LABEL,
  selectorLabels,
} from './names.ts';

export function buildServiceMonitor(ctx: BuildContext): KubeObject | undefined {
  const sm = ctx.spec.serviceMonitor;
  if (!sm.enabled || !ctx.serviceMonitorServed) return undefined;
  const endpoint: Record<string, unknown> = { port: 'internal', path: ctx.nodeConfig.metricsPath };
  if (sm.interval !== undefined) endpoint.interval = sm.interval;
  if (sm.scrapeTimeout !== undefined) endpoint.scrapeTimeout = sm.scrapeTimeout;
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: {
      name: childNames(ctx.name).serviceMonitor,
      namespace: ctx.namespace,
      labels: { ...(sm.labels ?? {}), ...commonLabels(ctx.name, ctx.tag, 'metrics') },
      ownerReferences: [ownerReference(ctx.resource)],
    },
    spec: {
      selector: { matchLabels: { ...selectorLabels(ctx.name), [SERVICE_ROLE_LABEL]: 'internal' } },
      namespaceSelector: { matchNames: [ctx.namespace] },
      endpoints: [endpoint],
    },
  };
}
