// Two Services: the client Service (WebSocket and HTTP for browsers and apps; its type is the
// user's) and the internal Service, always ClusterIP, for backends (server API, gRPC) and
// Prometheus (/metrics). Keeping the API key-protected surface off the client Service means a
// LoadBalancer for clients never exposes the server API.
import type { KubeObject } from '../kube/types.ts';
import type { BuildContext } from './context.ts';
import {
  childNames,
  commonLabels,
  ownerReference,
  SERVICE_ROLE_LABEL,
  selectorLabels,
} from './names.ts';

export function buildClientService(ctx: BuildContext): KubeObject {
  const { service } = ctx.spec;
  const metadata: KubeObject['metadata'] = {
    name: childNames(ctx.name).clientService,
    namespace: ctx.namespace,
    labels: {
      ...(service.labels ?? {}),
      ...commonLabels(ctx.name, ctx.tag, 'node'),
      [SERVICE_ROLE_LABEL]: 'client',
    },
    ownerReferences: [ownerReference(ctx.resource)],
  };
  if (service.annotations && Object.keys(service.annotations).length > 0) {
    metadata.annotations = service.annotations;
  }
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      type: service.type,
      selector: selectorLabels(ctx.name),
      ports: [
        {
          name: 'client',
          port: service.ports.client,
          targetPort: 'client',
          protocol: 'TCP',
          appProtocol: 'http',
        },
      ],
    },
  };
}

export function buildInternalService(ctx: BuildContext): KubeObject {
  const { ports } = ctx.spec.service;
  const servicePorts: Record<string, unknown>[] = [
    {
      name: 'internal',
      port: ports.internal,
      targetPort: 'internal',
      protocol: 'TCP',
      appProtocol: 'http',
    },
  ];
  if (ctx.nodeConfig.grpcEnabled) {
    servicePorts.push({
      name: 'grpc',
      port: ports.grpc,
      targetPort: 'grpc',
      protocol: 'TCP',
      appProtocol: 'grpc',
    });
  }
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: childNames(ctx.name).internalService,
      namespace: ctx.namespace,
      labels: { ...commonLabels(ctx.name, ctx.tag, 'node'), [SERVICE_ROLE_LABEL]: 'internal' },
      ownerReferences: [ownerReference(ctx.resource)],
    },
    spec: { type: 'ClusterIP', selector: selectorLabels(ctx.name), ports: servicePorts },
  };
}

/** host:port of each Service, for status.endpoints. */
export function serviceEndpoints(ctx: BuildContext) {
  const names = childNames(ctx.name);
  const { ports } = ctx.spec.service;
  const host = (service: string) => `${service}.${ctx.namespace}.svc`;
  const endpoints: { client: string; internal: string; grpc?: string } = {
    client: `${host(names.clientService)}:${ports.client}`,
    internal: `${host(names.internalService)}:${ports.internal}`,
  };
  if (ctx.nodeConfig.grpcEnabled) endpoints.grpc = `${host(names.internalService)}:${ports.grpc}`;
  return endpoints;
}
