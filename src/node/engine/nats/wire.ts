// How publications and join/leave events travel between nodes: the payload is the message
// body untouched; offset, epoch, publisher info and tags ride in headers, so a stored message
// republished by JetStream carries everything a node needs to deliver it.
import { headers, type MsgHdrs } from '@nats-io/nats-core';
import type { ClientInfo, Publication } from '../types.ts';
import type { ChannelVersion } from '../version-rule.ts';
import {
  EPOCH_HEADER,
  OFFSET_HEADER,
  VERSION_EPOCH_HEADER,
  VERSION_HEADER,
} from './channel-state.ts';

const INFO_HEADER = 'Centrifugo-Info';
const TAGS_HEADER = 'Centrifugo-Tags';
const TIME_HEADER = 'Centrifugo-Time';
const DELTA_HEADER = 'Centrifugo-Delta';
/** Names one publish call, so a try whose answer was lost can be recognised once stored. */
export const PUBLISH_ID_HEADER = 'Centrifugo-Publish-Id';

interface InfoJson {
  u: string;
  c: string;
  ci?: string;
  chi?: string;
}

const b64 = (b: Uint8Array | undefined) =>
  b && b.length > 0 ? Buffer.from(b).toString('base64') : undefined;
const unb64 = (s: string | undefined) => (s ? new Uint8Array(Buffer.from(s, 'base64')) : undefined);

export function infoToJson(info: ClientInfo): InfoJson {
  return { u: info.user, c: info.client, ci: b64(info.connInfo), chi: b64(info.chanInfo) };
}

export function infoFromJson(j: InfoJson): ClientInfo {
  const info: ClientInfo = { user: j.u, client: j.c };
  if (j.ci) info.connInfo = unb64(j.ci);
  if (j.chi) info.chanInfo = unb64(j.chi);
  return info;
}

/** What a publication's headers carry besides its payload. */
export interface PublicationMeta {
  /** 0 for a publication without history (then no epoch either). */
  offset: number;
  epoch: string;
  info: ClientInfo | undefined;
  tags: Record<string, string> | undefined;
  time: number;
  publishId?: string | undefined;
  version?: ChannelVersion | undefined;
  /** The publish asked for delta (PublishOptions.delta): nodes then look up the previous one. */
  delta?: boolean | undefined;
}

export function publicationHeaders(m: PublicationMeta): MsgHdrs {
  const h = headers();
  if (m.offset > 0) {
    h.set(OFFSET_HEADER, String(m.offset));
    h.set(EPOCH_HEADER, m.epoch);
  }
  // The stored message carries its version, so the channel's last version is always the
  // last message's: read together with the sequence a publish is conditioned on.
  const version = m.version;
  if (version && version.version > 0) {
    h.set(VERSION_HEADER, String(version.version));
    // Percent-encoded: the epoch is the publisher's string, a header value cannot hold CR/LF.
    if (version.epoch !== '') h.set(VERSION_EPOCH_HEADER, encodeURIComponent(version.epoch));
  }
  if (m.publishId) h.set(PUBLISH_ID_HEADER, m.publishId);
  if (m.info) h.set(INFO_HEADER, JSON.stringify(infoToJson(m.info)));
  if (m.tags) h.set(TAGS_HEADER, JSON.stringify(m.tags));
  if (m.delta) h.set(DELTA_HEADER, '1');
  h.set(TIME_HEADER, String(m.time));
  return h;
}

export function publicationFrom(data: Uint8Array, h: MsgHdrs | undefined): Publication {
  const offset = Number(h?.get(OFFSET_HEADER) || 0);
  const info = h?.get(INFO_HEADER);
  const tags = h?.get(TAGS_HEADER);
  const time = h?.get(TIME_HEADER);
  const version = Number(h?.get(VERSION_HEADER) || 0);
  return {
    offset,
    data,
    info: info ? infoFromJson(JSON.parse(info) as InfoJson) : undefined,
    tags: tags ? (JSON.parse(tags) as Record<string, string>) : undefined,
    time: time ? Number(time) : undefined,
    version: version > 0 ? version : undefined,
  };
}

/** Whether the publish of this message asked for delta (PublicationMeta.delta). */
export function deltaOf(h: MsgHdrs | undefined): boolean {
  return h?.get(DELTA_HEADER) === '1';
}

export function epochOf(h: MsgHdrs | undefined): string {
  return h?.get(EPOCH_HEADER) ?? '';
}

export function encodeJoinLeave(kind: 'join' | 'leave', info: ClientInfo): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ k: kind, i: infoToJson(info) }));
}

export function decodeJoinLeave(data: Uint8Array): { kind: 'join' | 'leave'; info: ClientInfo } {
  const j = JSON.parse(new TextDecoder().decode(data)) as { k: 'join' | 'leave'; i: InfoJson };
  return { kind: j.k, info: infoFromJson(j.i) };
}
