// One reconcile of one Centrifugo: read it, make sure its credentials exist, build every child
// (pure builders), server-side apply them in order, remove optional children no longer wanted,
// and write the status through /status. Idempotent and level-based: it reads the world fresh
// each time, so a duplicate event, a resync or a retry converges to the same objects, and an
// unchanged Centrifugo costs no-op applies and no status write (no resourceVersion moves).
//
// Errors are sorted as STYLE.md asks: a spec that cannot work (invalid config, a missing
// existing Secret, a child the API server rejects) is Stalled and waits for a change; anything
// else is transient, reported as Reconciling/Retrying, and retried by the queue with backoff.

import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { ConfigError } from '../node/config/index.ts';
import { nodeConfig } from './builders/config-map.ts';
import { sha256Hex } from './builders/hash.ts';
import {
  type BuildContext,
  buildChildren,
  buildContext,
  buildNewCredentialsSecret,
  type ChildRef,
  type CredentialsView,
  childNames,
  fromB64,
  generateCredentials,
  missingGeneratedKeys,
  type RandomSource,
  rotationPatch,
  secretDataHash,
  selectorString,
  serviceEndpoints,
} from './builders/index.ts';
import {
  type CentrifugoResource,
  type CentrifugoSpec,
  type CentrifugoStatus,
  CREDENTIAL_KEYS,
  FIELD_MANAGER,
  PAUSED_ANNOTATION,
  ROTATE_ANNOTATION,
  ROTATED_FOR_ANNOTATION,
  withDefaults,
} from './crd/index.ts';
import type { EventSink } from './events.ts';
import type { KubeClient } from './kube/client.ts';
import { isAlreadyExists, isConflict, isInvalid, isNotFound, KubeApiError } from './kube/errors.ts';
import { CENTRIFUGO_TYPE, collectionPath, objectPath } from './kube/resources.ts';
import type { DeploymentObject, KubeObject, SecretObject } from './kube/types.ts';
import { beginStatus, computeStatus, type Outcome, pausedStatus, rolloutOf } from './status.ts';
import type { WorkResult } from './work-queue.ts';

/** The client calls a reconcile makes; a test can hand in a fake. */
export type KubeApi = Pick<
  KubeClient,
  'get' | 'create' | 'apply' | 'mergePatch' | 'delete' | 'serves'
>;

export interface ReconcilerOptions {
  api: KubeApi;
  events: EventSink;
  logger: Logger;
  /** Image tag when spec.image.tag is absent. */
  defaultTag: string;
  now?: () => number;
  random?: RandomSource;
  /** While a rollout is in progress, look again after this long (Deployment events also wake). */
  rolloutRequeueMs?: number;
  /** A missing referenced Secret is not watched: look again after this long. */
  missingSecretRequeueMs?: number;
  /** How long "is ServiceMonitor served" is cached. */
  discoveryTtlMs?: number;
}

/** A spec that cannot be reconciled until the user changes something. */
export class StalledError extends Error {
  override name = 'StalledError';
  readonly reason: string;
  readonly requeueAfterMs: number | undefined;
  constructor(reason: string, message: string, requeueAfterMs?: number, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
    this.requeueAfterMs = requeueAfterMs;
  }
}

/** Retries `fn` on 409 Conflict, re-reading inside `fn` each time (client-go RetryOnConflict). */
export async function retryOnConflict<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (!isConflict(err) || isAlreadyExists(err) || i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 10 * 2 ** i));
    }
  }
}

export class Reconciler {
  readonly #api: KubeApi;
  readonly #events: EventSink;
  readonly #log: Logger;
  readonly #defaultTag: string;
  readonly #now: () => number;
  readonly #random: RandomSource;
  readonly #rolloutRequeueMs: number;
  readonly #missingSecretRequeueMs: number;
  readonly #discoveryTtlMs: number;
  #serviceMonitor: { served: boolean; at: number } | undefined;

  constructor(options: ReconcilerOptions) {
    this.#api = options.api;
    this.#events = options.events;
    this.#log = options.logger;
    this.#defaultTag = options.defaultTag;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? randomBytes;
    this.#rolloutRequeueMs = options.rolloutRequeueMs ?? 30_000;
    this.#missingSecretRequeueMs = options.missingSecretRequeueMs ?? 30_000;
    this.#discoveryTtlMs = options.discoveryTtlMs ?? 60_000;
  }

  #iso(): string {
    return new Date(this.#now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  async reconcile(key: string): Promise<WorkResult | undefined> {
    const [namespace, name] = key.split('/') as [string, string];
    let resource: CentrifugoResource;
    try {
      resource = await this.#api.get<CentrifugoResource>(
        objectPath(CENTRIFUGO_TYPE, namespace, name),
      );
    } catch (err) {
      if (isNotFound(err)) return undefined; // deleted: garbage collection removes the children
      throw err;
    }
    if (resource.metadata.deletionTimestamp) return undefined;
    if (resource.metadata.annotations?.[PAUSED_ANNOTATION] === 'true') {
      await this.#writeStatus(resource, pausedStatus(resource, this.#iso()));
      return undefined;
    }
    const begun = beginStatus(resource, this.#iso());
    if (begun) resource = await this.#writeStatus(resource, begun);

    try {
      return await this.#reconcile(resource);
    } catch (err) {
      if (err instanceof StalledError) {
        const stalled = err;
        this.#log.warn({ key, reason: stalled.reason, err: stalled.message }, 'stalled');
        this.#events.record(resource, 'Warning', stalled.reason, stalled.message);
        const outcome: Outcome = {
          kind: 'stalled',
          reason: stalled.reason,
          message: stalled.message,
        };
        await this.#writeStatus(resource, computeStatus(resource, outcome, {}, this.#iso()));
        return stalled.requeueAfterMs === undefined
          ? undefined
          : { requeueAfterMs: stalled.requeueAfterMs };
      }
      const reason = err instanceof KubeApiError ? 'ApplyFailed' : 'ReconcileFailed';
      const message = (err as Error).message;
      this.#events.record(resource, 'Warning', reason, message);
      const outcome: Outcome = { kind: 'failed', reason, message };
      try {
        await this.#writeStatus(resource, computeStatus(resource, outcome, {}, this.#iso()));
      } catch (statusErr) {
        this.#log.debug({ key, err: (statusErr as Error).message }, 'status write failed');
      }
      throw err;
    }
  }

  async #reconcile(resource: CentrifugoResource): Promise<WorkResult | undefined> {
    const spec = withDefaults(resource.spec);
    // The config first: it needs no I/O, and an invalid one should stop before any write.
    try {
      nodeConfig(spec);
    } catch (err) {
      if (err instanceof ConfigError) {
        throw new StalledError('InvalidConfig', `spec.config: ${err.message}`, undefined, {
          cause: err,
        });
      }
      throw err;
    }
    const { view, status: credentialsStatus } = await this.#credentials(resource, spec);
    const natsHash = await this.#natsCredentialsHash(resource, spec);
    const serviceMonitorServed = spec.serviceMonitor.enabled
      ? await this.#serviceMonitorServed()
      : false;
    const credentials: CredentialsView = {
      ...view,
      hash: natsHash === undefined ? view.hash : sha256Hex(`${view.hash}:${natsHash}`),
    };
    const ctx = buildContext(resource, {
      defaultTag: this.#defaultTag,
      credentials,
      serviceMonitorServed,
    });
    const desired = buildChildren(ctx);

    let deployment: DeploymentObject | undefined;
    for (const object of desired.apply) {
      let applied: KubeObject;
      try {
        applied = await this.#apply(object);
      } catch (err) {
        // The credentials Secret went away since it was read (its metadata carries the uid
        // read): start over now, which regenerates it, rather than report a failure.
        if (object.kind === 'Secret' && isConflict(err)) {
          this.#log.info(
            { key: `${ctx.namespace}/${ctx.name}`, secret: object.metadata.name },
            'credentials Secret replaced or deleted during the reconcile: reconciling again',
          );
          return { requeueAfterMs: 0 };
        }
        throw err;
      }
      if (object.kind === 'Deployment') deployment = applied as DeploymentObject;
    }
    for (const ref of desired.absent) await this.#deleteIfOwned(ref, resource);

    const warnings: string[] = [];
    if (spec.serviceMonitor.enabled && !serviceMonitorServed) {
      const message =
        'serviceMonitor.enabled, but monitoring.coreos.com/v1 ServiceMonitor is not served: none created';
      warnings.push(message);
      this.#events.record(resource, 'Warning', 'ServiceMonitorCRDMissing', message);
    }
    const status = computeStatus(
      resource,
      { kind: 'applied', deployment, warnings },
      statusFields(ctx, credentialsStatus),
      this.#iso(),
    );
    const before = resource.status;
    await this.#writeStatus(resource, status);
    if (before?.observedGeneration !== status.observedGeneration) {
      this.#log.info(
        { key: `${ctx.namespace}/${ctx.name}`, generation: status.observedGeneration },
        'reconciled',
      );
    }
    return rolloutOf(deployment).done ? undefined : { requeueAfterMs: this.#rolloutRequeueMs };
  }

  async #apply(object: KubeObject): Promise<KubeObject> {
    const path = objectPath(object, object.metadata.namespace, object.metadata.name);
    try {
      return await this.#api.apply(path, object, FIELD_MANAGER);
    } catch (err) {
      // The API server refused the object itself: retrying the same object cannot help, and
      // what made it invalid came from the spec (podTemplate overrides, resources, ...).
      if (isInvalid(err)) {
        throw new StalledError(
          'ChildRejected',
          `${object.kind} ${object.metadata.name} rejected: ${(err as KubeApiError).serverMessage}`,
          undefined,
          { cause: err },
        );
      }
      throw err;
    }
  }

  async #deleteIfOwned(ref: ChildRef, owner: CentrifugoResource): Promise<void> {
    const path = objectPath(ref, ref.namespace, ref.name);
    let existing: KubeObject;
    try {
      existing = await this.#api.get(path);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const ours = existing.metadata.ownerReferences?.some(
      (o) => o.controller && o.uid === owner.metadata.uid,
    );
    if (!ours) return;
    try {
      await this.#api.delete(path, {
        preconditions: { uid: existing.metadata.uid },
        propagationPolicy: 'Background',
      });
      this.#events.record(owner, 'Normal', 'Deleted', `${ref.kind} ${ref.name} no longer wanted`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async #serviceMonitorServed(): Promise<boolean> {
    const cached = this.#serviceMonitor;
    if (cached && this.#now() - cached.at < this.#discoveryTtlMs) return cached.served;
    const served = await this.#api.serves('monitoring.coreos.com/v1', 'servicemonitors');
    this.#serviceMonitor = { served, at: this.#now() };
    return served;
  }

  async #getSecret(namespace: string, name: string): Promise<SecretObject | undefined> {
    try {
      return await this.#api.get<SecretObject>(
        objectPath({ apiVersion: 'v1', kind: 'Secret' }, namespace, name),
      );
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async #natsCredentialsHash(
    resource: CentrifugoResource,
    spec: CentrifugoSpec,
  ): Promise<string | undefined> {
    const ref = spec.engine.type === 'nats' ? spec.engine.nats?.credentialsSecretRef : undefined;
    if (!ref) return undefined;
    const secret = await this.#getSecret(resource.metadata.namespace as string, ref.name);
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
   * The credentials Secret: read an existing one, or create the generated one if absent (a
   * deleted one is regenerated, with a Warning), fill keys that went missing, and rotate when
   * the rotate-credentials annotation carries a value not yet acted upon.
   */
  async #credentials(
    resource: CentrifugoResource,
    spec: CentrifugoSpec,
  ): Promise<{ view: CredentialsView; status: NonNullable<CentrifugoStatus['credentials']> }> {
    const namespace = resource.metadata.namespace as string;
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
      if (rotateFor !== undefined && rotateFor !== resource.status?.credentials?.rotatedFor) {
        this.#events.record(
          resource,
          'Warning',
          'RotationNotSupported',
          `spec.secrets.existingSecret ${existingName} is yours to rotate: the operator only rotates Secrets it generated`,
        );
      }
      return this.#credentialsOf(secret, false, undefined);
    }

    const name = childNames(resource.metadata.name).generatedSecret;
    const secret = await retryOnConflict(async () => {
      const current = await this.#getSecret(namespace, name);
      if (!current) return this.#createSecret(resource, name, rotateFor);
      return this.#repairOrRotate(resource, current, rotateFor, spec);
    });
    return this.#credentialsOf(secret, true, secret.metadata.annotations?.[ROTATED_FOR_ANNOTATION]);
  }

  async #createSecret(
    resource: CentrifugoResource,
    name: string,
    rotateFor: string | undefined,
  ): Promise<SecretObject> {
    const namespace = resource.metadata.namespace as string;
    const tag = withDefaults(resource.spec).image.tag ?? this.#defaultTag;
    const secret = buildNewCredentialsSecret(resource, tag, rotateFor, this.#random);
    let created: SecretObject;
    try {
      created = await this.#api.create<SecretObject>(
        collectionPath({ apiVersion: 'v1', kind: 'Secret' }, namespace),
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
    const hadOne = resource.status?.credentials?.generated === true;
    if (hadOne) {
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
    secret: SecretObject,
    rotateFor: string | undefined,
    spec: CentrifugoSpec,
  ): Promise<SecretObject> {
    const path = objectPath(
      { apiVersion: 'v1', kind: 'Secret' },
      secret.metadata.namespace,
      secret.metadata.name,
    );
    const done = secret.metadata.annotations?.[ROTATED_FOR_ANNOTATION];
    if (rotateFor !== undefined && rotateFor !== done) {
      const grace = spec.secrets.rotation.hmacGracePeriodSeconds;
      const data = rotationPatch(secret.data ?? {}, this.#now(), grace, this.#random);
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
    const missing = missingGeneratedKeys(secret.data);
    if (missing.length === 0) return secret;
    const repaired = await this.#api.mergePatch<SecretObject>(
      path,
      {
        metadata: { resourceVersion: secret.metadata.resourceVersion },
        data: generateCredentials(missing, this.#random),
      },
      FIELD_MANAGER,
    );
    this.#events.record(
      resource,
      'Warning',
      'CredentialsKeyRestored',
      `Secret ${secret.metadata.name} lacked ${missing.join(', ')}: generated`,
    );
    return repaired;
  }

  #credentialsOf(
    secret: SecretObject,
    generated: boolean,
    rotatedFor: string | undefined,
  ): { view: CredentialsView; status: NonNullable<CentrifugoStatus['credentials']> } {
    const present = Object.keys(secret.data ?? {});
    const keys: Record<string, string> = {};
    for (const [field, key] of Object.entries(CREDENTIAL_KEYS)) {
      if (present.includes(key)) keys[field] = key;
    }
    const status: NonNullable<CentrifugoStatus['credentials']> = {
      secretName: secret.metadata.name,
      generated,
      keys,
    };
    if (rotatedFor !== undefined) status.rotatedFor = rotatedFor;
    const until = Number(
      fromB64(secret.data?.[CREDENTIAL_KEYS.hmacPreviousSecretKeyValidUntil]) ?? Number.NaN,
    );
    if (Number.isFinite(until) && until > 0) {
      status.previousHmacValidUntil = new Date(until * 1000)
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z');
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

  /** Server-side applies the status (skipped when unchanged); returns the object as written. */
  async #writeStatus(
    resource: CentrifugoResource,
    status: CentrifugoStatus,
  ): Promise<CentrifugoResource> {
    if (isDeepStrictEqual(resource.status ?? {}, status)) return resource;
    const { name, namespace } = resource.metadata;
    const written = await this.#api.apply<CentrifugoResource>(
      objectPath(CENTRIFUGO_TYPE, namespace, name, 'status'),
      {
        apiVersion: CENTRIFUGO_TYPE.apiVersion,
        kind: CENTRIFUGO_TYPE.kind,
        metadata: { name, namespace },
        status,
      },
      FIELD_MANAGER,
    );
    return written;
  }
}

function statusFields(
  ctx: BuildContext,
  credentials: NonNullable<CentrifugoStatus['credentials']>,
) {
  return {
    selector: selectorString(ctx.name),
    image: ctx.image,
    configHash: ctx.nodeConfig.hash,
    credentialsHash: ctx.credentials.hash,
    credentials,
    endpoints: serviceEndpoints(ctx),
  };
}
