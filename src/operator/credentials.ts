// The credentials aspect of a reconcile: the Secret the nodes' keys come from, and the hash
// that rolls the pods when any of it changes. The generated Secret `<name>-credentials` is
// created only when absent (a deleted one is regenerated, with a Warning), keys that went
// missing are filled in, and a new value of the rotate-credentials annotation rotates it;
// nothing else ever writes its data, so a user's edit stands. An existingSecret is only read.
// NATS credentials named by spec.engine.nats.credentialsSecretRef are read too: their hash
// joins the credentials hash so a changed NATS password rolls the pods. spec.admin.enabled
// adds admin.password and admin.secret to the keys generated (into an existing generated
// Secret too, next to its other values) or required of an existingSecret.
import { randomBytes } from 'node:crypto';
import { sha256Hex } from './builders/hash.ts';
import {
  buildNewCredentialsSecret,
  type CredentialsView,
  childNames,
  fromB64,
  generateCredentials,
  generatedKeysFor,
  isControlledBy,
  missingGeneratedKeys,
  nameTaken,
  type RandomSource,
  type ResolvedSpec,
  rotationPatch,
  secretDataHash,
} from './builders/index.ts';
import {
  type CentrifugoResource,
  type CentrifugoStatus,
  CREDENTIAL_KEYS,
  FIELD_MANAGER,
  ROTATE_ANNOTATION,
  ROTATED_FOR_ANNOTATION,
} from './crd/index.ts';
import type { EventSink } from './events.ts';
import type { KubeClient } from './kube/client.ts';
import { isAlreadyExists, isNotFound } from './kube/errors.ts';
import { collectionPath, objectPath } from './kube/resources.ts';
import { retryOnConflict } from './kube/retry.ts';
import type { SecretObject } from './kube/types.ts';
import { StalledError } from './stalled-error.ts';

export type CredentialsStatus = NonNullable<CentrifugoStatus['credentials']>;

export interface Credentials {
  /** What the builders see: names and a hash, never values. */
  view: CredentialsView;
  /** What status.credentials shows. */
  status: CredentialsStatus;
}

export interface CredentialsOptions {
  api: Pick<KubeClient, 'get' | 'create' | 'mergePatch'>;
  events: EventSink;
  now: () => number;
  random?: RandomSource;
  /** A missing referenced Secret is not watched: look again after this long. */
  missingSecretRequeueMs: number;
}

const SECRET = { apiVersion: 'v1', kind: 'Secret' };

export class CredentialsKeeper {
  readonly #api: CredentialsOptions['api'];
  readonly #events: EventSink;
  readonly #now: () => number;
  readonly #random: RandomSource;
  readonly #missingSecretRequeueMs: number;

  constructor(options: CredentialsOptions) {
    this.#api = options.api;
    this.#events = options.events;
    this.#now = options.now;
    this.#random = options.random ?? randomBytes;
    this.#missingSecretRequeueMs = options.missingSecretRequeueMs;
  }

  /** The credentials of a Centrifugo, made or repaired as needed. Throws StalledError. */
  async ensure(resource: CentrifugoResource, resolved: ResolvedSpec): Promise<Credentials> {
    const credentials = await this.#secret(resource, resolved);
    const natsHash = await this.#natsCredentialsHash(resolved);
    if (natsHash === undefined) return credentials;
    const hash = sha256Hex(`${credentials.view.hash}:${natsHash}`);
    return { ...credentials, view: { ...credentials.view, hash } };
  }

  async #getSecret(namespace: string, name: string): Promise<SecretObject | undefined> {
    try {
      return await this.#api.get<SecretObject>(objectPath(SECRET, namespace, name));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async #natsCredentialsHash({ spec, namespace }: ResolvedSpec): Promise<string | undefined> {
    const ref = spec.engine.type === 'nats' ? spec.engine.nats?.credentialsSecretRef : undefined;
    if (!ref) return undefined;
    const secret = await this.#getSecret(namespace, ref.name);
    if (!secret) {
      throw new StalledError(
        'SecretNotFound',
        `Secret ${ref.name} (spec.engine.nats.credentialsSecretRef) not found`,
        this.#missingSecretRequeueMs,
      );
    }
    for (const key of [ref.tokenKey, ref.userKey, ref.passwordKey, ref.credsKey]) {
      if (key !== undefined && secret.data?.[key] === undefined) {
        throw new StalledError(
          'SecretKeyNotFound',
          `Secret ${ref.name} has no key ${key} (spec.engine.nats.credentialsSecretRef)`,
          this.#missingSecretRequeueMs,
        );
      }
    }
    return secretDataHash(secret.data);
  }

  /**
   * The credentials Secret: read an existing one, or create the generated one if absent, fill
   * keys that went missing, and rotate when the rotate-credentials annotation carries a value
   * not yet acted upon.
   */
  async #secret(resource: CentrifugoResource, resolved: ResolvedSpec): Promise<Credentials> {
    const { namespace, spec } = resolved;
    const rotateFor = resource.metadata.annotations?.[ROTATE_ANNOTATION];
    const existingName = spec.secrets.existingSecret;
    if (existingName !== undefined) {
      const secret = await this.#getSecret(namespace, existingName);
      if (!secret) {
        throw new StalledError(
          'SecretNotFound',
          `Secret ${existingName} (spec.secrets.existingSecret) not found`,
          this.#missingSecretRequeueMs,
        );
      }
      if (spec.admin.enabled) {
        for (const key of [CREDENTIAL_KEYS.adminPassword, CREDENTIAL_KEYS.adminSecret]) {
          if (secret.data?.[key] === undefined) {
            throw new StalledError(
              'SecretKeyNotFound',
              `Secret ${existingName} has no key ${key} (spec.secrets.existingSecret with spec.admin.enabled)`,
              this.#missingSecretRequeueMs,
            );
          }
        }
      }
      if (rotateFor !== undefined && rotateFor !== resource.status?.credentials?.rotatedFor) {
        this.#events.record(
          resource,
          'Warning',
          'RotationNotSupported',
          `spec.secrets.existingSecret ${existingName} is yours to rotate: the operator only rotates Secrets it generated`,
        );
      }
      return credentialsOf(secret, false, undefined);
    }

    const name = childNames(resolved.name).generatedSecret;
    const secret = await retryOnConflict(async () => {
      const current = await this.#getSecret(namespace, name);
      if (!current) return this.#create(resource, resolved, rotateFor);
      // Someone else's Secret under the generated name: never read into the pods, never
      // patched (name it in spec.secrets.existingSecret to use it).
      if (!isControlledBy(current, resource)) {
        const taken = nameTaken('Secret', name, namespace);
        throw new StalledError(taken.reason, taken.message, this.#missingSecretRequeueMs);
      }
      return this.#repairOrRotate(resource, resolved, current, rotateFor);
    });
    return credentialsOf(secret, true, secret.metadata.annotations?.[ROTATED_FOR_ANNOTATION]);
  }

  async #create(
    resource: CentrifugoResource,
    { namespace, tag, spec }: ResolvedSpec,
    rotateFor: string | undefined,
  ): Promise<SecretObject> {
    const secret = buildNewCredentialsSecret(
      resource,
      tag,
      rotateFor,
      this.#random,
      generatedKeysFor(spec),
    );
    const name = secret.metadata.name;
    let created: SecretObject;
    try {
      created = await this.#api.create<SecretObject>(
        collectionPath(SECRET, namespace),
        secret,
        FIELD_MANAGER,
      );
    } catch (err) {
      // Created meanwhile (another reconcile, a user): use that one, never overwrite it.
      if (isAlreadyExists(err)) {
        const existing = await this.#getSecret(namespace, name);
        if (existing) return existing;
      }
      throw err;
    }
    if (resource.status?.credentials?.generated === true) {
      this.#events.record(
        resource,
        'Warning',
        'CredentialsRegenerated',
        `Secret ${name} was deleted: new credentials generated; backends and token issuers must use the new values`,
      );
    } else {
      this.#events.record(resource, 'Normal', 'CredentialsGenerated', `Secret ${name} created`);
    }
    return created;
  }

  async #repairOrRotate(
    resource: CentrifugoResource,
    { spec }: ResolvedSpec,
    secret: SecretObject,
    rotateFor: string | undefined,
  ): Promise<SecretObject> {
    const path = objectPath(SECRET, secret.metadata.namespace, secret.metadata.name);
    const done = secret.metadata.annotations?.[ROTATED_FOR_ANNOTATION];
    if (rotateFor !== undefined && rotateFor !== done) {
      const grace = spec.secrets.rotation.hmacGracePeriodSeconds;
      const data = rotationPatch(
        secret.data ?? {},
        this.#now(),
        grace,
        this.#random,
        generatedKeysFor(spec),
      );
      // resourceVersion makes the patch conditional: a concurrent edit gives 409 and a re-read.
      const rotated = await this.#api.mergePatch<SecretObject>(
        path,
        {
          metadata: {
            resourceVersion: secret.metadata.resourceVersion,
            annotations: { [ROTATED_FOR_ANNOTATION]: rotateFor },
          },
          data,
        },
        FIELD_MANAGER,
      );
      const until = fromB64(data[CREDENTIAL_KEYS.hmacPreviousSecretKeyValidUntil]);
      this.#events.record(
        resource,
        'Normal',
        'CredentialsRotated',
        until === undefined
          ? `Secret ${secret.metadata.name}: new API keys and HMAC secret`
          : `Secret ${secret.metadata.name}: new API keys and HMAC secret; the previous HMAC secret is accepted until ${new Date(Number(until) * 1000).toISOString()}`,
      );
      return rotated;
    }
    const missing = missingGeneratedKeys(secret.data, generatedKeysFor(spec));
    if (missing.length === 0) return secret;
    const repaired = await this.#api.mergePatch<SecretObject>(
      path,
      {
        metadata: { resourceVersion: secret.metadata.resourceVersion },
        data: generateCredentials(missing, this.#random),
      },
      FIELD_MANAGER,
    );
    // Keys this Centrifugo never had are new (admin turned on), not restored.
    const had = Object.values(resource.status?.credentials?.keys ?? {});
    const restored = missing.filter((k) => had.includes(k) || !isAdminKey(k));
    if (restored.length > 0) {
      this.#events.record(
        resource,
        'Warning',
        'CredentialsKeyRestored',
        `Secret ${secret.metadata.name} lacked ${restored.join(', ')}: generated`,
      );
    }
    const added = missing.filter((k) => !restored.includes(k));
    if (added.length > 0) {
      this.#events.record(
        resource,
        'Normal',
        'CredentialsGenerated',
        `Secret ${secret.metadata.name}: ${added.join(', ')} generated for spec.admin.enabled`,
      );
    }
    return repaired;
  }
}

const isAdminKey = (key: string) =>
  key === CREDENTIAL_KEYS.adminPassword || key === CREDENTIAL_KEYS.adminSecret;

/** What the builders and the status learn from a Secret: key names and a hash of the data. */
function credentialsOf(
  secret: SecretObject,
  generated: boolean,
  rotatedFor: string | undefined,
): Credentials {
  const present = Object.keys(secret.data ?? {});
  const keys: Record<string, string> = {};
  for (const [field, key] of Object.entries(CREDENTIAL_KEYS)) {
    if (present.includes(key)) keys[field] = key;
  }
  const status: CredentialsStatus = { secretName: secret.metadata.name, generated, keys };
  if (rotatedFor !== undefined) status.rotatedFor = rotatedFor;
  const until = Number(
    fromB64(secret.data?.[CREDENTIAL_KEYS.hmacPreviousSecretKeyValidUntil]) ?? Number.NaN,
  );
  if (Number.isFinite(until) && until > 0) {
    status.previousHmacValidUntil = new Date(until * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return {
    view: {
      secretName: secret.metadata.name,
      generated,
      keys: present,
      hash: secretDataHash(secret.data),
      uid: secret.metadata.uid,
    },
    status,
  };
}
