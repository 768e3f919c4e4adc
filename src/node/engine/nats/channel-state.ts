// Where a channel's stream stands: its last stored sequence (for the publish expectation),
// offset and epoch. Read from the channel's last message, else from the meta bucket (which
// outlives history_ttl), else a new epoch. Kept in memory between publishes of this node.
import { randomBytes } from 'node:crypto';
import type { JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';

export const OFFSET_HEADER = 'Centrifugo-Offset';
export const EPOCH_HEADER = 'Centrifugo-Epoch';

export interface ChannelState {
  /** Stream sequence of the channel's last message; 0 when the subject holds none. */
  lastSeq: number;
  offset: number;
  epoch: string;
}

export interface MetaRecord {
  offset: number;
  epoch: string;
}

export function newEpoch(): string {
  return randomBytes(6).toString('base64url');
}

/** The position a stored message carries. */
export function stateOf(m: StoredMsg): ChannelState {
  return {
    lastSeq: m.seq,
    offset: Number(m.header.get(OFFSET_HEADER)),
    epoch: m.header.get(EPOCH_HEADER),
  };
}

/**
 * The channel's top. Direct gets may be answered by any replica, and a replica can be a few
 * messages behind: fine here, because a publish expecting a stale sequence is refused and
 * the refusal names the true one (see stored-publish.ts).
 */
export async function loadChannelState(
  jsm: JetStreamManager,
  stream: string,
  subject: string,
  meta: KV,
  metaKey: string,
): Promise<ChannelState> {
  const last = await jsm.direct.getMessage(stream, { last_by_subj: subject });
  if (last) return stateOf(last);
  return fromMeta(meta, metaKey);
}

/** Where the channel stands when its subject holds no message. */
export async function fromMeta(meta: KV, metaKey: string): Promise<ChannelState> {
  const record = await readMeta(meta, metaKey);
  if (record) return { lastSeq: 0, ...record };
  return { lastSeq: 0, offset: 0, epoch: newEpoch() };
}

/**
 * The state at stream sequence `seq`, a sequence the stream leader named. Any replica that
 * has the message answers the same; one that has not applied it yet answers "not found",
 * and then the leader is asked (it stored the message before naming it).
 */
export async function stateAt(
  jsm: JetStreamManager,
  stream: string,
  subject: string,
  seq: number,
): Promise<ChannelState | undefined> {
  const m = await messageAt(jsm, stream, seq);
  return m && m.subject === subject ? stateOf(m) : undefined;
}

/** The message at `seq`, from any replica holding it, else from the stream leader. */
export async function messageAt(
  jsm: JetStreamManager,
  stream: string,
  seq: number,
): Promise<StoredMsg | null> {
  return (
    (await jsm.direct.getMessage(stream, { seq })) ??
    (await jsm.streams.getMessage(stream, { seq }))
  );
}

export async function readMeta(meta: KV, key: string): Promise<MetaRecord | undefined> {
  const entry = await meta.get(key);
  if (entry?.operation !== 'PUT' || entry.length === 0) return undefined;
  return entry.json<MetaRecord>();
}
