// REST paths of the kinds the operator touches. A fixed table rather than discovery: the
// operator only ever handles these kinds, and a typo here fails a unit test, not a cluster.
import { GROUP, KIND, PLURAL } from '../crd/identity.ts';

const PLURALS: Record<string, string> = {
  ConfigMap: 'configmaps',
  Secret: 'secrets',
  Service: 'services',
  Event: 'events',
  Namespace: 'namespaces',
  Deployment: 'deployments',
  PodDisruptionBudget: 'poddisruptionbudgets',
  HorizontalPodAutoscaler: 'horizontalpodautoscalers',
  ServiceMonitor: 'servicemonitors',
  Ingress: 'ingresses',
  HTTPRoute: 'httproutes',
  ScaledObject: 'scaledobjects',
  Lease: 'leases',
  CustomResourceDefinition: 'customresourcedefinitions',
  [KIND]: PLURAL,
};

export interface TypeRef {
  apiVersion: string;
  kind: string;
}

export function pluralOf(kind: string): string {
  const plural = PLURALS[kind];
  if (!plural) throw new Error(`no REST path known for kind ${kind}`);
  return plural;
}

/** `/api/v1` for the core group, `/apis/<group>/<version>` otherwise. */
export function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** The collection of a kind, in a namespace or (namespace undefined) across all of them. */
export function collectionPath(type: TypeRef, namespace?: string): string {
  const ns = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  return `${groupVersionPath(type.apiVersion)}${ns}/${pluralOf(type.kind)}`;
}

export function objectPath(
  type: TypeRef,
  namespace: string | undefined,
  name: string,
  subresource?: string,
): string {
  const sub = subresource ? `/${subresource}` : '';
  return `${collectionPath(type, namespace)}/${encodeURIComponent(name)}${sub}`;
}

export const CENTRIFUGO_TYPE: TypeRef = { apiVersion: `${GROUP}/v1alpha1`, kind: KIND };
