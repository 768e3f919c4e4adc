// The credentials Secret: the HTTP API key, the gRPC API key and the HMAC token secret, and
// with spec.admin.enabled the admin web UI's password and token secret, made once from
// crypto randomness. Its data is written only on creation, on rotation and to fill a
// key that went missing; reconcile never regenerates a value, so a user's edit stands (the
// Helm chart lesson: secrets regenerated on every render restart pods and break clients).
// Only the metadata (labels, owner) is server-side applied, so the operator's field manager
// never owns `data` through apply and an apply can never drop a value.
import { randomBytes } from 'node:crypto';
import {
  type CentrifugoResource,
  type CentrifugoSpec,
  CREDENTIAL_KEYS,
  ROTATED_FOR_ANNOTATION,
} from '../crd/index.ts';
import type { SecretObject } from '../kube/types.ts';
import type { BuildContext } from './context.ts';
import { childNames, commonLabels, ownerReference } from './names.ts';

/** The keys a generated Secret always holds. */
export const GENERATED_KEYS = [
  CREDENTIAL_KEYS.httpApiKey,
  CREDENTIAL_KEYS.grpcApiKey,
  CREDENTIAL_KEYS.hmacSecretKey,
] as const;

/** The admin web UI's keys, generated too when spec.admin.enabled. */
export const ADMIN_KEYS = [CREDENTIAL_KEYS.adminPassword, CREDENTIAL_KEYS.adminSecret] as const;

/** The keys a generated Secret holds for this spec. */
export function generatedKeysFor(spec: Pick<CentrifugoSpec, 'admin'>): string[] {
  return spec.admin.enabled ? [...GENERATED_KEYS, ...ADMIN_KEYS] : [...GENERATED_KEYS];
}

export type RandomSource = (bytes: number) => Buffer;

/** 32 random bytes as base64url: 256 bits, safe in headers, env and JSON. */
export function randomCredential(random: RandomSource = randomBytes): string {
  return random(32).toString('base64url');
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
export const fromB64 = (value: string | undefined) =>
  value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');

/** Fresh values (base64-encoded, as Secret `data`) for the given keys. */
export function generateCredentials(
  keys: readonly string[] = GENERATED_KEYS,
  random: RandomSource = randomBytes,
): Record<string, string> {
  return Object.fromEntries(keys.map((k) => [k, b64(randomCredential(random))]));
}

function metadata(resource: CentrifugoResource, tag: string) {
  const { name, namespace } = resource.metadata;
  return {
    name: childNames(name).generatedSecret,
    namespace,
    labels: commonLabels(name, tag, 'credentials'),
    ownerReferences: [ownerReference(resource)],
  };
}

/**
 * The Secret to create when none exists, with fresh credentials. It takes the resource, not a
 * BuildContext: the Secret is made before the context (whose hashes need the Secret) exists.
 */
export function buildNewCredentialsSecret(
  resource: CentrifugoResource,
  tag: string,
  rotatedFor: string | undefined,
  random: RandomSource = randomBytes,
  keys: readonly string[] = GENERATED_KEYS,
): SecretObject {
  const meta: SecretObject['metadata'] = metadata(resource, tag);
  if (rotatedFor !== undefined) meta.annotations = { [ROTATED_FOR_ANNOTATION]: rotatedFor };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta,
    type: 'Opaque',
    data: generateCredentials(keys, random),
  };
}

/** The server-side apply intent for an existing generated Secret: labels and owner, no data. */
export function buildCredentialsSecretMetadata(ctx: BuildContext): SecretObject {
  const meta: ReturnType<typeof metadata> & { uid?: string } = metadata(ctx.resource, ctx.tag);
  // Server-side apply creates what is missing; with the uid it only updates the Secret the
  // reconcile read (a Secret deleted meanwhile is regenerated, with its data, next time).
  if (ctx.credentials.uid !== undefined) meta.uid = ctx.credentials.uid;
  return { apiVersion: 'v1', kind: 'Secret', metadata: meta };
}

/**
 * The data patch of a rotation: new values for every generated key (API keys, HMAC secret,
 * and the admin password and secret when there); the old HMAC secret becomes the
 * previous key, accepted until `now + grace` so tokens already handed to clients keep working
 * while the pods roll and the backend starts signing with the new secret.
 */
export function rotationPatch(
  current: Record<string, string>,
  nowMs: number,
  graceSeconds: number,
  random: RandomSource = randomBytes,
  keys: readonly string[] = GENERATED_KEYS,
): Record<string, string> {
  const patch = generateCredentials(keys, random);
  const previous = current[CREDENTIAL_KEYS.hmacSecretKey];
  if (previous !== undefined && graceSeconds > 0) {
    patch[CREDENTIAL_KEYS.hmacPreviousSecretKey] = previous;
    patch[CREDENTIAL_KEYS.hmacPreviousSecretKeyValidUntil] = b64(
      String(Math.floor(nowMs / 1000) + graceSeconds),
    );
  }
  return patch;
}

/**
 * Keys a generated Secret should hold but does not: a user deleted them, or the spec asks for
 * more (spec.admin.enabled turned on).
 */
export function missingGeneratedKeys(
  data: Record<string, string> | undefined,
  keys: readonly string[] = GENERATED_KEYS,
): string[] {
  return keys.filter((k) => data?.[k] === undefined || data[k] === '');
}
