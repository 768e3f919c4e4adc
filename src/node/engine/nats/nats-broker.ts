// Broker over NATS JetStream. Publications with history go into the namespace's stream
// (stored-publish.ts); JetStream then republishes each stored message to the channel's
// fan-out subject, which every interested node subscribes to. Publications without history,
// joins, leaves and control messages are plain NATS messages. Every call that waits for NATS
// goes through the gate (nats-gate.ts), which bounds it and reports failures.
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { historyWindow, selectHistory } from '../history-filter.ts';
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
import { versionAfter } from '../version-rule.ts';
import { newEpoch, readMeta } from './channel-state.ts';
import { HistoryReader, type StoredPublication } from './history-reader.ts';
import type { HistoryStreams } from './history-streams.ts';
import { metaKey } from './meta-writer.ts';
import type { NatsNames } from './names.ts';
import { type CallScope, type NatsGate, whileElecting } from './nats-gate.ts';
import { StoredPublisher } from './stored-publish.ts';
import {
  decodeJoinLeave,
  deltaOf,
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
  gate: NatsGate;
  /** How long one publish try waits for its answer before trying again (within the call). */
  attemptTimeoutMs: number;
  nodeId: string;
  /** The namespace of a channel (its history stream). */
  namespaceOf(channel: string): string;
  /** History settings of a namespace, for streams created on first history read. */
  historyOf(namespace: string): { size: number; ttlMs: number } | undefined;
  onError(err: unknown, what: string): void;
}

const STATE_CACHE_LIMIT = 10_000;

export class NatsBroker implements Broker {
  private handler: BrokerEventHandler | undefined;
  private readonly o: NatsBrokerOptions;
  private readonly subs = new Map<string, Subscription>();
  private controlSubs: Subscription[] = [];
  private readonly stored: StoredPublisher;
  private readonly reader: HistoryReader;
  /** Results of idempotent publishes without history (those never reach JetStream). */
  private readonly recent = new Map<string, { result: PublishResult; expireAt: number }>();
  /**
   * Per channel this node is subscribed to, the newest stored publication it has seen
   * (fanned out, or read as the top of history): the previous publication a delta publish
   * needs (BrokerEventHandler.handlePublication), without a read per publication. Another
   * node stored the publication, so only what came by can serve; one that does not sit
   * right before (offset - 1, same epoch) is not used and subscribers get the whole data.
   */
  private readonly newest = new Map<string, { epoch: string; pub: Publication }>();

  constructor(options: NatsBrokerOptions) {
    this.o = options;
    this.stored = new StoredPublisher({
      js: options.js,
      jsm: options.jsm,
      meta: options.meta,
      gate: options.gate,
      attemptTimeoutMs: options.attemptTimeoutMs,
    });
    this.reader = new HistoryReader(options.jsm);
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
    await this.stored.flushMeta();
    for (const s of [...this.subs.values(), ...this.controlSubs]) s.unsubscribe();
    this.subs.clear();
    this.handler = undefined;
  }

  // --- fan-out ------------------------------------------------------------------------

  async subscribe(channel: string): Promise<void> {
    if (this.subs.has(channel)) return;
    await this.o.gate.call('subscribe', async () => {
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
      // a publication right after subscribe could be missed.
      await this.o.nc.flush();
    });
  }

  async unsubscribe(channel: string): Promise<void> {
    this.subs.get(channel)?.unsubscribe();
    this.subs.delete(channel);
    this.newest.delete(channel);
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
    let prev: Publication | undefined;
    if (pub.offset > 0) {
      const seen = this.newest.get(channel);
      if (
        deltaOf(msg.headers) &&
        seen?.epoch === position.epoch &&
        seen.pub.offset === pub.offset - 1
      ) {
        prev = seen.pub;
      }
      this.newest.set(channel, { epoch: position.epoch, pub });
    }
    this.handler?.handlePublication(channel, pub, position, prev);
  }

  /**
   * Every history read learns the top publication (one lookup, history()): it is the newest
   * one unless a newer came by since.
   */
  private noteTop(channel: string, epoch: string, top: Publication): void {
    if (!this.subs.has(channel)) return;
    const seen = this.newest.get(channel);
    if (seen && seen.epoch === epoch && seen.pub.offset >= top.offset) return;
    this.newest.set(channel, { epoch, pub: top });
  }

  // --- publish ------------------------------------------------------------------------

  async publish(channel: string, data: Uint8Array, o: PublishOptions): Promise<PublishResult> {
    const now = Date.now();
    if (o.historySize <= 0 || o.historyTtlMs <= 0) {
      return this.o.gate.call('publish', async () => this.publishPlain(channel, data, o, now));
    }
    return this.o.gate.call('publish', async (scope) => {
      const namespace = this.o.namespaceOf(channel);
      const stream = await this.o.streams.ensure(namespace, {
        size: o.historySize,
        ttlMs: o.historyTtlMs,
      });
      const subject = this.o.names.historySubject(namespace, channel);
      return this.stored.serialized(channel, scope, () =>
        this.stored.publish(channel, stream, subject, data, o, now, scope),
      );
    });
  }

  private publishPlain(channel: string, data: Uint8Array, o: PublishOptions, now: number) {
    const key = o.idempotencyKey ? `${channel}\u0000${o.idempotencyKey}` : undefined;
    const earlier = key ? this.recent.get(key) : undefined;
    if (earlier && earlier.expireAt > now) {
      return { ...earlier.result, suppressed: true, suppressReason: 'idempotency' as const };
    }
    this.o.nc.publish(this.o.names.publications(channel), data, {
      headers: publicationHeaders({
        offset: 0,
        epoch: '',
        info: o.clientInfo,
        tags: o.tags,
        time: now,
        version: versionAfter(o),
      }),
    });
    const result: PublishResult = { position: { offset: 0, epoch: '' }, suppressed: false };
    if (key) {
      if (this.recent.size > STATE_CACHE_LIMIT) this.recent.clear();
      this.recent.set(key, { result, expireAt: now + (o.idempotentResultTtlMs ?? 300_000) });
    }
    return result;
  }

  // --- history ------------------------------------------------------------------------

  /**
   * The top is one lookup of the subject's last message; publications are one read of just
   * the window the filter asks for (history-reader.ts). A stream position check (limit 0)
   * therefore reads one message, whatever the channel holds.
   */
  async history(channel: string, options: HistoryOptions): Promise<HistoryResult> {
    return this.o.gate.call('history', async (scope) => {
      const namespace = this.o.namespaceOf(channel);
      const settings = this.o.historyOf(namespace);
      const stream = settings
        ? await this.o.streams.ensure(namespace, settings)
        : this.o.names.historyStream(namespace);
      const subject = this.o.names.historySubject(namespace, channel);
      const last = await whileElecting(scope, () => this.reader.last(stream, subject));
      if (!last) {
        const position = await whileElecting(scope, () => this.positionWithoutMessages(channel));
        return { publications: selectHistory([], position, options.filter), position };
      }
      const position = { offset: last.pub.offset, epoch: last.epoch };
      this.noteTop(channel, last.epoch, last.pub);
      const window = historyWindow(position, options.filter);
      if (!window) return { publications: [], position };
      const read = await whileElecting(scope, () =>
        this.reader.window(stream, subject, last, window, scope),
      );
      const publications = read ?? (await this.readAll(stream, subject, last, options, scope));
      return { publications, position };
    });
  }

  /** The old way, for a subject that does not look as offsets promise: all of it. */
  private async readAll(
    stream: string,
    subject: string,
    last: StoredPublication,
    options: HistoryOptions,
    scope: CallScope,
  ): Promise<Publication[]> {
    const retained = await whileElecting(scope, () => this.reader.all(stream, subject, scope));
    const position = { offset: last.pub.offset, epoch: last.epoch };
    const pubs = retained.filter((r) => r.epoch === position.epoch).map((r) => r.pub);
    return selectHistory(contiguousTail(pubs), position, options.filter);
  }

  /** No retained message: the meta record, or a new epoch stored so later calls agree. */
  private async positionWithoutMessages(channel: string): Promise<StreamPosition> {
    const key = metaKey(channel);
    const positionOf = (r: { offset: number; epoch: string }) => ({
      offset: r.offset,
      epoch: r.epoch,
    });
    const record = await readMeta(this.o.meta, key);
    if (record) return positionOf(record);
    const fresh = { offset: 0, epoch: newEpoch() };
    try {
      await this.o.meta.create(key, JSON.stringify(fresh));
      return fresh;
    } catch {
      // Someone else created it first: theirs is the epoch.
      const theirs = await readMeta(this.o.meta, key);
      return theirs ? positionOf(theirs) : fresh;
    }
  }

  async removeHistory(channel: string): Promise<void> {
    const namespace = this.o.namespaceOf(channel);
    const stream = this.o.names.historyStream(namespace);
    const subject = this.o.names.historySubject(namespace, channel);
    await this.o.gate.call('remove_history', (scope) =>
      this.stored.remove(channel, stream, subject, scope),
    );
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
