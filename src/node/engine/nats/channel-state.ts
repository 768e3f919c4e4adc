// Where a channel's stream stands: its last stored sequence (for the publish expectation),
// offset, epoch and the version of its last publication (version-rule.ts). Read from the
// channel's last message, else from the meta bucket (which outlives history_ttl), else a new
// epoch. Kept in memory between publishes of this node.
import { randomBytes } from 'node:crypto';
import type { JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { type ChannelVersion, NO_VERSION } from '../version-rule.ts';

export const OFFSET_HEADER = 'Centrifugo-Offset';
export const EPOCH_HEADER = 'Centrifugo-Epoch';
/** The publication's version and version epoch; absent when it had none (version 0). */
export const VERSION_HEADER = 'Centrifugo-Version';
export const VERSION_EPOCH_HEADER = 'Centrifugo-Version-Epoch';

export interface ChannelState {
  /** Stream sequence of the channel's last message; 0 when the subject holds none. */
  lastSeq: number;
  offset: number;
  epoch: string;
  /** Of the channel's last stored publication. */
  version: ChannelVersion;
}

/** The meta bucket's record of a channel: its position, and the version that goes with it. */
export interface MetaRecord {
  offset: number;
  epoch: string;
  /** Absent in records written before versions, and for version 0. */
  version?: number | undefined;
  versionEpoch?: string | undefined;
}

export function metaRecordOf(state: Omit<ChannelState, 'lastSeq'>): MetaRecord {
  const record: MetaRecord = { offset: state.offset, epoch: state.epoch };
  if (state.version.version > 0) {
    record.version = state.version.version;
    if (state.version.epoch !== '') record.versionEpoch = state.version.epoch;
  }
  return record;
}

function stateOfRecord(record: MetaRecord): ChannelState {
  return {
    lastSeq: 0,
    offset: record.offset,
    epoch: record.epoch,
    version: record.version
      ? { version: record.version, epoch: record.versionEpoch ?? '' }
      : NO_VERSION,
  };
}

export function newEpoch(): string {
  return randomBytes(6).toString('base64url');
}

/** The position a stored message carries. */
export function stateOf(m: StoredMsg): ChannelState {
  const version = Number(m.header.get(VERSION_HEADER) || 0);
  return {
    lastSeq: m.seq,
    offset: Number(m.header.get(OFFSET_HEADER)),
    epoch: m.header.get(EPOCH_HEADER),
    version:
      version > 0
        ? { version, epoch: decodeURIComponent(m.header.get(VERSION_EPOCH_HEADER)) }
        : NO_VERSION,
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
  if (record) return stateOfRecord(record);
  return { lastSeq: 0, offset: 0, epoch: newEpoch(), version: NO_VERSION };
}

/**
 * The channel's top as the stream leader has it, for a decision a stale view must not make:
 * dropping an outdated version. A direct get may come from a replica a few messages behind.
 */
export async function loadLeaderState(
  jsm: JetStreamManager,
  stream: string,
  subject: string,
  meta: KV,
  metaKey: string,
): Promise<ChannelState> {
  const last = await jsm.streams.getMessage(stream, { last_by_subj: subject });
  if (last) return stateOf(last);
  return fromMeta(meta, metaKey);
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
