// The Ingress to the client Service (spec.ingress): WebSocket and HTTP clients from outside
// the cluster; the server API stays on the internal Service, never behind the Ingress.
//
// WebSocket timeouts. ingress-nginx closes a proxied connection after proxy-read-timeout
// (or proxy-send-timeout) without a byte in that direction, 60 s by default. A live client
// connection is never silent longer than the node's ping interval plus the pong timeout (the
// node pings, the client answers, 33 s by default), so the timeouts are twice that, and at
// least nginx's own 60 s: a connection that stays silent longer is dead, and is let go.
// Raising client.ping_interval raises them with it. Other controllers ignore these
// annotations; spec.ingress.annotations overrides any of them.
//
// TLS: a named certificate Secret, or cert-manager (its ingress-shim reads the
// cert-manager.io/issuer or cluster-issuer annotation and writes the Secret named in tls).
import type { KubeObject } from '../kube/types.ts';
import type { BuildContext } from './context.ts';
import { childNames, commonLabels, ownerReference } from './names.ts';

const NGINX = 'nginx.ingress.kubernetes.io';

/** Seconds for ingress-nginx's proxy read and send timeouts. */
export function webSocketTimeoutSeconds(clientSilenceMs: number): number {
  return Math.max(60, Math.ceil((2 * clientSilenceMs) / 1000));
}

export function buildIngress(ctx: BuildContext): KubeObject | undefined {
  const ingress = ctx.spec.ingress;
  if (!ingress.enabled || ingress.host === undefined) return undefined;
  const names = childNames(ctx.name);
  const timeout = String(webSocketTimeoutSeconds(ctx.nodeConfig.clientSilenceMs));
  const annotations: Record<string, string> = {
    [`${NGINX}/proxy-read-timeout`]: timeout,
    [`${NGINX}/proxy-send-timeout`]: timeout,
  };
  const certManager = ingress.tls?.certManager;
  if (certManager?.issuer) annotations['cert-manager.io/issuer'] = certManager.issuer;
  if (certManager?.clusterIssuer) {
    annotations['cert-manager.io/cluster-issuer'] = certManager.clusterIssuer;
  }
  Object.assign(annotations, ingress.annotations ?? {});
  const spec: Record<string, unknown> = {
    rules: [
      {
        host: ingress.host,
        http: {
          paths: [
            {
              path: ingress.path,
              pathType: 'Prefix',
              backend: { service: { name: names.clientService, port: { name: 'client' } } },
            },
          ],
        },
      },
    ],
  };
  if (ingress.className !== undefined) spec.ingressClassName = ingress.className;
  if (ingress.tls) {
    spec.tls = [{ hosts: [ingress.host], secretName: ingress.tls.secretName ?? names.ingressTls }];
  }
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: names.ingress,
      namespace: ctx.namespace,
      labels: commonLabels(ctx.name, ctx.tag, 'node'),
      annotations,
      ownerReferences: [ownerReference(ctx.resource)],
    },
    spec,
  };
}
