// Keeps each channel's position (offset, epoch) in the meta bucket, which outlives
// history_ttl: once every message of a channel has expired, the next publish and every
// history read continue from there. Off the publish path, and spaced out: a position is
// needed only once the channel's messages are gone, history_ttl after its last publish, so
// one write per channel per META_SPACING_MS (or a quarter of history_ttl when shorter)
// carries the newest position in time, instead of one replicated write per publication
// (which halved the publish rate a NATS cluster sustains). The first position after a quiet
// spell is written at once. If the node dies within the spacing after a channel's last
// publish and nobody publishes there for history_ttl, the record is a little behind: clients
// holding the newer positions then get "unrecoverable position" and resubscribe, they never
// receive wrong data. Nodes write independently, so a write never lowers the offset of the
// epoch stored (compare and set on the entry's revision): a node's late write of an older
// position must not undo another node's newer one.
import type { KV } from '@nats-io/kv';
import type { MetaRecord } from './channel-state.ts';
import { token } from './names.ts';
import type { NatsGate } from './nats-gate.ts';

export const META_SPACING_MS = 1_000;
/** Writers racing on one record: each round one of them wins, so this bounds a busy channel. */
const MAX_RACES = 8;

/** A position with the version of the publication at it: written and raised as one. */
type Position = MetaRecord;

export class MetaWriter {
  private readonly meta: KV;
  private readonly gate: NatsGate;
  /** Newest position not written yet, per channel, with its channel's history_ttl. */
  private readonly dirty = new Map<string, { position: Position; historyTtlMs: number }>();
  /** A write in flight or a spacing wait, per channel. */
  private readonly busy = new Map<string, Promise<void>>();
  /** Ends the spacing waits early (flush). */
  private readonly waits = new Set<() => void>();
  private closing = false;

  constructor(meta: KV, gate: NatsGate) {
    this.meta = meta;
    this.gate = gate;
  }

  write(channel: string, position: Position, historyTtlMs: number): void {
    const spacingMs = this.closing ? 0 : Math.min(META_SPACING_MS, historyTtlMs / 4);
    if (this.busy.has(channel)) {
      this.dirty.set(channel, { position, historyTtlMs });
      return;
    }
    const run = this.raise(metaKey(channel), position)
      .catch((err: unknown) => this.gate.background('meta write', err))
      .then(() => this.pause(spacingMs))
      .finally(() => {
        this.busy.delete(channel);
        const next = this.dirty.get(channel);
        if (next) {
          this.dirty.delete(channel);
          this.write(channel, next.position, next.historyTtlMs);
        }
      });
    this.busy.set(channel, run);
  }

  /** Stores `position` unless the record already holds a later offset of the same epoch. */
  private async raise(key: string, position: Position): Promise<void> {
    const value = JSON.stringify(position);
    for (let attempt = 0; attempt < MAX_RACES; attempt++) {
      const entry = await this.meta.get(key);
      try {
        if (entry?.operation !== 'PUT' || entry.length === 0) {
          // Absent (or deleted): create, unless another node does so first.
          if (entry) await this.meta.update(key, value, entry.revision);
          else await this.meta.create(key, value);
          return;
        }
        const stored = entry.json<Position>();
        if (stored.epoch === position.epoch && stored.offset >= position.offset) return;
        await this.meta.update(key, value, entry.revision);
        return;
      } catch (err) {
        // Another node wrote in between: look again.
        if (!isWrongRevision(err)) throw err;
      }
    }
  }

  private pause(ms: number): Promise<void> {
    if (this.closing || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.waits.delete(end);
        resolve();
      };
      const timer = setTimeout(end, ms);
      timer.unref();
      this.waits.add(end);
    });
  }

  /** Writes what is pending without waiting out the spacing (node shutdown). */
  async flush(): Promise<void> {
    this.closing = true;
    for (const end of this.waits) end();
    while (this.busy.size > 0) await Promise.all([...this.busy.values()]);
  }
}

function isWrongRevision(err: unknown): boolean {
  const e = err as { code?: number; message?: string };
  return (
    e?.code === 10071 || e?.code === 10164 || /wrong last sequence|exists/i.test(e?.message ?? '')
  );
}

export function metaKey(channel: string): string {
  return token(channel);
}
