// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it
// (@kubernetes/client-node has none). Every write is an update carrying the resourceVersion,
// so of two candidates at most one wins (the other gets 409). A lease held by another is
// taken over only after it went unrenewed for leaseDuration as measured on OUR clock since we
// last saw it change: no comparison of timestamps written by other machines, so clock skew
// cannot cause two leaders. A leader that cannot renew within renewDeadline gives up; the
// caller must stop reconciling then (the CLI exits). On close the lease is released (holder
// cleared) so the next candidate takes over at once instead of waiting for expiry.

import type { KubeClient } from './kube/client.ts';
import { isConflict, isNotFound } from './kube/errors.ts';
import { objectPath } from './kube/resources.ts';
import type { KubeObject } from './kube/types.ts';
import { sleep } from './sleep.ts';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  fieldManager: string;
  onStartedLeading: () => void;
  /** Leadership lost (renewal failed past the deadline, or another holder seen). */
  onStoppedLeading: (reason: string) => void;
  onError?: (err: unknown) => void;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

const LEASE = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' };

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  readonly #client: KubeClient;
  readonly #o: Required<Omit<LeaderElectionOptions, 'onError'>> &
    Pick<LeaderElectionOptions, 'onError'>;
  readonly #abort = new AbortController();
  #leading = false;
  #loop: Promise<void> | undefined;
  /** The lease record as last seen, and when (our clock) it last changed. */
  #observed: { record: string; at: number } | undefined;
  #lease: Lease | undefined;

  constructor(client: KubeClient, options: LeaderElectionOptions) {
    this.#client = client;
    this.#o = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      ...options,
    };
    if (this.#o.renewDeadlineMs >= this.#o.leaseDurationMs) {
      throw new Error('leader election: renewDeadline must be shorter than leaseDuration');
    }
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  get identity(): string {
    return this.#o.identity;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    let lastRenew = 0;
    while (!signal.aborted) {
      let ok = false;
      try {
        ok = await this.#tryAcquireOrRenew();
      } catch (err) {
        this.#o.onError?.(err);
      }
      if (signal.aborted) break;
      const now = Date.now();
      if (ok) {
        lastRenew = now;
        if (!this.#leading) {
          this.#leading = true;
          this.#o.onStartedLeading();
        }
      } else if (this.#leading && now - lastRenew >= this.#o.renewDeadlineMs) {
        this.#leading = false;
        this.#o.onStoppedLeading('failed to renew the lease within the renew deadline');
      } else if (this.#leading && this.#lease && this.#holder(this.#lease) !== this.#o.identity) {
        this.#leading = false;
        this.#o.onStoppedLeading(`lease taken by ${this.#holder(this.#lease)}`);
      }
      // Jitter keeps candidates from retrying in lockstep.
      const jitter = this.#leading ? 0 : Math.random() * this.#o.retryPeriodMs * 0.2;
      await sleep(this.#o.retryPeriodMs + jitter, signal);
    }
  }

  #holder(lease: Lease): string {
    return lease.spec?.holderIdentity ?? '';
  }

  #path(): string {
    return objectPath(LEASE, this.#o.namespace, this.#o.name);
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const now = Date.now();
    const durationSeconds = Math.ceil(this.#o.leaseDurationMs / 1000);
    let lease: Lease;
    try {
      lease = await this.#client.get<Lease>(this.#path());
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const created: Lease = {
        apiVersion: LEASE.apiVersion,
        kind: LEASE.kind,
        metadata: { name: this.#o.name, namespace: this.#o.namespace },
        spec: {
          holderIdentity: this.#o.identity,
          leaseDurationSeconds: durationSeconds,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        },
      };
      try {
        this.#lease = await this.#client.create<Lease>(
          `/apis/coordination.k8s.io/v1/namespaces/${this.#o.namespace}/leases`,
          created,
          this.#o.fieldManager,
        );
        return true;
      } catch (createErr) {
        if (isConflict(createErr)) return false;
        throw createErr;
      }
    }
    this.#lease = lease;
    const spec = lease.spec ?? {};
    const record = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.leaseTransitions]);
    if (this.#observed?.record !== record) this.#observed = { record, at: now };
    const holder = spec.holderIdentity ?? '';
    const mine = holder === this.#o.identity;
    const heldMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    const expired = now - (this.#observed?.at ?? now) >= heldMs;
    if (holder !== '' && !mine && !expired) return false;
    const next: Lease = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: this.#o.identity,
        leaseDurationSeconds: durationSeconds,
        renewTime: microTime(now),
        acquireTime: mine ? spec.acquireTime : microTime(now),
        leaseTransitions: mine ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
      },
    };
    try {
      this.#lease = await this.#client.update<Lease>(this.#path(), next, this.#o.fieldManager);
      const s = this.#lease.spec ?? {};
      this.#observed = {
        record: JSON.stringify([s.holderIdentity, s.renewTime, s.leaseTransitions]),
        at: now,
      };
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  /** Stops campaigning; a leader releases the lease so a standby takes over at once. */
  async close(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
    if (!this.#leading || !this.#lease) return;
    this.#leading = false;
    const spec = { ...(this.#lease.spec ?? {}) };
    delete spec.holderIdentity;
    delete spec.acquireTime;
    spec.leaseDurationSeconds = 1;
    spec.renewTime = microTime(Date.now());
    try {
      await this.#client.update(this.#path(), { ...this.#lease, spec }, this.#o.fieldManager);
    } catch (err) {
      // Someone else already holds it, or the API is gone: nothing to release.
      this.#o.onError?.(err);
    }
  }
}
