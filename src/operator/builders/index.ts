// The children of a Centrifugo, in the order they are applied, and the optional ones to
// remove. The order matters only for the pods: the Deployment comes after the Secret and the
// ConfigMap its pods mount (a pod started before them sits in ContainerCreating), and the HPA,
// ServiceMonitor, Ingress and HTTPRoute after what they point at. Which optional children
// exist is decided here, never in the loop.
import type { KubeObject } from '../kube/types.ts';
import { buildConfigMap } from './config-map.ts';
import type { BuildContext } from './context.ts';
import { buildDeployment } from './deployment.ts';
import { buildHpa } from './hpa.ts';
import { buildHttpRoute, HTTP_ROUTE_API } from './http-route.ts';
import { buildIngress } from './ingress.ts';
import { childNames } from './names.ts';
import { buildPdb } from './pdb.ts';
import { buildScaledObject, SCALED_OBJECT_API } from './scaled-object.ts';
import { buildCredentialsSecretMetadata } from './secret.ts';
import { buildClientService, buildInternalService } from './service.ts';
import { buildServiceMonitor } from './service-monitor.ts';

export interface ChildRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
}

export interface DesiredChildren {
  /** Server-side applied in this order. */
  apply: KubeObject[];
  /** Optional children not wanted now: deleted if they exist and this Centrifugo owns them. */
  absent: ChildRef[];
}

export function buildChildren(ctx: BuildContext): DesiredChildren {
  const names = childNames(ctx.name);
  const ref = (apiVersion: string, kind: string, name: string): ChildRef => ({
    apiVersion,
    kind,
    name,
    namespace: ctx.namespace,
  });
  const apply: KubeObject[] = [];
  const absent: ChildRef[] = [];
  // The generated Secret's data is created once by the reconciler; apply keeps its metadata.
  if (ctx.credentials.generated) apply.push(buildCredentialsSecretMetadata(ctx));
  apply.push(buildConfigMap(ctx), buildInternalService(ctx), buildClientService(ctx));
  apply.push(buildDeployment(ctx));
  const optional: [KubeObject | undefined, ChildRef][] = [
    [buildPdb(ctx), ref('policy/v1', 'PodDisruptionBudget', names.pdb)],
    [buildHpa(ctx), ref('autoscaling/v2', 'HorizontalPodAutoscaler', names.hpa)],
    [buildIngress(ctx), ref('networking.k8s.io/v1', 'Ingress', names.ingress)],
  ];
  // Unserved kinds (HTTPRoute, ScaledObject) can be neither applied nor deleted.
  if (ctx.scaledObjectServed) {
    optional.push([
      buildScaledObject(ctx),
      ref(SCALED_OBJECT_API, 'ScaledObject', names.scaledObject),
    ]);
  }
  if (ctx.httpRouteServed) {
    optional.push([buildHttpRoute(ctx), ref(HTTP_ROUTE_API, 'HTTPRoute', names.httpRoute)]);
  }
  // An unserved ServiceMonitor kind can be neither applied nor deleted.
  if (ctx.serviceMonitorServed) {
    optional.push([
      buildServiceMonitor(ctx),
      ref('monitoring.coreos.com/v1', 'ServiceMonitor', names.serviceMonitor),
    ]);
  }
  for (const [object, childRef] of optional) {
    if (object) apply.push(object);
    else absent.push(childRef);
  }
  return { apply, absent };
}

export {
  type BuildContext,
  type BuildInputs,
  buildContext,
  type CredentialsView,
  type ResolvedSpec,
  resolveSpec,
} from './context.ts';
export { secretDataHash } from './hash.ts';
export * from './names.ts';
export { type NodeConfig, nodeConfig } from './node-config.ts';
export * from './secret.ts';
export { serviceEndpoints } from './service.ts';
