// Broker over NATS JetStream. Publications with history go into the namespace's stream with
// an expected last subject sequence, so per-channel offsets stay gap-free and ordered
// whichever node publishes; JetStream then republishes each stored message to the channel's
// fan-out subject, which every interested node subscribes to. Publications without history,
// joins, leaves and control messages are plain NATS messages.
import type { JetStreamClient, JetStreamManager, PubAck } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { selectHistory } from '../history-filter.ts';
import type {
  Broker,
  BrokerEventHandler,
  ClientInfo,
  HistoryOptions,
  HistoryResult,
  Publication,
  PublishOptions,
  PublishResult,
  StreamPosition,
} from '../types.ts';
import {
  type ChannelState,
  EPOCH_HEADER,
  loadChannelState,
  newEpoch,
  OFFSET_HEADER,
  readMeta,
} from './channel-state.ts';
import { type HistoryStreams, isNotFound } from './history-streams.ts';
import type { NatsNames } from './names.ts';
import { token } from './names.ts';
import {
  decodeJoinLeave,
  encodeJoinLeave,
  epochOf,
  publicationFrom,
  publicationHeaders,
} from './wire.ts';

export interface NatsBrokerOptions {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: NatsNames;
  streams: HistoryStreams;
  meta: KV;
  nodeId: string;
  /** The namespace of a channel (its history stream). */
  namespaceOf(channel: string): string;
  /** History settings of a namespace, for streams created on first history read. */
  historyOf(namespace: string): { size: number; ttlMs: number } | undefined;
  requestTimeoutMs: number;
  onError(err: unknown, what: string): void;
}

const WRONG_LAST_SEQUENCE = 10071;
const MAX_PUBLISH_ATTEMPTS = 8;
const STATE_CACHE_LIMIT = 10_000;
const MAX_HISTORY_BATCH = 10_000;

export class NatsBroker implements Broker {
  private handler: BrokerEventHandler | undefined;
  private readonly o: NatsBrokerOptions;
  private readonly subs = new Map<string, Subscription>();
  private controlSubs: Subscription[] = [];
  private readonly states = new Map<string, ChannelState>();
  /** Per-channel chain: this node publishes into one channel one at a time. */
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly metaDirty = new Map<string, { offset: number; epoch: string }>();
  private readonly metaWrites = new Map<string, Promise<void>>();
  /** Results of idempotent publishes without history (those never reach JetStream). */
  private readonly recent = new Map<string, { result: PublishResult; expireAt: number }>();

  constructor(options: NatsBrokerOptions) {
    this.o = options;
  }

  async start(handler: BrokerEventHandler): Promise<void> {
    this.handler = handler;
    const onControl = (err: Error | null, msg: Msg) => {
      if (!err) this.handler?.handleControl(msg.data);
    };
    this.controlSubs = [
      this.o.nc.subscribe(this.o.names.control(), { callback: onControl }),
      this.o.nc.subscribe(this.o.names.nodeControl(this.o.nodeId), { callback: onControl }),
    ];
  }

  async close(): Promise<void> {
    await this.flushMeta();
    for (const s of [...this.subs.values(), ...this.controlSubs]) s.unsubscribe();
    this.subs.clear();
    this.handler = undefined;
  }

  // --- fan-out ------------------------------------------------------------------------

  async subscribe(channel: string): Promise<void> {
    if (this.subs.has(channel)) return;
    const sub = this.o.nc.subscribe(this.o.names.channelEvents(channel), {
      callback: (err, msg) => {
        if (err) return;
        try {
          this.onChannelMessage(channel, msg);
        } catch (e) {
          this.o.onError(e, `bad message on ${msg.subject}`);
        }
      },
    });
    this.subs.set(channel, sub);
    // The subscription is registered on the server only after a round trip: without this,
    // a publication right after subscribe could be missed. Bounded, for NATS outages.
    await withTimeout(this.o.nc.flush(), this.o.requestTimeoutMs, 'NATS subscribe');
  }

  async unsubscribe(channel: string): Promise<void> {
    this.subs.get(channel)?.unsubscribe();
    this.subs.delete(channel);
  }

  private onChannelMessage(channel: string, msg: Msg): void {
    if (msg.subject.endsWith('.j')) {
      const { kind, info } = decodeJoinLeave(msg.data);
      if (kind === 'join') this.handler?.handleJoin(channel, info);
      else this.handler?.handleLeave(channel, info);
      return;
    }
    const pub = publicationFrom(msg.data, msg.headers);
    const position: StreamPosition = { offset: pub.offset, epoch: epochOf(msg.headers) };
    this.handler?.handlePublication(channel, pub, position);
  }

  // --- publish ------------------------------------------------------------------------

  async publish(channel: string, data: Uint8Array, o: PublishOptions): Promise<PublishResult> {
    const now = Date.now();
    if (o.historySize <= 0 || o.historyTtlMs <= 0) return this.publishPlain(channel, data, o, now);
    const namespace = this.o.namespaceOf(channel);
    const stream = await this.o.streams.ensure(namespace, {
      size: o.historySize,
      ttlMs: o.historyTtlMs,
    });
    return this.serialized(channel, () =>
      this.publishStored(channel, namespace, stream, data, o, now),
    );
  }

  private publishPlain(channel: string, data: Uint8Array, o: PublishOptions, now: number) {
    const key = o.idempotencyKey ? `${channel}\u0000${o.idempotencyKey}` : undefined;
    const earlier = key ? this.recent.get(key) : undefined;
    if (earlier && earlier.expireAt > now) return { ...earlier.result, suppressed: true };
    this.o.nc.publish(this.o.names.publications(channel), data, {
      headers: publicationHeaders(0, '', o.clientInfo, o.tags, now),
    });
    const result: PublishResult = { position: { offset: 0, epoch: '' }, suppressed: false };
    if (key) {
      if (this.recent.size > STATE_CACHE_LIMIT) this.recent.clear();
      this.recent.set(key, { result, expireAt: now + (o.idempotentResultTtlMs ?? 300_000) });
    }
    return result;
  }

  private async publishStored(
    channel: string,
    namespace: string,
    stream: string,
    data: Uint8Array,
    o: PublishOptions,
    now: number,
  ): Promise<PublishResult> {
    const subject = this.o.names.historySubject(namespace, channel);
    let state = this.states.get(channel) ?? (await this.loadState(channel, stream, subject));
    for (let attempt = 1; ; attempt++) {
      const offset = state.offset + 1;
      let ack: PubAck;
      try {
        ack = await this.o.js.publish(subject, data, {
          headers: publicationHeaders(offset, state.epoch, o.clientInfo, o.tags, now),
          expect: { lastSubjectSequence: state.lastSeq },
          msgID: o.idempotencyKey ? `${token(channel)}.${o.idempotencyKey}` : undefined,
          timeout: this.o.requestTimeoutMs,
        });
      } catch (err) {
        if (
          (err as { code?: number }).code === WRONG_LAST_SEQUENCE &&
          attempt < MAX_PUBLISH_ATTEMPTS
        ) {
          // Another node published into this channel: read where it stands and try again.
          state = await this.loadState(channel, stream, subject);
          continue;
        }
        this.states.delete(channel);
        throw err;
      }
      if (ack.duplicate) {
        const original = await this.o.jsm.direct.getMessage(stream, { seq: ack.seq });
        const position = {
          offset: Number(original?.header.get(OFFSET_HEADER) ?? 0),
          epoch: original?.header.get(EPOCH_HEADER) ?? state.epoch,
        };
        return { position, suppressed: true };
      }
      state = { lastSeq: ack.seq, offset, epoch: state.epoch };
      this.remember(channel, state);
      return { position: { offset, epoch: state.epoch }, suppressed: false };
    }
  }

  /**
   * While a stream elects a new leader (a NATS server died) its API has no responders for a
   * moment. Retry such calls with a short backoff until engine.nats.request_timeout, then give
   * up with the error (the API answers 100): a publish either lands once or fails visibly.
   */
  private async whileUnavailable<T>(task: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.o.requestTimeoutMs;
    for (let delay = 50; ; delay = Math.min(delay * 2, 400)) {
      try {
        return await task();
      } catch (err) {
        if (!isTransient(err) || Date.now() + delay > deadline) throw err;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private serialized<T>(channel: string, task: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(channel) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => {});
    this.chains.set(channel, settled);
    void settled.then(() => {
      if (this.chains.get(channel) === settled) this.chains.delete(channel);
    });
    return next;
  }

  private async loadState(channel: string, stream: string, subject: string): Promise<ChannelState> {
    const state = await loadChannelState(
      this.o.jsm,
      stream,
      subject,
      this.o.meta,
      metaKey(channel),
    );
    this.states.set(channel, state);
    return state;
  }

  private remember(channel: string, state: ChannelState): void {
    if (this.states.size > STATE_CACHE_LIMIT) this.states.clear();
    this.states.set(channel, state);
    this.writeMeta(channel, { offset: state.offset, epoch: state.epoch });
  }

  /**
   * Offsets must outlive history_ttl, so every new position goes to the meta bucket, off the
   * publish path. One write per channel is in flight at a time; positions that arrive
   * meanwhile collapse into one follow-up write of the newest.
   */
  private writeMeta(channel: string, record: { offset: number; epoch: string }): void {
    if (this.metaWrites.has(channel)) {
      this.metaDirty.set(channel, record);
      return;
    }
    const write = this.o.meta
      .put(metaKey(channel), JSON.stringify(record))
      .then(() => {})
      .catch((err: unknown) => this.o.onError(err, `meta write for ${channel}`))
      .finally(() => {
        this.metaWrites.delete(channel);
        const next = this.metaDirty.get(channel);
        if (next) {
          this.metaDirty.delete(channel);
          this.writeMeta(channel, next);
        }
      });
    this.metaWrites.set(channel, write);
  }

  private async flushMeta(): Promise<void> {
    while (this.metaWrites.size > 0) await Promise.all([...this.metaWrites.values()]);
  }

  // --- history ------------------------------------------------------------------------

  async history(channel: string, options: HistoryOptions): Promise<HistoryResult> {
    const namespace = this.o.namespaceOf(channel);
    const settings = this.o.historyOf(namespace);
    const stream = settings
      ? await this.o.streams.ensure(namespace, settings)
      : this.o.names.historyStream(namespace);
    const subject = this.o.names.historySubject(namespace, channel);
    const retained = await this.whileUnavailable(() => this.retained(stream, subject));
    const last = retained[retained.length - 1];
    let position: StreamPosition;
    if (last) {
      position = { offset: last.pub.offset, epoch: last.epoch };
    } else {
      position = await this.whileUnavailable(() => this.positionWithoutMessages(channel));
    }
    const pubs = retained.filter((r) => r.epoch === position.epoch).map((r) => r.pub);
    return {
      publications: selectHistory(contiguousTail(pubs), position, options.filter),
      position,
    };
  }

  /** No retained message: the meta record, or a new epoch stored so later calls agree. */
  private async positionWithoutMessages(channel: string): Promise<StreamPosition> {
    const key = metaKey(channel);
    const record = await readMeta(this.o.meta, key);
    if (record) return record;
    const fresh = { offset: 0, epoch: newEpoch() };
    try {
      await this.o.meta.create(key, JSON.stringify(fresh));
      return fresh;
    } catch {
      // Someone else created it first: theirs is the epoch.
      return (await readMeta(this.o.meta, key)) ?? fresh;
    }
  }

  private async retained(stream: string, subject: string) {
    const out: Array<{ pub: Publication; epoch: string }> = [];
    try {
      const batch = await this.o.jsm.direct.getBatch(stream, {
        seq: 1,
        next_by_subj: subject,
        batch: MAX_HISTORY_BATCH,
      });
      for await (const m of batch) {
        out.push({ pub: publicationFrom(m.data, m.header), epoch: epochOf(m.header) });
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return out;
  }

  async removeHistory(channel: string): Promise<void> {
    const namespace = this.o.namespaceOf(channel);
    const stream = this.o.names.historyStream(namespace);
    const subject = this.o.names.historySubject(namespace, channel);
    await this.serialized(channel, async () => {
      // Keep the position: store it in the meta bucket before the messages go.
      const state = await loadChannelState(
        this.o.jsm,
        stream,
        subject,
        this.o.meta,
        metaKey(channel),
      );
      await this.o.meta.put(
        metaKey(channel),
        JSON.stringify({ offset: state.offset, epoch: state.epoch }),
      );
      try {
        await this.o.jsm.streams.purge(stream, { filter: subject });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.states.set(channel, { lastSeq: 0, offset: state.offset, epoch: state.epoch });
    });
  }

  // --- join, leave, control -----------------------------------------------------------

  async publishJoin(channel: string, info: ClientInfo): Promise<void> {
    this.o.nc.publish(this.o.names.joinLeave(channel), encodeJoinLeave('join', info));
  }

  async publishLeave(channel: string, info: ClientInfo): Promise<void> {
    this.o.nc.publish(this.o.names.joinLeave(channel), encodeJoinLeave('leave', info));
  }

  async publishControl(data: Uint8Array, toNode?: string): Promise<void> {
    const subject = toNode ? this.o.names.nodeControl(toNode) : this.o.names.control();
    this.o.nc.publish(subject, data);
  }
}

function metaKey(channel: string): string {
  return token(channel);
}

/**
 * The newest gap-free run of publications. A gap can only come from an offset reserved by a
 * publish whose node died mid-way; history before it cannot be recovered across it.
 */
function contiguousTail(pubs: Publication[]): Publication[] {
  for (let i = pubs.length - 1; i > 0; i--) {
    if ((pubs[i] as Publication).offset !== (pubs[i - 1] as Publication).offset + 1) {
      return pubs.slice(i);
    }
  }
  return pubs;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Errors of a JetStream that is electing or briefly unreachable, as opposed to refusals. */
function isTransient(err: unknown): boolean {
  const e = err as { name?: string; message?: string; code?: number | string };
  const text = `${e?.name ?? ''} ${e?.message ?? ''}`;
  return /no responders|JetStreamNotEnabled|503|temporarily unavailable|no suitable peers/i.test(
    text,
  );
}
