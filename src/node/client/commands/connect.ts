// connect and refresh: credentials (token, or anonymous where allowed), connection expiry,
// user connection limits and the server-side subscriptions a token asks for.
import {
  type ConnectTokenClaims,
  InvalidTokenError,
  TokenExpiredError,
  TokenKeysUnavailableError,
} from '../../auth/index.ts';
import { DisconnectError, Disconnects } from '../../core/index.ts';
import type { ConnectRequestMsg } from '../../protocol/index.ts';
import { clientError } from '../client-error.ts';
import type { Connection } from '../connection.ts';
import { connectThroughProxy, type ProxiedConnect } from './connect-proxy.ts';
import { subscribeAllowed } from './permissions.ts';
import { closeOtherConnections, personalChannelOf } from './personal-channel.ts';
import { claimBytes, expiryOf, keysUnavailable, nowSeconds, ttlOf } from './shared.ts';
import { connectSubscribe, overridesOf, removeSubscription } from './subscribe.ts';

/** The token's claims; an expired one throws what `expired` makes (connect 109, refresh 3005). */
async function verifyConnectToken(
  conn: Connection,
  token: string,
  expired: () => Error,
): Promise<ConnectTokenClaims> {
  try {
    return await conn.ctx.connectTokens.verifyConnectToken(token);
  } catch (err) {
    if (err instanceof TokenExpiredError) throw expired();
    if (err instanceof TokenKeysUnavailableError) throw keysUnavailable(conn, err);
    if (err instanceof InvalidTokenError) {
      conn.ctx.logger.info({ client: conn.id, reason: err.message }, 'invalid connection token');
      throw new DisconnectError(Disconnects.invalidToken);
    }
    throw err;
  }
}

export async function handleConnect(conn: Connection, req: ConnectRequestMsg) {
  const { ctx } = conn;
  const cfg = ctx.config.client;
  // Kept for the connection's proxy calls only when some proxy forwards emulated headers.
  if (ctx.proxies.usesEmulatedHeaders && req.headers !== undefined) {
    conn.emulatedHeaders = req.headers;
  }
  let claims: ConnectTokenClaims | undefined;
  let proxied: ProxiedConnect | undefined;
  if (req.token) {
    claims = await verifyConnectToken(conn, req.token, () => clientError('tokenExpired'));
    if (claims.sub === '' && cfg.disallow_anonymous_connection_tokens) {
      throw new DisconnectError(
        Disconnects.permissionDenied,
        'anonymous connection tokens are disallowed',
      );
    }
  } else if (ctx.proxies.connect) {
    proxied = await connectThroughProxy(conn, ctx.proxies.connect, req);
  }
  const anonymous = claims === undefined && proxied?.credentials === undefined;
  // Without a token or the proxy's credentials, client.insecure and anonymous access make an
  // anonymous user; else the user of client.user_id_http_header, with no server-side
  // subscriptions (Centrifugo's connect handler gives such a connection no credentials of its
  // own, so it skips both).
  const fromHeader = anonymous && !cfg.insecure && !cfg.allow_anonymous_connect_without_token;
  if (fromHeader && conn.requestUser === '') {
    throw new DisconnectError(Disconnects.badRequest, 'connection credentials not found');
  }
  // client.insecure connections never expire, whatever the token says.
  let expireAt = claims && !cfg.insecure ? expiryOf(claims) : 0;
  if (proxied?.credentials) expireAt = proxied.credentials.expireAt;
  const user = claims?.sub ?? proxied?.credentials?.user ?? (fromHeader ? conn.requestUser : '');
  const wanted: Map<string, SubSpec> = proxied ? proxied.subs : tokenSubscriptions(claims);
  if (!fromHeader) {
    const personal = personalChannelOf(conn, user);
    if (personal !== undefined) {
      await closeOtherConnections(conn, user, personal);
      // Over the token's own entry for it, if any: the channel's options, no data.
      wanted.set(personal, { override: {}, fromToken: false });
    }
  }
  // As Centrifugo, the connect command's own `subs` count with a token or anonymously only.
  if (claims !== undefined || (anonymous && !fromHeader)) {
    for (const [channel, spec] of requestedSubscriptions(conn, user, req, wanted)) {
      wanted.set(channel, spec);
    }
  }
  // Centrifugo's order: channel limit (3505), user connection limit (3504), expiry (110).
  if (wanted.size > cfg.channel_limit) throw new DisconnectError(Disconnects.channelLimit);
  const limit = cfg.user_connection_limit;
  if (limit > 0 && user !== '' && ctx.node.userConnectionCount(user) >= limit) {
    throw new DisconnectError(Disconnects.connectionLimit);
  }
  if (expireAt > 0 && expireAt < nowSeconds()) throw clientError('expired');
  conn.user = user;
  conn.expireAt = expireAt;
  conn.connInfo = claims
    ? claimBytes(claims.info, claims.b64info, 'info')
    : proxied?.credentials?.info;
  conn.meta = claims ? metaBytes(claims.meta) : proxied?.meta;

  ctx.node.addClient(conn);
  const subs: Record<string, unknown> = {};
  try {
    for (const [channel, spec] of wanted) {
      subs[channel] = await connectSubscribe(conn, channel, spec, req.subs?.[channel]);
    }
  } catch (err) {
    ctx.node.removeClient(conn);
    for (const channel of [...conn.subs.keys()]) await removeSubscription(conn, channel);
    throw err;
  }
  // With a refresh proxy the server refreshes the connection itself: the client is told
  // nothing of its expiry (Centrifugo's server-side refresh).
  const clientRefresh = ctx.proxies.refresh === undefined;
  return {
    client: conn.id,
    version: ctx.version,
    expires: clientRefresh && expireAt > 0,
    ttl: clientRefresh ? ttlOf(expireAt) : 0,
    data: proxied?.data,
    subs,
    ping: Math.round(conn.pingIntervalMs / 1000),
    pong: conn.pongTimeoutMs > 0,
    // Only transports with sessions have one (as Centrifugo: unidirectional and emulated).
    session: conn.sessionId,
    time: cfg.connect_include_server_time ? Date.now() : 0,
  };
}

const utf8 = new TextEncoder();

/** A token's `meta` claim as the raw JSON proxies are sent. */
function metaBytes(meta: unknown): Uint8Array | undefined {
  return meta === undefined || meta === null ? undefined : utf8.encode(JSON.stringify(meta));
}

type SubSpec = Parameters<typeof connectSubscribe>[2];

/** A non-empty `subs` (with per-channel options) is used alone; else plain `channels`. */
function tokenSubscriptions(claims: ConnectTokenClaims | undefined): Map<string, SubSpec> {
  const out = new Map<string, SubSpec>();
  const subs = Object.entries(claims?.subs ?? {});
  if (subs.length === 0) {
    for (const channel of claims?.channels ?? []) {
      out.set(channel, { override: {}, fromToken: true });
    }
    return out;
  }
  for (const [channel, raw] of subs) {
    const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    out.set(channel, {
      info: claimBytes(o.info, typeof o.b64info === 'string' ? o.b64info : undefined, 'info'),
      data: claimBytes(o.data, typeof o.b64data === 'string' ? o.b64data : undefined, 'data'),
      override: overridesOf(o.override),
      fromToken: true,
    });
  }
  return out;
}

/**
 * Channels the connect command's `subs` names that the token did not: subscribed
 * server-side when the connection could subscribe to them itself (not private, a valid
 * name, allowed by the namespace), silently skipped otherwise, as in Centrifugo. An unknown
 * namespace closes the connection with 3501.
 */
function requestedSubscriptions(
  conn: Connection,
  user: string,
  req: ConnectRequestMsg,
  fromToken: Map<string, SubSpec>,
): Map<string, SubSpec> {
  const { rules, config } = conn.ctx;
  const out = new Map<string, SubSpec>();
  for (const channel of Object.keys(req.subs ?? {})) {
    const resolved = rules.resolve(channel);
    if (!resolved) {
      throw new DisconnectError(Disconnects.badRequest, 'connect subs: unknown channel');
    }
    if (fromToken.has(channel) || !rules.validName(channel, resolved)) continue;
    const isPrivate = rules.privatePrefix !== '' && channel.startsWith(rules.privatePrefix);
    // A channel the subscribe proxy decides is never subscribed without asking it.
    if (isPrivate || resolved.options.subscribe_proxy_enabled) continue;
    if (!subscribeAllowed(channel, resolved.options, user, config)) continue;
    out.set(channel, { override: {}, fromToken: false });
  }
  return out;
}

/**
 * refresh: a new connection token. As in Centrifugo: no token closes 3501, an expired one
 * 3005, a bad one or another user's 3500, and one whose `subs`/`channels` differ from the
 * server-side subscriptions the first token made 3010 (reconnecting makes them again). The
 * result carries `expires` and `ttl` only.
 */
export async function handleRefresh(conn: Connection, req: { token?: string }) {
  if (!req.token) throw new DisconnectError(Disconnects.badRequest, 'refresh without token');
  if (conn.ctx.proxies.refresh !== undefined) {
    throw new DisconnectError(Disconnects.badRequest, 'server-side refresh expected');
  }
  const claims = await verifyConnectToken(
    conn,
    req.token,
    () => new DisconnectError(Disconnects.expired, 'refresh token expired'),
  );
  if (claims.sub !== conn.user) {
    throw new DisconnectError(Disconnects.invalidToken, 'refresh token is for another user');
  }
  if (tokenSubscriptionsChanged(conn, tokenSubscriptions(claims))) {
    throw new DisconnectError(
      Disconnects.insufficientState,
      'refresh token changes server-side subscriptions',
    );
  }
  const expireAt = expiryOf(claims);
  if (expireAt > 0 && expireAt <= nowSeconds()) throw clientError('expired');
  conn.expireAt = expireAt;
  const info = claimBytes(claims.info, claims.b64info, 'info');
  if (info) conn.connInfo = info;
  const meta = metaBytes(claims.meta);
  if (meta) conn.meta = meta;
  conn.scheduleExpiry();
  return { expires: expireAt > 0, ttl: ttlOf(expireAt) };
}

function tokenSubscriptionsChanged(conn: Connection, wanted: Map<string, SubSpec>): boolean {
  for (const channel of wanted.keys()) if (!conn.subs.has(channel)) return true;
  for (const sub of conn.subs.values()) if (sub.fromToken && !wanted.has(sub.channel)) return true;
  return false;
}
