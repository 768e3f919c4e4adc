// The Centrifugo-specific claims of connection and subscription tokens, read into typed
// shapes. Values are passed on as the token has them (info stays JSON, b64info stays base64):
// turning them into channel options needs the channel rules, which is the caller's job.
import {
  type Claims,
  optAny,
  optInteger,
  optNumericDate,
  optObject,
  optString,
  optStringArray,
} from './claim-fields.ts';
import { InvalidTokenError } from './errors.ts';

export interface ConnectTokenClaims {
  /** User ID; empty for an anonymous connection. */
  sub: string;
  exp?: number;
  /**
   * Centrifugo's `expire_at`: when set it replaces `exp` as the connection's expiry, and
   * 0 means the connection never expires although the token does.
   */
  expireAt?: number;
  info?: unknown;
  b64info?: string;
  channels?: string[];
  /** Server-side subscriptions: channel → subscribe options (info, b64info, data, override). */
  subs?: Record<string, unknown>;
  meta?: unknown;
  /** The whole verified payload, for claims this shape does not name. */
  raw: Record<string, unknown>;
}

export interface SubscribeTokenClaims {
  sub: string;
  channel: string;
  exp?: number;
  /** As in ConnectTokenClaims: replaces `exp` as the subscription's expiry, 0 = never. */
  expireAt?: number;
  info?: unknown;
  b64info?: string;
  /** Sent to the client in the subscribe reply. */
  data?: unknown;
  b64data?: string;
  /** Per-subscription overrides of channel options (presence, join_leave, ...). */
  override?: unknown;
  raw: Record<string, unknown>;
}

// Keeps absent claims absent instead of present-and-undefined, so results compare cleanly.
function defined<T extends object>(shape: T): T {
  for (const key of Object.keys(shape) as Array<keyof T>) {
    if (shape[key] === undefined) delete shape[key];
  }
  return shape;
}

function subsClaim(claims: Claims): Record<string, unknown> | undefined {
  const subs = optObject(claims, 'subs');
  if (subs === undefined) return undefined;
  for (const [channel, options] of Object.entries(subs)) {
    if (options !== null && optObject(subs, channel) === undefined) {
      throw new InvalidTokenError(`invalid token: subs.${channel} must be an object`);
    }
  }
  return subs;
}

export function connectClaims(claims: Claims): ConnectTokenClaims {
  // A subscription token must not pass as a connection token (Centrifugo refuses it too).
  if (optString(claims, 'channel')) {
    throw new InvalidTokenError('invalid token: connection token can not contain channel claim');
  }
  return defined<ConnectTokenClaims>({
    sub: optString(claims, 'sub') ?? '',
    exp: optNumericDate(claims, 'exp'),
    expireAt: optInteger(claims, 'expire_at'),
    info: optAny(claims, 'info'),
    b64info: optString(claims, 'b64info'),
    channels: optStringArray(claims, 'channels'),
    subs: subsClaim(claims),
    meta: optAny(claims, 'meta'),
    raw: claims,
  });
}

export function subscribeClaims(claims: Claims): SubscribeTokenClaims {
  const channel = optString(claims, 'channel');
  // Without a channel the token grants nothing, and might be a connection token replayed.
  if (!channel) throw new InvalidTokenError('invalid token: channel claim required');
  return defined<SubscribeTokenClaims>({
    sub: optString(claims, 'sub') ?? '',
    channel,
    exp: optNumericDate(claims, 'exp'),
    expireAt: optInteger(claims, 'expire_at'),
    info: optAny(claims, 'info'),
    b64info: optString(claims, 'b64info'),
    data: optAny(claims, 'data'),
    b64data: optString(claims, 'b64data'),
    override: optObject(claims, 'override'),
    raw: claims,
  });
}
