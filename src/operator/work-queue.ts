// A per-key work queue, as client-go's: events for one object coalesce into one key, at most
// one reconcile per key runs at a time (a key added while it runs is run again afterwards,
// never concurrently), failures back off exponentially per key, and a handler can ask to be
// run again later (requeueAfter). Workers bound how many different keys run at once.

export interface WorkResult {
  /** Run this key again after this many milliseconds (a success: backoff resets). */
  requeueAfterMs?: number;
}

export type WorkHandler = (key: string) => Promise<WorkResult | undefined>;

export interface WorkQueueOptions {
  workers?: number;
  /** First retry delay after a failure; doubles per consecutive failure. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  onError?: (key: string, err: unknown, retryInMs: number) => void;
}

export class WorkQueue {
  readonly #handler: WorkHandler;
  readonly #workers: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #onError: WorkQueueOptions['onError'];
  /** Keys waiting to run, in order; `#queued` mirrors it for lookups. */
  readonly #order: string[] = [];
  readonly #queued = new Set<string>();
  readonly #running = new Set<string>();
  /** Keys added while running: queued again when their run ends. */
  readonly #dirty = new Set<string>();
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #failures = new Map<string, number>();
  readonly #inFlight = new Set<Promise<void>>();
  #closed = false;
  #started = false;

  constructor(handler: WorkHandler, options: WorkQueueOptions = {}) {
    this.#handler = handler;
    this.#workers = options.workers ?? 4;
    this.#baseDelayMs = options.baseDelayMs ?? 500;
    this.#maxDelayMs = options.maxDelayMs ?? 5 * 60_000;
    this.#onError = options.onError;
  }

  start(): void {
    this.#started = true;
    this.#pump();
  }

  /** Queues `key` now, or after `delayMs` (the earliest of several delayed adds wins). */
  add(key: string, delayMs = 0): void {
    if (this.#closed) return;
    if (delayMs > 0) {
      const at = Date.now() + delayMs;
      const pending = this.#timers.get(key);
      if (pending && pending.at <= at) return;
      if (pending) clearTimeout(pending.timer);
      const timer = setTimeout(() => {
        this.#timers.delete(key);
        this.add(key);
      }, delayMs);
      timer.unref();
      this.#timers.set(key, { at, timer });
      return;
    }
    if (this.#running.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#order.push(key);
    this.#pump();
  }

  /** Drops a key's pending retries and backoff (its object is gone). */
  forget(key: string): void {
    const pending = this.#timers.get(key);
    if (pending) clearTimeout(pending.timer);
    this.#timers.delete(key);
    this.#failures.delete(key);
  }

  get length(): number {
    return this.#order.length;
  }

  /** Backoff of the next retry of `key` after one more failure. */
  #backoff(key: string): number {
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    const delay = Math.min(this.#baseDelayMs * 2 ** (failures - 1), this.#maxDelayMs);
    // Jitter spreads retries of many objects that failed together.
    return Math.round(delay * (0.8 + Math.random() * 0.4));
  }

  #pump(): void {
    while (this.#started && !this.#closed && this.#running.size < this.#workers) {
      const key = this.#order.shift();
      if (key === undefined) return;
      this.#queued.delete(key);
      this.#running.add(key);
      const run = this.#run(key);
      this.#inFlight.add(run);
      void run.finally(() => this.#inFlight.delete(run));
    }
  }

  async #run(key: string): Promise<void> {
    try {
      const result = await this.#handler(key);
      this.#failures.delete(key);
      if (result?.requeueAfterMs !== undefined) this.add(key, result.requeueAfterMs);
    } catch (err) {
      const delay = this.#backoff(key);
      this.#onError?.(key, err, delay);
      this.add(key, delay);
    } finally {
      this.#running.delete(key);
      if (this.#dirty.delete(key)) this.add(key);
      this.#pump();
    }
  }

  /** Stops taking work, cancels timers and waits for the reconciles in flight. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#order.length = 0;
    this.#queued.clear();
    await Promise.allSettled([...this.#inFlight]);
  }
}
