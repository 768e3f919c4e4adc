// What every builder reads. A reconcile makes it in two steps: `resolveSpec` (pure, before
// any I/O) applies the spec defaults and builds and validates the node config, once; the
// reconciler then learns from the API what only the API knows (which credential keys exist,
// their hash, whether ServiceMonitor is served) and `buildContext` puts both together.
// Builders stay pure: all I/O happens before the context is made.
import { type CentrifugoResource, type CentrifugoSpec, withDefaults } from '../crd/index.ts';
import { type NodeConfig, nodeConfig } from './node-config.ts';

export interface CredentialsView {
  secretName: string;
  /** The operator made (and owns) the Secret, as opposed to spec.secrets.existingSecret. */
  generated: boolean;
  /** Keys present in the Secret: names only. */
  keys: readonly string[];
  /** Hash of the Secret's data (and of the NATS credentials); rolls the pods on change. */
  hash: string;
  /**
   * The uid of the Secret as read. Applying its metadata with the uid can only update that
   * Secret: if it was deleted meanwhile the apply is refused instead of creating an empty one.
   */
  uid?: string;
}

/** The spec as the builders use it, derived from the resource alone. */
export interface ResolvedSpec {
  name: string;
  namespace: string;
  /** Defaulted as the API server defaults it. */
  spec: CentrifugoSpec;
  tag: string;
  image: string;
  nodeConfig: NodeConfig;
}

export interface BuildInputs {
  credentials: CredentialsView;
  /** Whether monitoring.coreos.com/v1 ServiceMonitor is served. */
  serviceMonitorServed: boolean;
  /** Whether gateway.networking.k8s.io/v1 HTTPRoute is served. */
  httpRouteServed?: boolean;
  /** Whether keda.sh/v1alpha1 ScaledObject is served. */
  scaledObjectServed?: boolean;
}

export interface BuildContext extends ResolvedSpec, BuildInputs {
  resource: CentrifugoResource;
}

/**
 * Defaults, image and node config of a Centrifugo. `defaultTag` is the image tag when
 * spec.image.tag is absent (the operator's own version). Throws the node's ConfigError when
 * spec.config would not start a node.
 */
export function resolveSpec(resource: CentrifugoResource, defaultTag: string): ResolvedSpec {
  const { name, namespace } = resource.metadata;
  if (namespace === undefined) throw new Error(`Centrifugo ${name} has no namespace`);
  const spec = withDefaults(resource.spec);
  const tag = spec.image.tag ?? defaultTag;
  return {
    name,
    namespace,
    spec,
    tag,
    // A digest pins by content: repository@sha256:...
    image: `${spec.image.repository}${tag.startsWith('sha256:') ? '@' : ':'}${tag}`,
    nodeConfig: nodeConfig(spec),
  };
}

export function buildContext(
  resource: CentrifugoResource,
  resolved: ResolvedSpec,
  inputs: BuildInputs,
): BuildContext {
  return { resource, ...resolved, ...inputs };
}
