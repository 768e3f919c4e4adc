// One reconcile of one Centrifugo: read it, make sure its credentials exist, build every child
// (pure builders), server-side apply them in order, remove optional children no longer wanted,
// and write the status through /status. Idempotent and level-based: it reads the world fresh
// each time, so a duplicate event, a resync or a retry converges to the same objects, and an
// unchanged Centrifugo costs no-op applies and no status write (no resourceVersion moves).
//
// Errors are sorted in two: a spec that cannot work (invalid config, a missing existing
// Secret, a child the API server rejects, a child's name taken by an object this Centrifugo
// does not control) is Stalled and waits for a change; anything else is transient, reported
// as Reconciling/Retrying, and retried by the queue with backoff.

import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { ConfigError } from '../node/config/index.ts';
import { HTTP_ROUTE_API } from './builders/http-route.ts';
import {
  type BuildContext,
  buildChildren,
  buildContext,
  type ChildRef,
  isControlledBy,
  nameTaken,
  type RandomSource,
  type ResolvedSpec,
  resolveSpec,
  selectorString,
  serviceEndpoints,
} from './builders/index.ts';
import { HANDOVER_FIELD_MANAGER, replicasHandover } from './builders/replicas-handover.ts';
import { SCALED_OBJECT_API } from './builders/scaled-object.ts';
import {
  type CentrifugoResource,
  type CentrifugoStatus,
  FIELD_MANAGER,
  PAUSED_ANNOTATION,
} from './crd/index.ts';
import { CredentialsKeeper, type CredentialsStatus } from './credentials.ts';
import type { EventSink } from './events.ts';
import type { KubeClient } from './kube/client.ts';
import { isConflict, isInvalid, isNotFound, KubeApiError } from './kube/errors.ts';
import { CENTRIFUGO_TYPE, objectPath } from './kube/resources.ts';
import type { DeploymentObject, KubeObject } from './kube/types.ts';
import { StalledError } from './stalled-error.ts';
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
  /**
   * A missing referenced Secret, an object in the way of a child, or a kind the spec wants
   * that is not served (a CRD), is not watched: look again after this long.
   */
  missingSecretRequeueMs?: number;
  /** How long "is this optional kind served" (ServiceMonitor, HTTPRoute, ...) is cached. */
  discoveryTtlMs?: number;
}

export class Reconciler {
  readonly #api: KubeApi;
  readonly #events: EventSink;
  readonly #log: Logger;
  readonly #defaultTag: string;
  readonly #now: () => number;
  readonly #credentials: CredentialsKeeper;
  readonly #rolloutRequeueMs: number;
  readonly #unwatchedRequeueMs: number;
  readonly #discoveryTtlMs: number;
  /** Which optional kinds the cluster serves, by `group/version resource`, with when asked. */
  readonly #served = new Map<string, { served: boolean; at: number }>();

  constructor(options: ReconcilerOptions) {
    this.#api = options.api;
    this.#events = options.events;
    this.#log = options.logger;
    this.#defaultTag = options.defaultTag;
    this.#now = options.now ?? Date.now;
    this.#credentials = new CredentialsKeeper({
      api: options.api,
      events: options.events,
      now: this.#now,
      random: options.random ?? randomBytes,
      missingSecretRequeueMs: options.missingSecretRequeueMs ?? 30_000,
    });
    this.#rolloutRequeueMs = options.rolloutRequeueMs ?? 30_000;
    this.#unwatchedRequeueMs = options.missingSecretRequeueMs ?? 30_000;
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
    // Defaults and the node config first, once: they need no I/O, and an invalid config
    // should stop before any write.
    const resolved = this.#resolve(resource);
    const { spec } = resolved;
    const credentials = await this.#credentials.ensure(resource, resolved);
    // Asked whether wanted or not: a child turned off must be found to be deleted.
    const serviceMonitorServed = await this.#isServed(
      'monitoring.coreos.com/v1',
      'servicemonitors',
    );
    const httpRouteServed = await this.#isServed(HTTP_ROUTE_API, 'httproutes');
    const scaledObjectServed = await this.#isServed(SCALED_OBJECT_API, 'scaledobjects');
    const ctx = buildContext(resource, resolved, {
      credentials: credentials.view,
      serviceMonitorServed,
      httpRouteServed,
      scaledObjectServed,
    });
    const desired = buildChildren(ctx);

    let deployment: DeploymentObject | undefined;
    for (const object of desired.apply) {
      // The generated Secret was read (or made) by the credentials step, which checked it.
      if (object.kind !== 'Secret') {
        const existing = await this.#existingChild(object, resource);
        if (object.kind === 'Deployment') {
          await this.#handOverReplicas(ctx, existing as DeploymentObject | undefined);
        }
      }
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
    if (spec.httpRoute.enabled && !httpRouteServed) {
      const message = `httpRoute.enabled, but ${HTTP_ROUTE_API} HTTPRoute is not served: none created`;
      warnings.push(message);
      this.#events.record(resource, 'Warning', 'HTTPRouteCRDMissing', message);
    }
    if (spec.autoscaling.enabled && spec.autoscaling.keda?.enabled && !scaledObjectServed) {
      const message = `autoscaling.keda.enabled, but ${SCALED_OBJECT_API} ScaledObject is not served: a HorizontalPodAutoscaler scales the nodes instead`;
      warnings.push(message);
      this.#events.record(resource, 'Warning', 'KEDACRDMissing', message);
    }
    const rollout = rolloutOf(deployment);
    if (rollout.deadlineExceeded) {
      this.#events.record(resource, 'Warning', rollout.reason, rollout.message);
    }
    const status = computeStatus(
      resource,
      { kind: 'applied', deployment, warnings },
      statusFields(ctx, credentials.status),
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
    if (!rollout.done) return { requeueAfterMs: this.#rolloutRequeueMs };
    // A kind the spec wants is not served (nothing watches CRDs): look again, so a CRD
    // installed later is used within that time rather than at the next resync.
    return warnings.length > 0 ? { requeueAfterMs: this.#unwatchedRequeueMs } : undefined;
  }

  /** The object under a child's name, if any; throws Stalled when it is not ours. */
  async #existingChild(
    object: KubeObject,
    owner: CentrifugoResource,
  ): Promise<KubeObject | undefined> {
    const { name, namespace } = object.metadata;
    let existing: KubeObject;
    try {
      existing = await this.#api.get(objectPath(object, namespace, name));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (isControlledBy(existing, owner)) return existing;
    const taken = nameTaken(object.kind, name, namespace as string);
    throw new StalledError(taken.reason, taken.message, this.#unwatchedRequeueMs);
  }

  /** Autoscaling just turned on: keep the current replica count (replicas-handover.ts). */
  async #handOverReplicas(ctx: BuildContext, existing: DeploymentObject | undefined) {
    const handover = replicasHandover(ctx, existing);
    if (!handover) return;
    const { name, namespace } = handover.metadata;
    try {
      await this.#api.apply(
        objectPath(handover, namespace, name),
        handover,
        HANDOVER_FIELD_MANAGER,
        {
          force: false,
        },
      );
      this.#log.info(
        { key: `${ctx.namespace}/${ctx.name}`, replicas: existing?.spec?.replicas },
        'autoscaling on: replica count handed to the HorizontalPodAutoscaler',
      );
    } catch (err) {
      // The HPA already owns the field: nothing to hand over.
      if (!isConflict(err)) throw err;
    }
  }

  #resolve(resource: CentrifugoResource): ResolvedSpec {
    try {
      return resolveSpec(resource, this.#defaultTag);
    } catch (err) {
      if (err instanceof ConfigError) {
        throw new StalledError('InvalidConfig', `spec.config: ${err.message}`, undefined, {
          cause: err,
        });
      }
      throw err;
    }
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
    if (!isControlledBy(existing, owner)) return;
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

  async #isServed(groupVersion: string, resource: string): Promise<boolean> {
    const key = `${groupVersion} ${resource}`;
    const cached = this.#served.get(key);
    if (cached && this.#now() - cached.at < this.#discoveryTtlMs) return cached.served;
    const served = await this.#api.serves(groupVersion, resource);
    this.#served.set(key, { served, at: this.#now() });
    return served;
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

function statusFields(ctx: BuildContext, credentials: CredentialsStatus) {
  return {
    selector: selectorString(ctx.name),
    image: ctx.image,
    configHash: ctx.nodeConfig.hash,
    credentialsHash: ctx.credentials.hash,
    credentials,
    endpoints: serviceEndpoints(ctx),
  };
}
