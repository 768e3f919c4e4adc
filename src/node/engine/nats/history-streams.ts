// One JetStream stream per namespace that keeps history: max_msgs_per_subject =
// history_size, max_age = history_ttl, one subject per channel, and a republish rule that
// fans out exactly what the stream stored (a plain subscriber on the stream subject would
// also see publishes the stream rejected). A changed option updates the stream in place.
import {
  DiscardPolicy,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { NatsNames } from './names.ts';

export interface HistorySettings {
  size: number;
  ttlMs: number;
}

/** Centrifugo keeps idempotency results 5 minutes; JetStream needs the window within max_age. */
const DUPLICATE_WINDOW_MS = 300_000;

export class HistoryStreams {
  private readonly ensured = new Map<string, Promise<string>>();
  private readonly jsm: JetStreamManager;
  private readonly names: NatsNames;
  private readonly replicas: number;

  constructor(jsm: JetStreamManager, names: NatsNames, replicas: number) {
    this.jsm = jsm;
    this.names = names;
    this.replicas = replicas;
  }

  /** The stream name, once the stream exists with these settings. */
  ensure(namespace: string, settings: HistorySettings): Promise<string> {
    const key = `${namespace}\u0000${settings.size}\u0000${settings.ttlMs}`;
    let pending = this.ensured.get(key);
    if (!pending) {
      pending = this.createOrUpdate(namespace, settings);
      pending.catch(() => this.ensured.delete(key));
      this.ensured.set(key, pending);
    }
    return pending;
  }

  private async createOrUpdate(namespace: string, s: HistorySettings): Promise<string> {
    const name = this.names.historyStream(namespace);
    const subjects = this.names.historySubjects(namespace);
    const wanted: Partial<StreamConfig> & { name: string } = {
      name,
      subjects: [subjects],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_msgs_per_subject: s.size,
      max_age: nanos(s.ttlMs),
      duplicate_window: nanos(Math.min(DUPLICATE_WINDOW_MS, s.ttlMs)),
      num_replicas: this.replicas,
      allow_direct: true,
      republish: { src: subjects, dest: this.names.republishDest() },
    };
    let current: StreamConfig | undefined;
    try {
      current = (await this.jsm.streams.info(name)).config;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!current) {
      await this.jsm.streams.add(wanted);
    } else if (
      current.max_msgs_per_subject !== s.size ||
      current.max_age !== wanted.max_age ||
      current.num_replicas !== this.replicas
    ) {
      await this.jsm.streams.update(name, { ...current, ...wanted } as StreamConfig);
    }
    return name;
  }
}

export function isNotFound(err: unknown): boolean {
  const e = err as { code?: number; name?: string; message?: string };
  return (
    e?.code === 10059 || e?.name === 'StreamNotFoundError' || /not found/i.test(e?.message ?? '')
  );
}
