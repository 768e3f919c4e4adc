// Kubernetes Events about a Centrifugo (core/v1, what `kubectl describe` shows). Recording is
// best effort: a failed Event never fails a reconcile. The same event for the same object is
// sent at most once per window, so a resync or a retry loop does not flood the namespace.
import type { KubeClient } from './kube/client.ts';
import { collectionPath } from './kube/resources.ts';
import type { KubeObject } from './kube/types.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventSink {
  record(object: KubeObject, type: EventType, reason: string, message: string): void;
}

const DEDUPE_WINDOW_MS = 10 * 60_000;

export class EventRecorder implements EventSink {
  readonly #client: KubeClient;
  readonly #component: string;
  readonly #instance: string;
  readonly #recent = new Map<string, number>();
  readonly #onError: ((err: unknown) => void) | undefined;

  constructor(
    client: KubeClient,
    component: string,
    instance: string,
    onError?: (err: unknown) => void,
  ) {
    this.#client = client;
    this.#component = component;
    this.#instance = instance;
    this.#onError = onError;
  }

  record(object: KubeObject, type: EventType, reason: string, message: string): void {
    const { name, namespace, uid } = object.metadata;
    const key = `${uid}|${type}|${reason}|${message}`;
    const now = Date.now();
    const last = this.#recent.get(key);
    if (last !== undefined && now - last < DEDUPE_WINDOW_MS) return;
    this.#recent.set(key, now);
    if (this.#recent.size > 10_000) {
      for (const [k, at] of this.#recent) if (now - at >= DEDUPE_WINDOW_MS) this.#recent.delete(k);
    }
    const time = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${name}.`, namespace },
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name,
        namespace,
        uid,
        resourceVersion: object.metadata.resourceVersion,
      },
      type,
      reason,
      message: message.slice(0, 1024),
      source: { component: this.#component },
      reportingComponent: this.#component,
      reportingInstance: this.#instance,
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
    };
    this.#client
      .create(
        collectionPath({ apiVersion: 'v1', kind: 'Event' }, namespace),
        event,
        this.#component,
      )
      .catch((err: unknown) => this.#onError?.(err));
  }
}
