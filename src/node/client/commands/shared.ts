// Small pieces every command handler needs: channel resolution with its error codes,
// token claim payloads as bytes, and expiry arithmetic.
import type { ResolvedChannel } from '../../core/index.ts';
import { DisconnectError, Disconnects, decodeBase64Strict } from '../../core/index.ts';
import { clientError } from '../client-error.ts';
import type { Connection } from '../connection.ts';

/** The channel's options; 102 for an unknown namespace. */
export function resolveChannel(conn: Connection, channel: string): ResolvedChannel {
  const resolved = conn.ctx.rules.resolve(channel);
  if (!resolved) throw clientError('unknownChannel');
  return resolved;
}

/**
 * The channel's options when clients may name it: 102 for an unknown namespace, then 107
 * for a name failing channel_regex (or not ASCII without one), Centrifugo's order for
 * subscribe, publish, presence and history.
 */
export function resolveClientChannel(conn: Connection, channel: string): ResolvedChannel {
  const resolved = resolveChannel(conn, channel);
  if (!conn.ctx.rules.validName(channel, resolved)) {
    throw clientError('badRequest', 'invalid channel name');
  }
  return resolved;
}

const utf8 = new TextEncoder();

/** A token's `info`/`data` claim (JSON) or its `b64` twin, as the bytes clients receive. */
export function claimBytes(
  json: unknown,
  b64: string | undefined,
  what: string,
): Uint8Array | undefined {
  if (b64 !== undefined && b64 !== '') {
    const bytes = decodeBase64Strict(b64);
    if (!bytes) throw new DisconnectError(Disconnects.invalidToken, `b64${what} is not base64`);
    return bytes;
  }
  if (json === undefined || json === null) return undefined;
  return utf8.encode(JSON.stringify(json));
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** expire_at wins over exp; expire_at 0 means never. Unix seconds, 0 = no expiry. */
export function expiryOf(claims: { exp?: number; expireAt?: number }): number {
  if (claims.expireAt !== undefined) return claims.expireAt;
  return claims.exp ?? 0;
}

export function ttlOf(expireAt: number): number {
  return expireAt > 0 ? Math.max(0, expireAt - Math.floor(Date.now() / 1000)) : 0;
}

/** The JWKS endpoint failed: a temporary internal error, so the client retries. */
export function keysUnavailable(conn: Connection, err: Error) {
  conn.ctx.logger.warn({ client: conn.id, reason: err.message }, 'token keys unavailable');
  return clientError('internal', err.message);
}
