// What every builder reads: the defaulted spec, the names, the image and what the reconciler
// learned from the API (which credential keys exist, their hash, whether ServiceMonitor is
// served). Builders stay pure: all I/O happens before the context is made.
import { type CentrifugoResource, type CentrifugoSpec, withDefaults } from '../crd/index.ts';
import { type NodeConfig, nodeConfig } from './config-map.ts';

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

export interface BuildInputs {
  /** The image tag when spec.image.tag is absent: the operator's own version. */
  defaultTag: string;
  credentials: CredentialsView;
  /** Whether monitoring.coreos.com/v1 ServiceMonitor is served. */
  serviceMonitorServed: boolean;
}

export interface BuildContext extends BuildInputs {
  resource: CentrifugoResource;
  name: string;
  namespace: string;
  spec: CentrifugoSpec;
  tag: string;
  image: string;
  nodeConfig: NodeConfig;
}

/** Throws the node's ConfigError when spec.config would not start a node. */
export function buildContext(resource: CentrifugoResource, inputs: BuildInputs): BuildContext {
  const { name, namespace } = resource.metadata;
  if (namespace === undefined) throw new Error(`Centrifugo ${name} has no namespace`);
  const spec = withDefaults(resource.spec);
  const tag = spec.image.tag ?? inputs.defaultTag;
  return {
    ...inputs,
    resource,
    name,
    namespace,
    spec,
    tag,
    // A digest pins by content: repository@sha256:...
    image: `${spec.image.repository}${tag.startsWith('sha256:') ? '@' : ':'}${tag}`,
    nodeConfig: nodeConfig(spec),
  };
}
