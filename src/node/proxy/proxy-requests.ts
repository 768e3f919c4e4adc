// The requests Centrifugo sends for each event, from what a connection knows, and the one rule
// for payloads coming back. Every request starts with client, transport, protocol and
// encoding ("json", or "binary" when the proxy has binary_encoding, its payloads then in
// b64data as base64); the connection meta goes along when the proxy includes it (never to
// connect, which is where meta comes from).
import { decodeBase64Strict } from '../protocol/index.ts';
import type { ProxyEndpoint } from './proxy-endpoint.ts';
import { ProxyCallError } from './proxy-errors.ts';

/** The connection an event comes from. */
export interface ConnectionRef {
  client: string;
  /** The transport's name: "websocket" here. */
  transport: string;
  /** "json" or "protobuf". */
  protocol: string;
  user: string;
  /** The connection meta (connect proxy result or token `meta`), raw JSON. */
  meta: Uint8Array | undefined;
}

type Obj = Record<string, unknown>;

function base(ep: ProxyEndpoint, c: ConnectionRef): Obj {
  return {
    client: c.client,
    transport: c.transport,
    protocol: c.protocol,
    encoding: ep.binary ? 'binary' : 'json',
  };
}

function payload(ep: ProxyEndpoint, data: Uint8Array | undefined): Obj {
  const bytes = data ?? new Uint8Array(0);
  return ep.binary ? { b64data: Buffer.from(bytes).toString('base64') } : { data: bytes };
}

function meta(ep: ProxyEndpoint, c: ConnectionRef): Obj {
  return ep.includeMeta && c.meta !== undefined ? { meta: c.meta } : {};
}

export function connectRequest(
  ep: ProxyEndpoint,
  c: Omit<ConnectionRef, 'user' | 'meta'>,
  e: { data: Uint8Array | undefined; name: string; version: string; channels: string[] },
): Obj {
  return {
    ...base(ep, { ...c, user: '', meta: undefined }),
    ...payload(ep, e.data),
    name: e.name,
    version: e.version,
    channels: e.channels,
  };
}

export function refreshRequest(ep: ProxyEndpoint, c: ConnectionRef): Obj {
  return { ...base(ep, c), user: c.user, ...meta(ep, c) };
}

export function subscribeRequest(
  ep: ProxyEndpoint,
  c: ConnectionRef,
  e: { channel: string; token: string; data: Uint8Array | undefined },
): Obj {
  return {
    ...base(ep, c),
    user: c.user,
    channel: e.channel,
    token: e.token,
    ...meta(ep, c),
    ...payload(ep, e.data),
  };
}

export function publishRequest(
  ep: ProxyEndpoint,
  c: ConnectionRef,
  e: { channel: string; data: Uint8Array },
): Obj {
  return {
    ...base(ep, c),
    user: c.user,
    channel: e.channel,
    ...payload(ep, e.data),
    ...meta(ep, c),
  };
}

export function rpcRequest(
  ep: ProxyEndpoint,
  c: ConnectionRef,
  e: { method: string; data: Uint8Array | undefined },
): Obj {
  return { ...base(ep, c), user: c.user, method: e.method, ...payload(ep, e.data), ...meta(ep, c) };
}

export function subRefreshRequest(ep: ProxyEndpoint, c: ConnectionRef, channel: string): Obj {
  return { ...base(ep, c), user: c.user, channel, ...meta(ep, c) };
}

/**
 * A payload of an answer: its base64 twin when set (strict base64, or the answer is bad, as
 * Centrifugo answers such a one with an internal error), else the raw bytes.
 */
export function answerBytes(
  raw: Uint8Array | undefined,
  b64: string | undefined,
  what: string,
): Uint8Array | undefined {
  if (b64 !== undefined && b64 !== '') {
    const bytes = decodeBase64Strict(b64);
    if (bytes === undefined) throw new ProxyCallError('answer', `${what} is not base64`);
    return bytes;
  }
  return raw;
}
