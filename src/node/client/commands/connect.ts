// connect and refresh: credentials (token, or anonymous where allowed), connection expiry,
// user connection limits and the server-side subscriptions a token asks for.
import {
  type ConnectTokenClaims,
  InvalidTokenError,
  TokenExpiredError,
  TokenKeysUnavailableError,
} from '../../auth/index.ts';
import { clientError, DisconnectError, Disconnects } from '../protocol/codes.ts';
import type { ConnectRequestMsg } from '../protocol/messages.ts';
import type { ClientSession } from '../session.ts';
import { claimBytes, expiryOf, keysUnavailable, ttlOf } from './shared.ts';
import { overridesOf, removeSubscription, tokenSubscribe } from './subscribe.ts';

const nowSeconds = () => Math.floor(Date.now() / 1000);

async function verifyConnectToken(
  session: ClientSession,
  token: string,
): Promise<ConnectTokenClaims> {
  try {
    return await session.ctx.connectTokens.verifyConnectToken(token);
  } catch (err) {
    if (err instanceof TokenExpiredError) throw clientError('tokenExpired');
    if (err instanceof TokenKeysUnavailableError) throw keysUnavailable(session, err);
    if (err instanceof InvalidTokenError) {
      session.ctx.logger.info(
        { client: session.id, reason: err.message },
        'invalid connection token',
      );
      throw new DisconnectError(Disconnects.invalidToken);
    }
    throw err;
  }
}

export async function handleConnect(session: ClientSession, req: ConnectRequestMsg) {
  const { ctx } = session;
  const cfg = ctx.config.client;
  let claims: ConnectTokenClaims | undefined;
  if (req.token) {
    claims = await verifyConnectToken(session, req.token);
    if (claims.sub === '' && cfg.disallow_anonymous_connection_tokens) {
      throw new DisconnectError(
        Disconnects.permissionDenied,
        'anonymous connection tokens are disallowed',
      );
    }
  } else if (!cfg.insecure && !cfg.allow_anonymous_connect_without_token) {
    throw new DisconnectError(Disconnects.badRequest, 'connection credentials not found');
  }
  const expireAt = claims ? expiryOf(claims) : 0;
  if (expireAt > 0 && expireAt <= nowSeconds()) throw clientError('expired');
  const user = claims?.sub ?? '';
  const limit = cfg.user_connection_limit;
  if (limit > 0 && user !== '' && ctx.hub.userConnectionCount(user) >= limit) {
    throw new DisconnectError(Disconnects.connectionLimit);
  }
  session.user = user;
  session.expireAt = expireAt;
  session.connInfo = claims ? claimBytes(claims.info, claims.b64info, 'info') : undefined;

  const wanted = tokenSubscriptions(claims);
  if (wanted.size > cfg.channel_limit) throw new DisconnectError(Disconnects.channelLimit);
  ctx.hub.add(session);
  const subs: Record<string, unknown> = {};
  try {
    for (const [channel, spec] of wanted) {
      subs[channel] = await tokenSubscribe(session, channel, spec, req.subs?.[channel]);
    }
  } catch (err) {
    ctx.hub.remove(session);
    for (const channel of [...session.subs.keys()]) await removeSubscription(session, channel);
    throw err;
  }
  return {
    client: session.id,
    version: ctx.version,
    expires: expireAt > 0,
    ttl: ttlOf(expireAt),
    subs,
    ping: Math.round(ctx.timings.pingIntervalMs / 1000),
    pong: ctx.timings.pingIntervalMs > 0,
    time: cfg.connect_include_server_time ? Date.now() : 0,
  };
}

type SubSpec = Parameters<typeof tokenSubscribe>[2];

/** `subs` (with per-channel options) takes precedence over plain `channels`. */
function tokenSubscriptions(claims: ConnectTokenClaims | undefined): Map<string, SubSpec> {
  const out = new Map<string, SubSpec>();
  for (const channel of claims?.channels ?? []) out.set(channel, { override: {} });
  for (const [channel, raw] of Object.entries(claims?.subs ?? {})) {
    const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    out.set(channel, {
      info: claimBytes(o.info, typeof o.b64info === 'string' ? o.b64info : undefined, 'info'),
      data: claimBytes(o.data, typeof o.b64data === 'string' ? o.b64data : undefined, 'data'),
      override: overridesOf(o.override),
    });
  }
  return out;
}

export async function handleRefresh(session: ClientSession, req: { token?: string }) {
  if (!req.token) throw new DisconnectError(Disconnects.badRequest, 'refresh without token');
  const claims = await verifyConnectToken(session, req.token);
  if (claims.sub !== session.user) {
    throw new DisconnectError(Disconnects.invalidToken, 'refresh token is for another user');
  }
  const expireAt = expiryOf(claims);
  if (expireAt > 0 && expireAt <= nowSeconds()) throw clientError('expired');
  session.expireAt = expireAt;
  const info = claimBytes(claims.info, claims.b64info, 'info');
  if (info) session.connInfo = info;
  session.scheduleExpiry();
  return {
    client: session.id,
    version: session.ctx.version,
    expires: expireAt > 0,
    ttl: ttlOf(expireAt),
  };
}
