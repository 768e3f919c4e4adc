// The custom resource's public surface: identity, schema, types and defaults.
import type { KubeObject } from '../kube/types.ts';
import type { CentrifugoStatus } from './schema.ts';

export { withDefaults } from './defaults.ts';
export { buildCrd, PRINTER_COLUMNS } from './definition.ts';
export * from './identity.ts';
export {
  type CentrifugoSpec,
  type CentrifugoStatus,
  type Condition,
  FORBIDDEN_CONFIG_KEYS,
} from './schema.ts';

/** A Centrifugo object as read from the API: spec not yet defaulted by us (the server did). */
export interface CentrifugoResource extends KubeObject {
  spec?: unknown;
  status?: CentrifugoStatus;
}
