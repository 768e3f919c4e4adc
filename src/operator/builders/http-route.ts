// The Gateway API HTTPRoute to the client Service (spec.httpRoute), only when the cluster
// serves gateway.networking.k8s.io/v1 HTTPRoute (as ServiceMonitor: gating on the spec alone
// would fail on clusters without the CRDs). Its rule turns the request timeouts off ("0s",
// which the Gateway API defines as no timeout): a WebSocket is one request that lasts as long
// as its client, and a gateway's request timeout would cut every connection at that age. Idle
// timeouts are the gateway implementation's (its own policy resources), not the route's.
import type { KubeObject } from '../kube/types.ts';
import type { BuildContext } from './context.ts';
import { childNames, commonLabels, ownerReference } from './names.ts';

export const HTTP_ROUTE_API = 'gateway.networking.k8s.io/v1';

export function buildHttpRoute(ctx: BuildContext): KubeObject | undefined {
  const route = ctx.spec.httpRoute;
  if (!route.enabled || !route.parentRefs || !ctx.httpRouteServed) return undefined;
  const names = childNames(ctx.name);
  const metadata: KubeObject['metadata'] = {
    name: names.httpRoute,
    namespace: ctx.namespace,
    labels: commonLabels(ctx.name, ctx.tag, 'node'),
    ownerReferences: [ownerReference(ctx.resource)],
  };
  if (route.annotations && Object.keys(route.annotations).length > 0) {
    metadata.annotations = route.annotations;
  }
  const spec: Record<string, unknown> = {
    parentRefs: route.parentRefs,
    rules: [
      {
        matches: [{ path: { type: 'PathPrefix', value: route.path } }],
        backendRefs: [{ name: names.clientService, port: ctx.spec.service.ports.client }],
        timeouts: { request: '0s', backendRequest: '0s' },
      },
    ],
  };
  if (route.hostnames?.length) spec.hostnames = route.hostnames;
  return { apiVersion: HTTP_ROUTE_API, kind: 'HTTPRoute', metadata, spec };
}
