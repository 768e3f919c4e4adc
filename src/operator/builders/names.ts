// Names, labels and owner references shared by every child. Children are named after the
// Centrifugo (the CRD's CEL keeps that name a DNS-1035 label of at most 54 characters, so
// `<name>-internal` is still a valid Service name).
import {
  API_VERSION,
  APP_NAME,
  type CentrifugoResource,
  KIND,
  LABEL_COMPONENT,
  LABEL_INSTANCE,
  LABEL_MANAGED_BY,
  LABEL_NAME,
  LABEL_PART_OF,
  LABEL_VERSION,
  MANAGED_BY,
  PART_OF,
} from '../crd/index.ts';
import type { OwnerReference } from '../kube/types.ts';

/** Container ports: fixed, so probes and config never disagree; Service ports are the spec's. */
export const CLIENT_PORT = 8000;
export const INTERNAL_PORT = 9000;
export const GRPC_PORT = 10000;
export const CONTAINER_NAME = 'centrifugo';
export const CONFIG_DIR = '/etc/centrifugo';
export const CONFIG_FILE = 'config.json';
export const NATS_CREDS_DIR = '/etc/centrifugo/nats';
export const NATS_CREDS_FILE = 'nats.creds';

/** Which Service a label selects, for the ServiceMonitor (both Services share the rest). */
export const SERVICE_ROLE_LABEL = 'centrifugo-ts.dev/service';

export const childNames = (name: string) => ({
  deployment: name,
  clientService: name,
  internalService: `${name}-internal`,
  configMap: `${name}-config`,
  generatedSecret: `${name}-credentials`,
  pdb: name,
  hpa: name,
  serviceMonitor: name,
  ingress: name,
  httpRoute: name,
  scaledObject: name,
  /** The certificate Secret cert-manager writes for the Ingress, unless named. */
  ingressTls: `${name}-tls`,
});

/** Selector labels: name and instance only, because selectors are immutable. */
export function selectorLabels(name: string): Record<string, string> {
  return { [LABEL_NAME]: APP_NAME, [LABEL_INSTANCE]: name };
}

export function selectorString(name: string): string {
  return Object.entries(selectorLabels(name))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** A label value from an image tag, or undefined when nothing valid is left. */
export function versionLabel(tag: string): string | undefined {
  const value = tag
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return value === '' ? undefined : value;
}

export function commonLabels(name: string, tag: string, component: string) {
  const labels: Record<string, string> = {
    ...selectorLabels(name),
    [LABEL_COMPONENT]: component,
    [LABEL_PART_OF]: PART_OF,
    [LABEL_MANAGED_BY]: MANAGED_BY,
  };
  const version = versionLabel(tag);
  if (version !== undefined) labels[LABEL_VERSION] = version;
  return labels;
}

/**
 * The controller reference every child carries: garbage collection deletes children with the
 * Centrifugo, and the operator finds the owner of a changed child through it.
 */
export function ownerReference(resource: CentrifugoResource): OwnerReference {
  const { name, uid } = resource.metadata;
  if (uid === undefined) throw new Error(`Centrifugo ${name} has no uid: read it from the API`);
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * Whether this Centrifugo controls the object (the controller reference with its uid). An
 * object under a child's name that it does not control is someone else's: the operator
 * never takes it over (server-side apply with force would replace its fields and add an
 * owner reference, so deleting the Centrifugo would delete it).
 */
export function isControlledBy(
  object: { metadata: { ownerReferences?: OwnerReference[] } },
  resource: CentrifugoResource,
): boolean {
  return (
    object.metadata.ownerReferences?.some(
      (o) => o.controller === true && o.uid === resource.metadata.uid,
    ) ?? false
  );
}

/** The reason and message of a Stalled Centrifugo whose child's name is taken. */
export function nameTaken(kind: string, name: string, namespace: string) {
  return {
    reason: 'ChildNameTaken',
    message:
      `${kind} ${namespace}/${name} exists and is not controlled by this Centrifugo: ` +
      'it is left untouched; rename the Centrifugo, or delete or rename that object',
  };
}
