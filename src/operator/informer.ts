// List-then-watch of one kind, kept alive: the watch resumes from the last resourceVersion
// when the server ends it, relists on 410 Gone (firing deletes for objects that vanished
// meanwhile), and on any other error restarts after a backoff (1 s doubling to 30 s) instead of
// stopping, which is what @kubernetes/client-node's informer does. Bookmarks keep the
// resourceVersion fresh; an idle watchdog catches connections that died silently.

import type { KubeClient, Query } from './kube/client.ts';
import { isGone } from './kube/errors.ts';
import type { KubeObject } from './kube/types.ts';
import { sleep } from './sleep.ts';

export type InformerEvent = 'added' | 'modified' | 'deleted';

export interface InformerOptions {
  /** Collection path, e.g. /apis/apps/v1/deployments (all namespaces). */
  path: string;
  labelSelector?: string;
  /** Server-side watch timeout range, seconds (a random value in it per watch). */
  watchTimeoutSeconds?: [number, number];
  /** `previous` is the cached object a 'modified' replaces. */
  onEvent: (type: InformerEvent, object: KubeObject, previous?: KubeObject) => void;
  onError?: (err: unknown, retryInMs: number) => void;
}

const keyOf = (o: KubeObject) =>
  o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;

export class Informer {
  readonly #client: KubeClient;
  readonly #options: InformerOptions;
  readonly #cache = new Map<string, KubeObject>();
  readonly #abort = new AbortController();
  #loop: Promise<void> | undefined;
  #synced!: () => void;
  /** Resolves after the first successful list. */
  readonly synced = new Promise<void>((resolve) => {
    this.#synced = resolve;
  });

  constructor(client: KubeClient, options: InformerOptions) {
    this.#client = client;
    this.#options = options;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** The cached objects (as last seen), keyed namespace/name. */
  list(): KubeObject[] {
    return [...this.#cache.values()];
  }

  get(key: string): KubeObject | undefined {
    return this.#cache.get(key);
  }

  async close(): Promise<void> {
    this.#abort.abort(new Error('informer closed'));
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    let failures = 0;
    let resourceVersion: string | undefined;
    while (!signal.aborted) {
      try {
        if (resourceVersion === undefined) {
          resourceVersion = await this.#relist(signal);
          this.#synced();
        }
        const [min, max] = this.#options.watchTimeoutSeconds ?? [240, 300];
        const timeoutSeconds = Math.round(min + Math.random() * (max - min));
        const query: Query = {
          resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds,
          labelSelector: this.#options.labelSelector,
        };
        await this.#client.watch(
          this.#options.path,
          query,
          (event) => {
            const object = event.object;
            if (object.metadata?.resourceVersion) resourceVersion = object.metadata.resourceVersion;
            failures = 0;
            if (event.type === 'BOOKMARK') return;
            if (event.type === 'DELETED') {
              this.#cache.delete(keyOf(object));
              this.#options.onEvent('deleted', object);
              return;
            }
            const key = keyOf(object);
            const previous = this.#cache.get(key);
            this.#cache.set(key, object);
            this.#options.onEvent(previous ? 'modified' : 'added', object, previous);
          },
          { signal, idleMs: (timeoutSeconds + 30) * 1000 },
        );
        // The server ended the watch at its timeout: resume from where it left off.
      } catch (err) {
        if (signal.aborted) return;
        if (isGone(err)) {
          resourceVersion = undefined;
          continue;
        }
        failures += 1;
        const delay = Math.min(1000 * 2 ** (failures - 1), 30_000);
        this.#options.onError?.(err, delay);
        // After an error, relist: the watch may have missed events the list will show.
        resourceVersion = undefined;
        await sleep(delay, signal);
      }
    }
  }

  /** Lists everything, reconciles the cache with it, and returns the list's resourceVersion. */
  async #relist(signal: AbortSignal): Promise<string> {
    const items: KubeObject[] = [];
    let resourceVersion = '';
    let next: string | undefined;
    do {
      const page = await this.#client.list(
        this.#options.path,
        { labelSelector: this.#options.labelSelector, limit: 500, continue: next },
        signal,
      );
      items.push(...page.items);
      resourceVersion = page.metadata.resourceVersion ?? '';
      next = page.metadata.continue || undefined;
    } while (next);
    const seen = new Set<string>();
    for (const item of items) {
      const key = keyOf(item);
      seen.add(key);
      const previous = this.#cache.get(key);
      this.#cache.set(key, item);
      if (!previous) this.#options.onEvent('added', item);
      else if (previous.metadata.resourceVersion !== item.metadata.resourceVersion) {
        this.#options.onEvent('modified', item, previous);
      }
    }
    for (const [key, object] of this.#cache) {
      if (!seen.has(key)) {
        this.#cache.delete(key);
        this.#options.onEvent('deleted', object);
      }
    }
    return resourceVersion;
  }
}
