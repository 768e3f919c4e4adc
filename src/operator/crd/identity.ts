// The names of the Centrifugo custom resource and of the annotations and labels the operator
// reads or writes. They are API: renaming one strands existing objects, so each lives here once.

export const GROUP = 'centrifugo-ts.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'Centrifugo';
export const PLURAL = 'centrifugos';
export const SINGULAR = 'centrifugo';
export const SHORT_NAMES = ['cfgo'];
export const CATEGORIES = ['centrifugo'];
export const CRD_NAME = `${PLURAL}.${GROUP}`;

/** Field manager of every server-side apply and of the objects the operator creates. */
export const FIELD_MANAGER = 'centrifugo-ts-operator';

/** `"true"` on a Centrifugo stops reconciliation; status shows ReconciliationPaused. */
export const PAUSED_ANNOTATION = `${GROUP}/paused`;
/**
 * Any new value on a Centrifugo asks for a credential rotation: a new API key, gRPC key and
 * HMAC secret, the old HMAC secret kept as the previous key for the grace period.
 */
export const ROTATE_ANNOTATION = `${GROUP}/rotate-credentials`;
/** On the credentials Secret: the rotate-credentials value it was last generated for. */
export const ROTATED_FOR_ANNOTATION = `${GROUP}/rotated-for`;
/** On the pod template: hashes whose change rolls the Deployment. */
export const CONFIG_HASH_ANNOTATION = `${GROUP}/config-hash`;
export const CREDENTIALS_HASH_ANNOTATION = `${GROUP}/credentials-hash`;

/** Kubernetes recommended labels. */
export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_VERSION = 'app.kubernetes.io/version';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const LABEL_PART_OF = 'app.kubernetes.io/part-of';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';

export const APP_NAME = 'centrifugo';
export const PART_OF = 'centrifugo-ts';
/** The operator watches its children with this label selector only. */
export const MANAGED_BY = 'centrifugo-ts-operator';
export const CHILD_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;

/**
 * Keys of the credentials Secret. Each is the dotted Centrifugo config key it feeds, so the
 * env variable a pod reads it through is derived, never listed (`http_api.key` ->
 * `CENTRIFUGO_HTTP_API_KEY`). An `existingSecret` uses the same key names.
 */
export const CREDENTIAL_KEYS = {
  httpApiKey: 'http_api.key',
  grpcApiKey: 'grpc_api.key',
  hmacSecretKey: 'client.token.hmac_secret_key',
  hmacPreviousSecretKey: 'client.token.hmac_previous_secret_key',
  hmacPreviousSecretKeyValidUntil: 'client.token.hmac_previous_secret_key_valid_until',
  adminPassword: 'admin.password',
  adminSecret: 'admin.secret',
} as const;
export type CredentialKeyName = keyof typeof CREDENTIAL_KEYS;
