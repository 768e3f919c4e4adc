// Close codes of client connections and unsubscribe codes of subscriptions: one catalogue,
// each code with whether the client comes back by itself. The ranges are the contract the
// client SDKs implement (centrifugal/centrifuge disconnect.go and unsubscribe.go):
// - disconnect 3000-3499 and 4000-4499: the client reconnects; 3500-3999 and 4500-4999 are
//   terminal (no automatic reconnect); 4000-4999 are left to applications (the server API's
//   `disconnect` may send any code).
// - unsubscribe 2000-2499: the subscription stays unsubscribed; 2500-2999: the client
//   subscribes again.

export interface Disconnect {
  code: number;
  reason: string;
}

export interface DisconnectDef extends Disconnect {
  /** The client reconnects after this code (see disconnectReconnects). */
  reconnect: boolean;
}

const d = (code: number, reason: string, reconnect: boolean): DisconnectDef =>
  Object.freeze({ code, reason, reconnect });

export const Disconnects = Object.freeze({
  connectionClosed: d(3000, 'connection closed', true),
  shutdown: d(3001, 'shutdown', true),
  internal: d(3004, 'internal server error', true),
  expired: d(3005, 'connection expired', true),
  subExpired: d(3006, 'subscription expired', true),
  slow: d(3008, 'slow', true),
  writeError: d(3009, 'write error', true),
  insufficientState: d(3010, 'insufficient state', true),
  forceReconnect: d(3011, 'force reconnect', true),
  noPong: d(3012, 'no pong', true),
  tooManyRequests: d(3013, 'too many requests', true),
  invalidToken: d(3500, 'invalid token', false),
  badRequest: d(3501, 'bad request', false),
  stale: d(3502, 'stale', false),
  forceNoReconnect: d(3503, 'force disconnect', false),
  connectionLimit: d(3504, 'connection limit', false),
  channelLimit: d(3505, 'channel limit', false),
  inappropriateProtocol: d(3506, 'inappropriate protocol', false),
  permissionDenied: d(3507, 'permission denied', false),
  notAvailable: d(3508, 'not available', false),
});

/** Whether a client reconnects after this close code, by the ranges above. */
export function disconnectReconnects(code: number): boolean {
  return !((code >= 3500 && code <= 3999) || (code >= 4500 && code <= 4999));
}

export interface UnsubscribeDef {
  code: number;
  reason: string;
  /** The client subscribes again after this code (2500-2999). */
  resubscribe: boolean;
}

const u = (code: number, reason: string, resubscribe: boolean): UnsubscribeDef =>
  Object.freeze({ code, reason, resubscribe });

export const Unsubscribes = Object.freeze({
  server: u(2000, 'server unsubscribe', false),
  insufficientState: u(2500, 'insufficient state', true),
  expired: u(2501, 'subscription expired', true),
});

/** Whether a client subscribes again after this unsubscribe code. */
export function unsubscribeResubscribes(code: number): boolean {
  return code >= 2500 && code <= 2999;
}

/** An error that ends the connection with a close code, thrown inside the node. */
export class DisconnectError extends Error {
  override name = 'DisconnectError';
  readonly disconnect: Disconnect;
  constructor(disconnect: Disconnect, detail?: string) {
    super(detail ?? disconnect.reason);
    this.disconnect = disconnect;
  }
}
