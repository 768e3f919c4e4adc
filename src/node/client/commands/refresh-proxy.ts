// Server-side refresh through the refresh proxy and the sub refresh proxy, as Centrifugo
// runs them: when a connection (or a subscription) reaches its expiry, the backend is asked
// whether it lives on. `expired`, or an answer without a result (an `error` or `disconnect`
// included: Centrifugo's refresh handlers read only `result`), ends it: 3005 for the
// connection, unsubscribe 2501 for a subscription (3006 if server-side). A failed call gives
// it one more minute, so a backend hiccup does not drop every connection at once. A new
// expiry already past ends it as `expired` does.
import { DisconnectError, Disconnects } from '../../core/index.ts';
import {
  type ProxyEndpoint,
  type RefreshResultMsg,
  refreshRequest,
  type SubRefreshResultMsg,
  subRefreshRequest,
} from '../../proxy/index.ts';
import { ClientError } from '../client-error.ts';
import type { Connection } from '../connection.ts';
import type { Subscription } from '../subscription.ts';
import { answerPayload, callBackend, connectionRef } from './proxied.ts';
import { nowSeconds } from './shared.ts';

/** How long a failed refresh call lets a connection or subscription live before asking again. */
const RETRY_SECONDS = 60;
/** Centrifugo's cap on a refreshed expiry (a year), against overflowing timers. */
const MAX_TTL_SECONDS = 365 * 24 * 3600;

/** A new expiry (and info), the end, a bad answer, or the connection closed meanwhile. */
type Outcome = { expireAt: number; info: Uint8Array | undefined } | 'expired' | 'failed' | 'gone';

interface RefreshLike {
  expired?: boolean;
  expire_at?: number;
  info?: Uint8Array;
  b64info?: string;
}

async function ask<R extends RefreshLike>(
  conn: Connection,
  endpoint: ProxyEndpoint,
  request: Record<string, unknown>,
  onResult: (result: R) => void,
): Promise<Outcome> {
  let result: R | undefined;
  try {
    result = (await callBackend<R>(conn, endpoint, request)).result;
  } catch (err) {
    // The call failed (counted and logged by the endpoint): one more minute.
    if (err instanceof ClientError) {
      return { expireAt: nowSeconds() + RETRY_SECONDS, info: undefined };
    }
    if (err instanceof DisconnectError) return 'gone';
    throw err;
  }
  if (result === undefined) {
    conn.ctx.logger.error(
      { client: conn.id, proxy: endpoint.name },
      `no ${endpoint.type.replace('_', ' ')} result found`,
    );
    return 'expired';
  }
  if (result.expired) return 'expired';
  let info: Uint8Array | undefined;
  try {
    info = answerPayload(result.info, result.b64info, 'b64info');
  } catch {
    return 'failed';
  }
  onResult(result);
  return { expireAt: Math.min(result.expire_at ?? 0, nowSeconds() + MAX_TTL_SECONDS), info };
}

/** The connection reached its expiry with a refresh proxy on: ask, then extend or close. */
export async function refreshConnection(conn: Connection, endpoint: ProxyEndpoint): Promise<void> {
  const outcome = await ask<RefreshResultMsg>(
    conn,
    endpoint,
    refreshRequest(endpoint, connectionRef(conn)),
    (result) => {
      if (result.meta !== undefined) conn.meta = result.meta;
    },
  );
  if (outcome === 'gone') return;
  if (outcome === 'failed') {
    conn.close(Disconnects.internal);
    return;
  }
  if (outcome === 'expired') {
    conn.close(Disconnects.expired);
    return;
  }
  if (outcome.expireAt > 0) {
    conn.expireAt = outcome.expireAt;
    if (outcome.info !== undefined) conn.connInfo = outcome.info;
  }
  if (conn.expireAt <= nowSeconds()) conn.close(Disconnects.expired);
  else conn.scheduleExpiry();
}

/**
 * A subscription reached its expiry with a sub refresh proxy on: whether it lives on (its
 * expiry and info updated) or not (the caller ends it).
 */
export async function refreshSubscription(
  conn: Connection,
  endpoint: ProxyEndpoint,
  sub: Subscription,
): Promise<boolean> {
  const outcome = await ask<SubRefreshResultMsg>(
    conn,
    endpoint,
    subRefreshRequest(endpoint, connectionRef(conn), sub.channel),
    () => {},
  );
  if (outcome === 'failed' || outcome === 'expired' || outcome === 'gone') return false;
  if (outcome.expireAt > 0 && outcome.expireAt < nowSeconds()) return false;
  if (outcome.info !== undefined && outcome.info.length > 0) sub.chanInfo = outcome.info;
  sub.expireAt = outcome.expireAt;
  return true;
}
