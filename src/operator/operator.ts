// The operator process: a Lease decides which replica is active; the active one runs informers
// (Centrifugos, and its children by label) that feed one per-key work queue, a periodic resync
// that re-queues every Centrifugo (drift a watch cannot see, such as an edited existingSecret),
// and the reconciler. Losing the lease stops everything and resolves `stopped`: the CLI exits
// so Kubernetes restarts the pod as a clean standby. close() is the graceful path: no new
// work, in-flight reconciles finish, the lease is released for the standby to take at once.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { API_VERSION, CHILD_SELECTOR, FIELD_MANAGER, KIND } from './crd/index.ts';
import { EventRecorder } from './events.ts';
import { Informer, type InformerEvent } from './informer.ts';
import { KubeClient } from './kube/client.ts';
import type { ClusterAccess } from './kube/kubeconfig.ts';
import { CENTRIFUGO_TYPE, collectionPath, type TypeRef } from './kube/resources.ts';
import type { KubeObject } from './kube/types.ts';
import { LeaderElector } from './leader-election.ts';
import { Reconciler, type ReconcilerOptions } from './reconciler.ts';
import { WorkQueue } from './work-queue.ts';

export interface OperatorOptions {
  access: ClusterAccess;
  logger: Logger;
  /** Image tag used when spec.image.tag is absent. */
  defaultTag: string;
  /** Watch one namespace only; all namespaces when undefined. */
  watchNamespace?: string;
  leaderElection: {
    enabled: boolean;
    namespace: string;
    name: string;
    identity?: string;
    leaseDurationMs?: number;
    renewDeadlineMs?: number;
    retryPeriodMs?: number;
  };
  workers?: number;
  resyncMs?: number;
  /** Reconciler timings (tests shorten them). */
  reconciler?: Pick<
    ReconcilerOptions,
    'rolloutRequeueMs' | 'missingSecretRequeueMs' | 'discoveryTtlMs'
  >;
  /** Port of /healthz and /readyz; undefined: no health server. */
  healthPort?: number;
  healthAddress?: string;
}

/** Children whose changes wake their owner (the ServiceMonitor is left to resync). */
const CHILD_TYPES: TypeRef[] = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
];

export class Operator {
  readonly identity: string;
  readonly #o: OperatorOptions;
  readonly #log: Logger;
  readonly #client: KubeClient;
  readonly #elector: LeaderElector | undefined;
  #running: { informers: Informer[]; queue: WorkQueue; resync: NodeJS.Timeout } | undefined;
  #health: Server | undefined;
  #closed = false;
  #stop!: (reason: string) => void;
  /** Resolves when the operator stops on its own (leadership lost), with the reason. */
  readonly stopped = new Promise<string>((resolve) => {
    this.#stop = resolve;
  });

  constructor(options: OperatorOptions) {
    this.#o = options;
    this.#log = options.logger;
    this.identity = options.leaderElection.identity ?? `${hostname()}_${randomUUID().slice(0, 8)}`;
    this.#client = new KubeClient(options.access);
    const le = options.leaderElection;
    if (le.enabled) {
      this.#elector = new LeaderElector(this.#client, {
        namespace: le.namespace,
        name: le.name,
        identity: this.identity,
        leaseDurationMs: le.leaseDurationMs,
        renewDeadlineMs: le.renewDeadlineMs,
        retryPeriodMs: le.retryPeriodMs,
        fieldManager: FIELD_MANAGER,
        onStartedLeading: () => {
          this.#log.info(
            { identity: this.identity, lease: `${le.namespace}/${le.name}` },
            'leading',
          );
          this.#startControllers();
        },
        onStoppedLeading: (reason) => {
          this.#log.error({ identity: this.identity, reason }, 'leadership lost: stopping');
          void this.#stopControllers().then(() => this.#stop(`leadership lost: ${reason}`));
        },
        onError: (err) => this.#log.warn({ err: (err as Error).message }, 'lease'),
      });
    }
  }

  get isLeader(): boolean {
    return this.#running !== undefined;
  }

  async start(): Promise<void> {
    this.#log.info(
      {
        identity: this.identity,
        server: this.#client.server,
        credentials: this.#o.access.source,
        namespace: this.#o.watchNamespace ?? '(all)',
      },
      'starting the centrifugo-ts operator',
    );
    if (this.#o.healthPort !== undefined) await this.#startHealth(this.#o.healthPort);
    if (this.#elector) {
      this.#log.info({ identity: this.identity }, 'waiting for the lease');
      this.#elector.start();
    } else this.#startControllers();
  }

  #startControllers(): void {
    if (this.#running || this.#closed) return;
    const events = new EventRecorder(this.#client, FIELD_MANAGER, this.identity, (err) =>
      this.#log.warn({ err: (err as Error).message }, 'event not recorded'),
    );
    const reconciler = new Reconciler({
      api: this.#client,
      events,
      logger: this.#log,
      defaultTag: this.#o.defaultTag,
      ...this.#o.reconciler,
    });
    const queue = new WorkQueue((key) => reconciler.reconcile(key), {
      workers: this.#o.workers ?? 4,
      onError: (key, err, retryInMs) =>
        this.#log.warn({ key, err: (err as Error).message, retryInMs }, 'reconcile failed'),
    });
    const ns = this.#o.watchNamespace;
    const informers: Informer[] = [];
    const crInformer = new Informer(this.#client, {
      path: collectionPath(CENTRIFUGO_TYPE, ns),
      onEvent: (type, object, previous) => this.#onCentrifugo(queue, type, object, previous),
      onError: (err, retryInMs) =>
        this.#log.warn({ err: (err as Error).message, retryInMs }, 'Centrifugo watch restarting'),
    });
    informers.push(crInformer);
    for (const type of CHILD_TYPES) {
      informers.push(
        new Informer(this.#client, {
          path: collectionPath(type, ns),
          labelSelector: CHILD_SELECTOR,
          onEvent: (_type, object) => {
            const owner = ownerKey(object);
            if (owner) queue.add(owner);
          },
          onError: (err, retryInMs) =>
            this.#log.warn(
              { kind: type.kind, err: (err as Error).message, retryInMs },
              'watch restarting',
            ),
        }),
      );
    }
    const resync = setInterval(
      () => {
        for (const object of crInformer.list()) queue.add(keyOf(object));
      },
      this.#o.resyncMs ?? 5 * 60_000,
    );
    resync.unref();
    this.#running = { informers, queue, resync };
    for (const informer of informers) informer.start();
    queue.start();
  }

  #onCentrifugo(
    queue: WorkQueue,
    type: InformerEvent,
    object: KubeObject,
    previous: KubeObject | undefined,
  ): void {
    const key = keyOf(object);
    if (type === 'deleted') {
      queue.forget(key);
      return;
    }
    // Our own status writes come back as updates: they change nothing a reconcile reads.
    if (type === 'modified' && previous && !specOrMetaChanged(previous, object)) return;
    queue.add(key);
  }

  async #stopControllers(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    this.#running = undefined;
    clearInterval(running.resync);
    await Promise.all(running.informers.map((i) => i.close()));
    await running.queue.close();
  }

  /** Whether every informer has listed once (what /readyz reports for the leader). */
  async synced(): Promise<void> {
    await Promise.all(this.#running?.informers.map((i) => i.synced) ?? []);
  }

  async #startHealth(port: number): Promise<void> {
    const server = createServer((req, res) => {
      if (req.url === '/healthz') {
        res.writeHead(200).end('ok\n');
      } else if (req.url === '/readyz') {
        // A standby is ready too: it is healthy and waiting for the lease.
        res.writeHead(this.#closed ? 503 : 200).end(this.isLeader ? 'leader\n' : 'standby\n');
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.#o.healthAddress ?? '0.0.0.0', () => resolve());
    });
    this.#health = server;
  }

  /** Graceful shutdown: finish in-flight reconciles, release the lease, close connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#stopControllers();
    await this.#elector?.close();
    await new Promise<void>((resolve) =>
      this.#health ? this.#health.close(() => resolve()) : resolve(),
    );
    this.#client.close();
    this.#stop('closed');
  }
}

/** A change a reconcile must see: spec (generation), annotations (pause, rotate), deletion. */
export function specOrMetaChanged(before: KubeObject, after: KubeObject): boolean {
  const a = before.metadata;
  const b = after.metadata;
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    JSON.stringify(a.annotations ?? {}) !== JSON.stringify(b.annotations ?? {})
  );
}

const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;

/** namespace/name of the Centrifugo that controls a child, if one does. */
export function ownerKey(object: KubeObject): string | undefined {
  const ref = object.metadata.ownerReferences?.find(
    (o) =>
      o.controller && o.kind === KIND && o.apiVersion.split('/')[0] === API_VERSION.split('/')[0],
  );
  return ref ? `${object.metadata.namespace}/${ref.name}` : undefined;
}
