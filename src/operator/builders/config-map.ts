// The ConfigMap holding the node's config.json (built and validated in node-config.ts).
import type { KubeObject } from '../kube/types.ts';
import type { BuildContext } from './context.ts';
import { CONFIG_FILE, childNames, commonLabels, ownerReference } from './names.ts';

export function buildConfigMap(ctx: BuildContext): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: childNames(ctx.name).configMap,
      namespace: ctx.namespace,
      labels: commonLabels(ctx.name, ctx.tag, 'config'),
      ownerReferences: [ownerReference(ctx.resource)],
    },
    data: { [CONFIG_FILE]: ctx.nodeConfig.json },
  };
}
