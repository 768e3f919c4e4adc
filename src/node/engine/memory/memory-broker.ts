// Broker for a single node: history in MemoryStreams, delivery straight to this node's
// handler. Delivery is synchronous inside publish, so per-channel order is publish order.
import { selectHistory } from '../history-filter.ts';
import type {
  Broker,
  BrokerEventHandler,
  ClientInfo,
  HistoryOptions,
  HistoryResult,
  PublishOptions,
  PublishResult,
  StreamPosition,
} from '../types.ts';
import { isOutdated, versionAfter } from '../version-rule.ts';
import { MemoryStream } from './memory-stream.ts';

export interface MemoryBrokerOptions {
  /** Used when a call passes historyMetaTtlMs 0. */
  historyMetaTtlMs: number;
  now: () => number;
}

const DEFAULT_IDEMPOTENT_RESULT_TTL_MS = 300_000;
const NO_POSITION: StreamPosition = { offset: 0, epoch: '' };

interface RememberedResult {
  result: PublishResult;
  expireAt: number;
}

export class MemoryBroker implements Broker {
  private handler: BrokerEventHandler | undefined;
  private readonly streams = new Map<string, MemoryStream>();
  private readonly subscribed = new Set<string>();
  /** Per channel, then per idempotency key. */
  private readonly idempotent = new Map<string, Map<string, RememberedResult>>();
  private readonly options: MemoryBrokerOptions;

  constructor(options: MemoryBrokerOptions) {
    this.options = options;
  }

  async start(handler: BrokerEventHandler): Promise<void> {
    this.handler = handler;
  }

  async close(): Promise<void> {
    this.handler = undefined;
    this.streams.clear();
    this.subscribed.clear();
    this.idempotent.clear();
  }

  async publish(channel: string, data: Uint8Array, opts: PublishOptions): Promise<PublishResult> {
    const now = this.options.now();
    const key = opts.idempotencyKey;
    if (key) {
      const earlier = this.idempotent.get(channel)?.get(key);
      if (earlier && earlier.expireAt > now) {
        return { ...earlier.result, suppressed: true, suppressReason: 'idempotency' };
      }
    }
    const version = opts.version !== undefined && opts.version > 0 ? opts.version : undefined;
    const base = { data, info: opts.clientInfo, tags: opts.tags, time: now, version };
    let result: PublishResult;
    if (opts.historySize > 0 && opts.historyTtlMs > 0) {
      const stream = this.liveStream(channel, now, this.metaTtl(opts.historyMetaTtlMs));
      // After the idempotency check and without remembering a result, as Centrifugo: a
      // retry with a newer version and the same key is then stored.
      if (isOutdated(stream.lastVersion, opts)) {
        return { position: stream.position(), suppressed: true, suppressReason: 'version' };
      }
      // The previous publication as history holds it: none once trimmed or expired.
      const prev = opts.delta ? stream.latest(now) : undefined;
      const pub = stream.append(base, opts.historySize, opts.historyTtlMs, now, versionAfter(opts));
      const position = stream.position();
      result = { position, suppressed: false };
      if (this.subscribed.has(channel)) {
        this.handler?.handlePublication(channel, pub, position, prev);
      }
    } else {
      result = { position: NO_POSITION, suppressed: false };
      if (this.subscribed.has(channel)) {
        this.handler?.handlePublication(channel, { ...base, offset: 0 }, NO_POSITION);
      }
    }
    if (key) {
      const ttl = opts.idempotentResultTtlMs ?? DEFAULT_IDEMPOTENT_RESULT_TTL_MS;
      let perChannel = this.idempotent.get(channel);
      if (!perChannel) {
        perChannel = new Map();
        this.idempotent.set(channel, perChannel);
      }
      perChannel.set(key, { result, expireAt: now + ttl });
    }
    return result;
  }

  async publishJoin(channel: string, info: ClientInfo): Promise<void> {
    if (this.subscribed.has(channel)) this.handler?.handleJoin(channel, info);
  }

  async publishLeave(channel: string, info: ClientInfo): Promise<void> {
    if (this.subscribed.has(channel)) this.handler?.handleLeave(channel, info);
  }

  async publishControl(data: Uint8Array): Promise<void> {
    // One node: a message for any node, or for a named one, is for this node.
    this.handler?.handleControl(data);
  }

  async subscribe(channel: string): Promise<void> {
    this.subscribed.add(channel);
  }

  async unsubscribe(channel: string): Promise<void> {
    this.subscribed.delete(channel);
  }

  async history(channel: string, options: HistoryOptions): Promise<HistoryResult> {
    const now = this.options.now();
    const metaTtl = this.metaTtl(options.metaTtlMs);
    // Asking for a position creates it, so a later `since` check has an epoch to hold on to.
    const stream = this.liveStream(channel, now, metaTtl);
    stream.touch(now, metaTtl);
    const position = stream.position();
    const publications = selectHistory(stream.retained(now), position, options.filter);
    return { publications, position };
  }

  async removeHistory(channel: string): Promise<void> {
    this.streams.get(channel)?.clear();
  }

  /** Drops expired streams and idempotency results; reads expire lazily as well. */
  sweep(): void {
    const now = this.options.now();
    for (const [channel, stream] of this.streams) {
      if (stream.metaExpireAt <= now) this.streams.delete(channel);
      else stream.retained(now);
    }
    for (const [channel, results] of this.idempotent) {
      for (const [key, remembered] of results) {
        if (remembered.expireAt <= now) results.delete(key);
      }
      if (results.size === 0) this.idempotent.delete(channel);
    }
  }

  private liveStream(channel: string, now: number, metaTtlMs: number): MemoryStream {
    let stream = this.streams.get(channel);
    if (!stream || stream.metaExpireAt <= now) {
      stream = new MemoryStream(now, metaTtlMs);
      this.streams.set(channel, stream);
    } else {
      stream.touch(now, metaTtlMs);
    }
    return stream;
  }

  private metaTtl(ms: number): number {
    return ms > 0 ? ms : this.options.historyMetaTtlMs;
  }
}
