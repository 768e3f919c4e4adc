// One channel's history on one node: a gap-free run of the newest publications, the top
// position, and two clocks. Items expire together history_ttl after the last publish (as
// in Centrifugo's memory engine); the position itself outlives them until history_meta_ttl,
// after which the stream is forgotten and the next publish starts a new epoch.
import { randomBytes } from 'node:crypto';
import type { Publication, StreamPosition } from '../types.ts';
import { type ChannelVersion, NO_VERSION } from '../version-rule.ts';

export function newEpoch(): string {
  return randomBytes(6).toString('base64url');
}

export class MemoryStream {
  readonly epoch = newEpoch();
  top = 0;
  /** Ascending and contiguous; pubs[i].offset === top - pubs.length + 1 + i. */
  private pubs: Publication[] = [];
  private itemsExpireAt = 0;
  /** history_size of the latest publish: a smaller size trims on the next read. */
  private size = 0;
  /** Of the last stored publication; lives as long as the position (version-rule.ts). */
  lastVersion: ChannelVersion = NO_VERSION;
  metaExpireAt: number;

  constructor(now: number, metaTtlMs: number) {
    this.metaExpireAt = now + metaTtlMs;
  }

  position(): StreamPosition {
    return { offset: this.top, epoch: this.epoch };
  }

  append(
    pub: Omit<Publication, 'offset'>,
    size: number,
    ttlMs: number,
    now: number,
    version: ChannelVersion,
  ): Publication {
    this.top += 1;
    this.lastVersion = version;
    const stored: Publication = { ...pub, offset: this.top };
    this.pubs.push(stored);
    this.size = size;
    // Trim in batches so a full stream does not shift its array on every publish.
    if (this.pubs.length > size * 2 || (this.pubs.length > size && size < 64)) {
      this.pubs = this.pubs.slice(this.pubs.length - size);
    }
    this.itemsExpireAt = now + ttlMs;
    return stored;
  }

  /** The retained publications, newest history_size at most, none once the items expired. */
  retained(now: number): readonly Publication[] {
    if (now >= this.itemsExpireAt) this.pubs = [];
    if (this.pubs.length > this.size) this.pubs = this.pubs.slice(this.pubs.length - this.size);
    return this.pubs;
  }

  /** The newest retained publication, without trimming (a publish's previous one). */
  latest(now: number): Publication | undefined {
    return now >= this.itemsExpireAt ? undefined : this.pubs.at(-1);
  }

  clear(): void {
    this.pubs = [];
  }

  touch(now: number, metaTtlMs: number): void {
    this.metaExpireAt = Math.max(this.metaExpireAt, now + metaTtlMs);
  }
}
