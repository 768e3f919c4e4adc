// The connect proxy: a connection without a token asks the backend who it is. As Centrifugo's
// connect handler: the answer's `result` gives the user, expiry, info, the ConnectResult
// `data`, server-side subscriptions (`channels` with the namespace's options, `subs` with
// per-channel info, data and overrides) and the connection meta; no `result` leaves the
// connection without credentials (anonymous where allowed, else 3501). A channel of either
// list outside every namespace is error 102.
import type { ConnectRequestMsg } from '../../protocol/index.ts';
import {
  type ConnectResultMsg,
  connectRequest,
  type ProxyEndpoint,
  type SubscribeOptionsMsg,
} from '../../proxy/index.ts';
import { clientError } from '../client-error.ts';
import type { Connection } from '../connection.ts';
import { answerPayload, askBackend } from './proxied.ts';
import type { Overrides } from './subscribe.ts';

export interface ProxiedSub {
  info?: Uint8Array | undefined;
  data?: Uint8Array | undefined;
  override: Overrides;
  fromToken: false;
}

export interface ProxiedConnect {
  /** Undefined when the answer had no result. */
  credentials: { user: string; expireAt: number; info: Uint8Array | undefined } | undefined;
  data: Uint8Array | undefined;
  subs: Map<string, ProxiedSub>;
  meta: Uint8Array | undefined;
}

export async function connectThroughProxy(
  conn: Connection,
  endpoint: ProxyEndpoint,
  req: ConnectRequestMsg,
): Promise<ProxiedConnect> {
  const request = connectRequest(endpoint, connectionRefOf(conn), {
    data: req.data,
    name: req.name ?? '',
    version: req.version ?? '',
    channels: Object.keys(req.subs ?? {}),
  });
  const result = await askBackend<ConnectResultMsg>(conn, endpoint, request);
  if (result === undefined) {
    return { credentials: undefined, data: undefined, subs: new Map(), meta: undefined };
  }
  const subs = new Map<string, ProxiedSub>();
  for (const channel of result.channels ?? []) {
    known(conn, channel);
    subs.set(channel, { override: {}, fromToken: false });
  }
  for (const [channel, o] of Object.entries(result.subs ?? {})) {
    known(conn, channel);
    subs.set(channel, subOf(o));
  }
  return {
    credentials: {
      user: result.user ?? '',
      expireAt: result.expire_at ?? 0,
      info: answerPayload(result.info, result.b64info, 'b64info'),
    },
    data: nonEmpty(answerPayload(result.data, result.b64data, 'b64data')),
    subs,
    meta: result.meta,
  };
}

function connectionRefOf(conn: Connection) {
  return { client: conn.id, transport: 'websocket', protocol: conn.format };
}

function known(conn: Connection, channel: string): void {
  if (conn.ctx.rules.resolve(channel) === undefined) {
    conn.ctx.logger.warn(
      { client: conn.id, channel },
      'unknown channel in connect result channels',
    );
    throw clientError('unknownChannel');
  }
}

function subOf(o: SubscribeOptionsMsg): ProxiedSub {
  const override: Overrides = {};
  for (const key of [
    'presence',
    'join_leave',
    'force_push_join_leave',
    'force_recovery',
    'force_positioning',
  ] as const) {
    const v = o.override?.[key];
    if (v !== undefined) override[key] = v.value === true;
  }
  return {
    info: answerPayload(o.info, o.b64info, 'b64info'),
    data: answerPayload(o.data, o.b64data, 'b64data'),
    override,
    fromToken: false,
  };
}

const nonEmpty = (b: Uint8Array | undefined) => (b !== undefined && b.length > 0 ? b : undefined);
