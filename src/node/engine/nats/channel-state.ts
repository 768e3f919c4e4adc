// Where a channel's stream stands: its last stored sequence (for the publish expectation),
// offset and epoch. Read from the channel's last message, else from the meta bucket (which
// outlives history_ttl), else a new epoch. Kept in memory between publishes of this node.
import { randomBytes } from 'node:crypto';
import type { JetStreamManager } from '@nats-io/jetstream';
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

export async function loadChannelState(
  jsm: JetStreamManager,
  stream: string,
  subject: string,
  meta: KV,
  metaKey: string,
): Promise<ChannelState> {
  const last = await jsm.direct.getMessage(stream, { last_by_subj: subject });
  if (last) {
    return {
      lastSeq: last.seq,
      offset: Number(last.header.get(OFFSET_HEADER)),
      epoch: last.header.get(EPOCH_HEADER),
    };
  }
  const record = await readMeta(meta, metaKey);
  if (record) return { lastSeq: 0, ...record };
  return { lastSeq: 0, offset: 0, epoch: newEpoch() };
}

export async function readMeta(meta: KV, key: string): Promise<MetaRecord | undefined> {
  const entry = await meta.get(key);
  if (entry?.operation !== 'PUT' || entry.length === 0) return undefined;
  return entry.json<MetaRecord>();
}
