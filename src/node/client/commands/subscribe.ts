// Subscriptions: client subscribe (token or permission), server-side subscribe (token
// channels/subs at connect, or the server API), recovery and positioning, presence and
// join/leave, unsubscribe and sub_refresh.
import {
  InvalidTokenError,
  type SubscribeTokenClaims,
  TokenExpiredError,
  TokenKeysUnavailableError,
} from '../../auth/index.ts';
import type { ResolvedChannel, ServerSubscribe } from '../../core/index.ts';
import { DisconnectError, Disconnects } from '../../core/index.ts';
import {
  type ClientInfo,
  type Publication,
  type StreamPosition,
  UnrecoverablePositionError,
} from '../../engine/index.ts';
import type { SubscribeRequestMsg } from '../../protocol/index.ts';
import { clientError } from '../client-error.ts';
import { flushBuffered } from '../delivery.ts';
import type { EncodedPush } from '../push-encoding.ts';
import { publicationMsg } from '../push-encoding.ts';
import type { ClientSession } from '../session.ts';
import { allowed, subscribeAllowed } from './permissions.ts';
import {
  claimBytes,
  expiryOf,
  keysUnavailable,
  nowSeconds,
  resolveChannel,
  resolveClientChannel,
  ttlOf,
} from './shared.ts';

/** A publication (with its position) or a join/leave push (without). */
export interface BufferedEvent {
  push: EncodedPush;
  pub?: Publication;
  position?: StreamPosition;
}

export interface SubState {
  channel: string;
  resolved: ResolvedChannel;
  serverSide: boolean;
  /** Made from the connection token's `subs`/`channels` (a refresh token must keep them). */
  fromToken: boolean;
  recoverable: boolean;
  positioned: boolean;
  offset: number;
  epoch: string;
  presence: boolean;
  /** Emit join/leave for this client. */
  joinLeave: boolean;
  /** Send join/leave pushes to this client. */
  pushJoinLeave: boolean;
  chanInfo: Uint8Array | undefined;
  /** Unix seconds; 0 = no expiry. */
  expireAt: number;
  expireTimer?: NodeJS.Timeout | undefined;
  /** Stream top seen by the last position check; still behind it at the next one = lost. */
  checkTarget?: StreamPosition | undefined;
  /** Events that arrived while the subscription was set up; undefined once live. */
  buffer: BufferedEvent[] | undefined;
}

interface Settings {
  serverSide: boolean;
  fromToken: boolean;
  recoverable: boolean;
  positioned: boolean;
  presence: boolean;
  joinLeave: boolean;
  pushJoinLeave: boolean;
  chanInfo: Uint8Array | undefined;
  expireAt: number;
}

interface Overrides {
  presence?: boolean;
  join_leave?: boolean;
  force_push_join_leave?: boolean;
  force_recovery?: boolean;
  force_positioning?: boolean;
}

/** Delta compressions a client may ask for; another name is a protocol violation (3501). */
const DELTA_TYPES = new Set(['fossil']);
/** SubscribeRequest.flag bit 2: answer 112 rather than subscribe when recovery fails. */
const FLAG_REJECT_UNRECOVERED = 2;

/**
 * A client subscribe, checked in Centrifugo's order: missing channel or unknown delta type
 * (3501), name too long (107), already subscribed (105), channel limit (106), unknown
 * namespace (102), invalid name (107), then permission (token or channel options).
 */
export async function handleSubscribe(session: ClientSession, req: SubscribeRequestMsg) {
  const channel = req.channel ?? '';
  if (channel === '')
    throw new DisconnectError(Disconnects.badRequest, 'subscribe without channel');
  const delta = req.delta ?? '';
  if (delta !== '' && !DELTA_TYPES.has(delta)) {
    throw new DisconnectError(Disconnects.badRequest, `unknown delta type ${delta}`);
  }
  const { config, rules } = session.ctx;
  if (rules.tooLong(channel)) throw clientError('badRequest', 'channel name too long');
  if (session.subs.has(channel)) throw clientError('alreadySubscribed');
  if (session.subs.size >= config.client.channel_limit) throw clientError('limitExceeded');
  const resolved = resolveClientChannel(session, channel);
  let claims: SubscribeTokenClaims | undefined;
  if (req.token) {
    claims = await verifySubscribeToken(session, req.token, channel, () =>
      clientError('permissionDenied'),
    );
    if (!claims) throw clientError('tokenExpired');
  } else if (!subscribeAllowed(channel, resolved.options, session.user, config)) {
    throw clientError('permissionDenied');
  }
  const o = resolved.options;
  const override = overridesOf(claims?.override);
  // What the subscription may add on request: the connection counts as subscribed here.
  const may = (action: 'history' | 'presence') =>
    allowed(action, o, {
      user: session.user,
      subscribed: true,
      insecure: config.client.insecure,
    });
  const recoverable =
    (override.force_recovery ?? o.force_recovery) ||
    (req.recoverable === true && (o.allow_recovery || may('history')));
  const positioned =
    recoverable ||
    (override.force_positioning ?? o.force_positioning) ||
    (req.positioned === true && (o.allow_positioning || may('history')));
  const pushJoinLeave =
    (override.force_push_join_leave ?? o.force_push_join_leave) ||
    (req.join_leave === true && o.join_leave && may('presence'));
  const settings: Settings = {
    serverSide: false,
    fromToken: false,
    recoverable,
    positioned,
    presence: override.presence ?? o.presence,
    joinLeave: override.join_leave ?? o.join_leave,
    pushJoinLeave,
    chanInfo: claims ? claimBytes(claims.info, claims.b64info, 'info') : undefined,
    expireAt: claims ? expiryOf(claims) : 0,
  };
  if (settings.expireAt > 0 && settings.expireAt <= nowSeconds()) throw clientError('expired');
  const since = req.recover ? { offset: req.offset ?? 0, epoch: req.epoch ?? '' } : undefined;
  const rejectUnrecovered = ((req.flag ?? 0) & FLAG_REJECT_UNRECOVERED) !== 0;
  const result = await establish(session, channel, resolved, settings, since, rejectUnrecovered);
  const data = claims ? claimBytes(claims.data, claims.b64data, 'data') : undefined;
  return { ...result, data };
}

/**
 * A subscription the server API makes. As in Centrifugo, a channel the connection already
 * has is subscribed again (fresh options, another subscribe push and join), and one past
 * client.channel_limit closes the connection with 3505.
 */
export async function serverSideSubscribe(
  session: ClientSession,
  request: ServerSubscribe,
): Promise<void> {
  const resolved = session.ctx.rules.resolve(request.channel);
  if (!resolved) return;
  if (session.subs.size >= session.ctx.config.client.channel_limit) {
    session.close(Disconnects.channelLimit);
    return;
  }
  const previous = session.subs.get(request.channel);
  if (previous) clearTimeout(previous.expireTimer);
  const result = await establish(
    session,
    request.channel,
    resolved,
    {
      serverSide: true,
      fromToken: false,
      recoverable: request.recovery,
      positioned: request.positioning || request.recovery,
      presence: request.presence,
      joinLeave: request.joinLeave,
      pushJoinLeave: request.pushJoinLeave,
      chanInfo: request.info.length > 0 ? request.info : undefined,
      expireAt: request.expireAt,
    },
    request.recoverSince,
  );
  session.push({
    channel: request.channel,
    subscribe: {
      recoverable: result.recoverable,
      epoch: result.epoch,
      offset: result.offset,
      positioned: result.positioned,
      data: request.data,
    },
  });
  const sub = session.subs.get(request.channel);
  if (sub) flushBuffered(session, sub);
}

/**
 * Server-side subscription made at connect: from the connection token (`channels` or
 * `subs`), or asked for in the connect command's `subs`. Its own join and leave reach the
 * connection only with force_push_join_leave: it never asked for them.
 */
export async function connectSubscribe(
  session: ClientSession,
  channel: string,
  spec: { info?: Uint8Array; data?: Uint8Array; override: Overrides; fromToken: boolean },
  recover: SubscribeRequestMsg | undefined,
) {
  const resolved = resolveChannel(session, channel);
  const o = resolved.options;
  const recoverable = spec.override.force_recovery ?? o.force_recovery;
  const result = await establish(
    session,
    channel,
    resolved,
    {
      serverSide: true,
      fromToken: spec.fromToken,
      recoverable,
      positioned: recoverable || (spec.override.force_positioning ?? o.force_positioning),
      presence: spec.override.presence ?? o.presence,
      joinLeave: spec.override.join_leave ?? o.join_leave,
      pushJoinLeave: spec.override.force_push_join_leave ?? o.force_push_join_leave,
      chanInfo: spec.info,
      expireAt: 0,
    },
    recover?.recover ? { offset: recover.offset ?? 0, epoch: recover.epoch ?? '' } : undefined,
  );
  return { ...result, data: spec.data };
}

/**
 * Registers the subscription (buffering live events), reads the stream position or recovers
 * from `since`, adds presence and announces the join. The caller sends the reply, then
 * flushes the buffer, so the client sees reply, recovered publications, live ones, in order.
 * With `rejectUnrecovered`, a recovery that fails is error 112 and no subscription.
 */
async function establish(
  session: ClientSession,
  channel: string,
  resolved: ResolvedChannel,
  s: Settings,
  since: StreamPosition | undefined,
  rejectUnrecovered = false,
) {
  const { ctx } = session;
  const sub: SubState = {
    channel,
    resolved,
    ...s,
    offset: 0,
    epoch: '',
    buffer: [],
  };
  session.subs.set(channel, sub);
  try {
    await ctx.hub.addSubscriber(channel, session);
    let publications: Publication[] = [];
    let recovered = false;
    if (s.positioned) {
      const top = await streamTop(session, resolved, channel);
      sub.offset = top.offset;
      sub.epoch = top.epoch;
      if (s.recoverable && since) {
        const outcome = await recover(session, resolved, channel, since, top);
        publications = outcome.publications;
        recovered = outcome.recovered;
        ctx.metrics.clientRecover.inc({ recovered: recovered ? 'yes' : 'no' });
        if (!recovered && rejectUnrecovered) throw clientError('unrecoverablePosition');
        if (recovered) {
          const last = publications[publications.length - 1];
          sub.offset = last ? last.offset : since.offset;
          sub.epoch = since.epoch === '' ? top.epoch : since.epoch;
        }
      }
    }
    if (s.presence) {
      await ctx.presence.addPresence(channel, session.id, clientInfoOf(session, sub));
    }
    if (s.joinLeave) await ctx.broker.publishJoin(channel, clientInfoOf(session, sub));
    scheduleSubExpiry(session, sub);
    return {
      expires: s.expireAt > 0,
      ttl: ttlOf(s.expireAt),
      recoverable: s.recoverable,
      positioned: s.positioned,
      epoch: s.positioned ? sub.epoch : '',
      offset: s.positioned ? (recovered && since ? since.offset : sub.offset) : 0,
      publications: publications.map((pub) => publicationMsg(pub, sub.epoch)),
      recovered,
      // Centrifugo reports the attempt whenever the client asked, recoverable or not.
      was_recovering: since !== undefined,
    };
  } catch (err) {
    session.subs.delete(channel);
    await ctx.hub.removeSubscriber(channel, session);
    throw err;
  }
}

async function streamTop(session: ClientSession, resolved: ResolvedChannel, channel: string) {
  const res = await session.ctx.broker.history(channel, {
    filter: { limit: 0, reverse: false },
    metaTtlMs: resolved.historyMetaTtlMs,
  });
  return res.position;
}

/** Publications after `since`, when the stream still has all of them (reference §4.4). */
async function recover(
  session: ClientSession,
  resolved: ResolvedChannel,
  channel: string,
  since: StreamPosition,
  top: StreamPosition,
): Promise<{ publications: Publication[]; recovered: boolean }> {
  if (since.epoch !== '' && since.epoch !== top.epoch)
    return { publications: [], recovered: false };
  if (since.offset === top.offset) return { publications: [], recovered: true };
  const limit = session.ctx.config.client.recovery_max_publication_limit;
  try {
    const res = await session.ctx.broker.history(channel, {
      filter: { limit: limit > 0 ? limit : -1, since, reverse: false },
      metaTtlMs: resolved.historyMetaTtlMs,
    });
    const pubs = res.publications;
    const first = pubs[0];
    const last = pubs[pubs.length - 1];
    const complete =
      first !== undefined &&
      last !== undefined &&
      first.offset === since.offset + 1 &&
      last.offset === res.position.offset;
    return complete
      ? { publications: pubs, recovered: true }
      : { publications: [], recovered: false };
  } catch (err) {
    if (err instanceof UnrecoverablePositionError) return { publications: [], recovered: false };
    throw err;
  }
}

export async function handleUnsubscribe(session: ClientSession, req: { channel?: string }) {
  const channel = req.channel ?? '';
  if (channel === '')
    throw new DisconnectError(Disconnects.badRequest, 'unsubscribe without channel');
  if (session.subs.has(channel)) await removeSubscription(session, channel);
  return {};
}

export async function removeSubscription(session: ClientSession, channel: string): Promise<void> {
  const sub = session.subs.get(channel);
  if (!sub) return;
  session.subs.delete(channel);
  clearTimeout(sub.expireTimer);
  const { ctx } = session;
  await ctx.hub.removeSubscriber(channel, session);
  if (sub.presence) await ctx.presence.removePresence(channel, session.id, session.user);
  if (sub.joinLeave) await ctx.broker.publishLeave(channel, clientInfoOf(session, sub));
}

/**
 * sub_refresh, in Centrifugo's order: no channel (3501), not subscribed (103), a server-side
 * subscription (3501: the server refreshes those), no token (107), then the token: another
 * channel, user or client, or a bad signature (3500). An expired token is answered `{}` as
 * Centrifugo does, but the subscription keeps the expiry it had (Centrifugo would drop it
 * and let the subscription live forever): it ends at that time unless a valid token comes.
 */
export async function handleSubRefresh(
  session: ClientSession,
  req: { channel?: string; token?: string },
) {
  const channel = req.channel ?? '';
  if (channel === '')
    throw new DisconnectError(Disconnects.badRequest, 'sub_refresh without channel');
  const sub = session.subs.get(channel);
  if (!sub) throw clientError('permissionDenied');
  if (sub.serverSide) {
    throw new DisconnectError(Disconnects.badRequest, 'sub_refresh of a server-side subscription');
  }
  if (!req.token) throw clientError('badRequest', 'sub_refresh without token');
  const claims = await verifySubscribeToken(
    session,
    req.token,
    channel,
    () => new DisconnectError(Disconnects.invalidToken, 'invalid subscription refresh token'),
  );
  if (!claims) return {};
  const expireAt = expiryOf(claims);
  if (expireAt > 0 && expireAt < nowSeconds()) throw clientError('expired');
  sub.expireAt = expireAt;
  sub.chanInfo = claimBytes(claims.info, claims.b64info, 'info');
  scheduleSubExpiry(session, sub);
  return { expires: sub.expireAt > 0, ttl: ttlOf(sub.expireAt) };
}

function scheduleSubExpiry(session: ClientSession, sub: SubState): void {
  clearTimeout(sub.expireTimer);
  if (sub.expireAt === 0) return;
  const due = sub.expireAt * 1000 - Date.now() + session.ctx.timings.expiredSubCloseDelayMs;
  sub.expireTimer = setTimeout(
    () => {
      if (session.subs.get(sub.channel) !== sub || sub.expireAt * 1000 > Date.now()) return;
      if (sub.serverSide) {
        session.close(Disconnects.subExpired);
        return;
      }
      void removeSubscription(session, sub.channel).then(() => {
        session.push({
          channel: sub.channel,
          unsubscribe: { code: 2501, reason: 'subscription expired' },
        });
      });
    },
    Math.max(0, due),
  );
  sub.expireTimer.unref?.();
}

/**
 * A subscription token's claims, or undefined when it has expired (subscribe answers 109,
 * sub_refresh `{}`). A bad token throws what `invalid` makes (subscribe: 103, sub_refresh:
 * 3500); one for another channel, user or client always closes with 3500.
 */
async function verifySubscribeToken(
  session: ClientSession,
  token: string,
  channel: string,
  invalid: () => Error,
): Promise<SubscribeTokenClaims | undefined> {
  let claims: SubscribeTokenClaims;
  try {
    claims = await session.ctx.subscribeTokens.verifySubscribeToken(token);
  } catch (err) {
    if (err instanceof TokenExpiredError) return undefined;
    if (err instanceof TokenKeysUnavailableError) throw keysUnavailable(session, err);
    if (err instanceof InvalidTokenError) {
      session.ctx.logger.info(
        { client: session.id, channel, reason: err.message },
        'invalid subscription token',
      );
      throw invalid();
    }
    throw err;
  }
  const client = claims.raw.client;
  if (
    claims.channel !== channel ||
    claims.sub !== session.user ||
    (typeof client === 'string' && client !== '' && client !== session.id)
  ) {
    throw new DisconnectError(
      Disconnects.invalidToken,
      'subscription token is for another channel, user or client',
    );
  }
  return claims;
}

export function overridesOf(raw: unknown): Overrides {
  if (typeof raw !== 'object' || raw === null) return {};
  const out: Overrides = {};
  for (const key of [
    'presence',
    'join_leave',
    'force_push_join_leave',
    'force_recovery',
    'force_positioning',
  ] as const) {
    const v = (raw as Record<string, unknown>)[key];
    if (
      typeof v === 'object' &&
      v !== null &&
      typeof (v as { value?: unknown }).value === 'boolean'
    ) {
      out[key] = (v as { value: boolean }).value;
    }
  }
  return out;
}

function clientInfoOf(session: ClientSession, sub: SubState): ClientInfo {
  return {
    user: session.user,
    client: session.id,
    connInfo: session.connInfo,
    chanInfo: sub.chanInfo,
  };
}
