// Publications with history: appended to the channel's subject of its namespace stream with
// an expected last subject sequence, so per-channel offsets stay gap-free and ordered
// whichever node publishes. One node publishes into one channel one at a time; nodes race
// each other, and the stream leader decides.
//
// Why concurrent publishes from several nodes used to fail (measured 2026-12-01 with
// nats-server 2.15.2, test/nats/concurrent-publish.test.ts: 3 nodes x 10 channels x 40/s,
// 453 of 3,600 publishes answered 100 on a 3-server R3 cluster, 0 on one server). On a
// replicated stream the leader checks the expectation before proposing the message to its
// replicas, and while another publish with an expectation on the same subject is still being
// replicated it refuses at once with err_code 10164 ("wrong last sequence", no number), not
// 10071 (nats-server's checkMsgHeadersPreClusteredProposal: the subject is "in process").
// Two publishes with the same, correct, expectation sent back to back: on one server the
// second gets 10071, on R3 it gets 10164, 200 times of 200. Only 10071 was retried, so every
// overlap of two nodes failed at once: 176 of 177 failures in a run were 10164. The suspect
// named earlier, a lagging replica answering the re-read of the top by direct get, did not
// show: of 2,715 re-reads after a 10071, none returned an older sequence than the one the
// leader named in its refusal. Now:
// - 10164: another publish is landing; try again after a short random pause (nodes that
//   collided must not collide again in step).
// - 10071: the refusal names the subject's last sequence; read that message by sequence (any
//   replica holding it answers the same, see channel-state.ts), so the next try expects the
//   true top, never an older one a replica still shows. Right away: the node that lost needs
//   a read the winners do not, and under load a pause let the same nodes win again and again
//   until the loser's deadline passed.
// - no responders / 503: the stream is electing a leader and stored nothing; back off and try
//   again.
// - no answer within a try's timeout (a leader change drops proposals in flight): try again
//   with the same expectation and publish id, so at most one of the tries is stored and a
//   later refusal tells whether it was ours.
// Every retry stays within the call's deadline (nats-gate.ts): a publish is stored once and
// answered with its offset, or answered 100; only a try still unanswered at the deadline may
// land after the 100, as after any timeout.
import { randomBytes } from 'node:crypto';
import type { JetStreamClient, JetStreamManager, PubAck } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { PublishOptions, PublishResult } from '../types.ts';
import { isOutdated, versionAfter } from '../version-rule.ts';
import {
  type ChannelState,
  fromMeta,
  loadChannelState,
  loadLeaderState,
  messageAt,
  metaRecordOf,
  stateAt,
  stateOf,
} from './channel-state.ts';
import { isNotFound } from './history-streams.ts';
import { MetaWriter, metaKey } from './meta-writer.ts';
import { token } from './names.ts';
import {
  type CallScope,
  electionBackoff,
  isElecting,
  type NatsGate,
  whileElecting,
} from './nats-gate.ts';
import { PUBLISH_ID_HEADER, publicationHeaders } from './wire.ts';

/** The stream's last sequence for the subject is not the one expected; it is named. */
const WRONG_LAST_SEQUENCE = 10071;
/** Another publish with an expectation on this subject is still being replicated. */
const SUBJECT_IN_FLIGHT = 10164;
const STATE_CACHE_LIMIT = 10_000;

export interface StoredPublishOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  meta: KV;
  gate: NatsGate;
  /** One try's wait for its answer, shorter than the call's, so a lost answer leaves time to retry. */
  attemptTimeoutMs: number;
}

export class StoredPublisher {
  private readonly o: StoredPublishOptions;
  private readonly states = new Map<string, ChannelState>();
  /** Per-channel chain: this node publishes into one channel one at a time. */
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly metaWriter: MetaWriter;

  constructor(o: StoredPublishOptions) {
    this.o = o;
    this.metaWriter = new MetaWriter(o.meta, o.gate);
  }

  /** Runs `task` after this node's earlier calls on the channel, if the call is not over. */
  serialized<T>(channel: string, scope: CallScope, task: () => Promise<T>): Promise<T> {
    const run = () => {
      // Queued behind a slow predecessor until its own deadline: give up without a try.
      scope.remaining();
      return task();
    };
    const previous = this.chains.get(channel) ?? Promise.resolve();
    const next = previous.then(run, run);
    const settled = next.catch(() => {});
    this.chains.set(channel, settled);
    void settled.then(() => {
      if (this.chains.get(channel) === settled) this.chains.delete(channel);
    });
    return next;
  }

  async publish(
    channel: string,
    stream: string,
    subject: string,
    data: Uint8Array,
    o: PublishOptions,
    now: number,
    scope: CallScope,
  ): Promise<PublishResult> {
    try {
      return await this.append(channel, stream, subject, data, o, now, scope);
    } catch (err) {
      // Whether it landed is unknown (a timeout): read the top again next time.
      this.states.delete(channel);
      throw err;
    }
  }

  private async append(
    channel: string,
    stream: string,
    subject: string,
    data: Uint8Array,
    o: PublishOptions,
    now: number,
    scope: CallScope,
  ): Promise<PublishResult> {
    let state =
      this.states.get(channel) ??
      (await whileElecting(scope, () =>
        loadChannelState(this.o.jsm, stream, subject, this.o.meta, metaKey(channel)),
      ));
    const publishId = randomBytes(9).toString('base64url');
    /** Expectations of tries whose answer never came: one of them may have been stored. */
    const unanswered: number[] = [];
    /** The state was read from the stream leader during this call. */
    let fromLeader = false;
    const version = versionAfter(o);
    for (let attempt = 1; ; attempt++) {
      // The version check rides on the expectation below: a try is conditioned on the state
      // it was checked against, so a newer publication from another node refuses it and the
      // check runs again on the state the refusal names. Dropping needs the true top, not
      // this node's memory of it (another node may have stored an unversioned publication
      // since, which resets the version): read it from the leader first.
      if (isOutdated(state.version, o)) {
        if (!fromLeader) {
          state = await whileElecting(scope, () =>
            loadLeaderState(this.o.jsm, stream, subject, this.o.meta, metaKey(channel)),
          );
          this.states.set(channel, state);
          fromLeader = true;
          continue;
        }
        if (unanswered.length > 0) {
          // The version that outdates this publish may be its own earlier try.
          const ours = await whileElecting(scope, () =>
            this.storedEarlier(stream, subject, unanswered, publishId),
          );
          if (ours)
            return { position: { offset: ours.offset, epoch: ours.epoch }, suppressed: false };
        }
        return {
          position: { offset: state.offset, epoch: state.epoch },
          suppressed: true,
          suppressReason: 'version',
        };
      }
      const offset = state.offset + 1;
      let ack: PubAck;
      try {
        ack = await this.o.js.publish(subject, data, {
          headers: publicationHeaders({
            offset,
            epoch: state.epoch,
            info: o.clientInfo,
            tags: o.tags,
            time: now,
            publishId,
            version,
            delta: o.delta,
          }),
          expect: { lastSubjectSequence: state.lastSeq },
          msgID: o.idempotencyKey ? `${token(channel)}.${o.idempotencyKey}` : undefined,
          timeout: Math.min(scope.remaining(), this.o.attemptTimeoutMs),
        });
      } catch (err) {
        const code = (err as { code?: number }).code;
        if (code === WRONG_LAST_SEQUENCE) {
          if (unanswered.length > 0) {
            const ours = await whileElecting(scope, () =>
              this.storedEarlier(stream, subject, unanswered, publishId),
            );
            if (ours) {
              // Others landed after it: the next publish learns the top from its refusal.
              this.remember(channel, ours, o.historyTtlMs);
              return { position: { offset: ours.offset, epoch: ours.epoch }, suppressed: false };
            }
          }
          // Another node published into this channel: continue from the top the leader named.
          state = await whileElecting(scope, () =>
            this.stateNamedIn(err, channel, stream, subject),
          );
          fromLeader = false;
          // Right away: the state is exact, and any pause only lets the others win again.
          continue;
        }
        if (code === SUBJECT_IN_FLIGHT) {
          await scope.pause(jitter(attempt));
          continue;
        }
        if (isElecting(err)) {
          await scope.pause(electionBackoff(attempt));
          continue;
        }
        if (isTimeout(err)) {
          // A stream leader change drops the proposals in flight without an answer. The try
          // may still have been stored: try again with the same expectation, so at most one
          // of the two lands, and tell which from the publish id if a refusal follows.
          unanswered.push(state.lastSeq);
          continue;
        }
        throw err;
      }
      if (ack.duplicate) {
        // An earlier publish with this idempotency key, or an earlier try of this one.
        const original = await whileElecting(scope, () => messageAt(this.o.jsm, stream, ack.seq));
        const position = original
          ? { offset: stateOf(original).offset, epoch: stateOf(original).epoch }
          : { offset: 0, epoch: state.epoch };
        const ours = original?.header.get(PUBLISH_ID_HEADER) === publishId;
        return ours
          ? { position, suppressed: false }
          : { position, suppressed: true, suppressReason: 'idempotency' };
      }
      state = { lastSeq: ack.seq, offset, epoch: state.epoch, version };
      this.remember(channel, state, o.historyTtlMs);
      return { position: { offset, epoch: state.epoch }, suppressed: false };
    }
  }

  /**
   * Whether a try of this publish that got no answer was stored after all: the message that
   * followed its expected sequence is the one that took its place, ours or another node's.
   */
  private async storedEarlier(
    stream: string,
    subject: string,
    expectations: number[],
    publishId: string,
  ): Promise<ChannelState | undefined> {
    for (const expected of expectations) {
      const query = { seq: expected + 1, next_by_subj: subject };
      // A replica may not hold it yet; the leader, which just refused us, does.
      const next =
        (await this.o.jsm.direct.getMessage(stream, query)) ??
        (await this.o.jsm.streams.getMessage(stream, query));
      if (next?.header.get(PUBLISH_ID_HEADER) === publishId) return stateOf(next);
    }
    return undefined;
  }

  /** The state at the sequence a 10071 refusal names ("wrong last sequence: 123"). */
  private async stateNamedIn(
    err: unknown,
    channel: string,
    stream: string,
    subject: string,
  ): Promise<ChannelState> {
    const named = /wrong last sequence: (\d+)/.exec((err as Error).message ?? '');
    const seq = named ? Number(named[1]) : undefined;
    let state: ChannelState | undefined;
    if (seq === 0) {
      // The subject holds nothing any more (history_ttl): the position lives in the meta bucket.
      state = await fromMeta(this.o.meta, metaKey(channel));
    } else if (seq !== undefined) {
      state = await stateAt(this.o.jsm, stream, subject, seq);
    }
    state ??= await loadChannelState(this.o.jsm, stream, subject, this.o.meta, metaKey(channel));
    this.states.set(channel, state);
    return state;
  }

  /** Drops publications but keeps the position (removeHistory). */
  async remove(channel: string, stream: string, subject: string, scope: CallScope): Promise<void> {
    await this.serialized(channel, scope, async () => {
      // Keep the position: store it in the meta bucket before the messages go.
      const state = await loadChannelState(
        this.o.jsm,
        stream,
        subject,
        this.o.meta,
        metaKey(channel),
      );
      // The version too: Centrifugo keeps it when history is removed.
      await this.o.meta.put(metaKey(channel), JSON.stringify(metaRecordOf(state)));
      try {
        await this.o.jsm.streams.purge(stream, { filter: subject });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.states.set(channel, { ...state, lastSeq: 0 });
    });
  }

  private remember(channel: string, state: ChannelState, historyTtlMs: number): void {
    if (this.states.size > STATE_CACHE_LIMIT) this.states.clear();
    this.states.set(channel, state);
    this.metaWriter.write(channel, metaRecordOf(state), historyTtlMs);
  }

  async flushMeta(): Promise<void> {
    await this.metaWriter.flush();
  }
}

/** A random pause of up to 2^attempt ms (at most 32): colliding nodes fall out of step. */
function isTimeout(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return e?.name === 'TimeoutError' || /^timeout$/i.test(e?.message ?? '');
}

function jitter(attempt: number): number {
  return Math.random() * 2 ** Math.min(attempt, 5);
}
