// Subscriptions: client subscribe (token or permission), server-side subscribe (token
// channels/subs at connect, or the server API), recovery and positioning, presence and
// join/leave, unsubscribe and sub_refresh.
import {
  InvalidTokenError,
  type SubscribeTokenClaims,
  TokenExpiredError,
  TokenKeysUnavailableError,
} from '../../auth/index.ts';
import {
  type ClientInfo,
  DisconnectError,
  Disconnects,
  deltaPayload,
  deltaPublicationMsg,
  type FilterNode,
  type Publication,
  publicationMsg,
  type RecoveryOutcome,
  type ResolvedChannel,
  type ServerSubscribe,
  type StreamPosition,
  tagsFilterProblem,
  Unsubscribes,
} from '../../core/index.ts';
import type {
  Format,
  PreEncoded,
  PublicationMsg,
  SubscribeRequestMsg,
} from '../../protocol/index.ts';
import { type SubscribeResultMsg, subscribeRequest } from '../../proxy/index.ts';
import { clientError } from '../client-error.ts';
import type { Connection } from '../connection.ts';
import { Subscription, type SubscriptionSettings } from '../subscription.ts';
import {
  allowed,
  streamProxyDecides,
  subscribeAllowed,
  subscribeProxyDecides,
} from './permissions.ts';
import { answerPayload, askBackend, connectionRef } from './proxied.ts';
import { refreshSubscription } from './refresh-proxy.ts';
import {
  claimBytes,
  expiryOf,
  keysUnavailable,
  nowSeconds,
  resolveChannel,
  resolveClientChannel,
  ttlOf,
} from './shared.ts';
import { openSubscribeStream } from './subscribe-stream.ts';

export interface Overrides {
  presence?: boolean;
  join_leave?: boolean;
  force_push_join_leave?: boolean;
  force_recovery?: boolean;
  force_positioning?: boolean;
}

/** Delta compressions a client may ask for; another name is a protocol violation (3501). */
const DELTA_TYPES = new Set(['fossil']);

/** How a subscribe recovers, beside its settings. */
interface RecoveryRequest {
  /** Where the client is: from its `recover` (or, auto_cache_recover, asked or not). */
  since: StreamPosition | undefined;
  /** The namespace's force_recovery_mode. */
  mode: 'stream' | 'cache';
  /** SubscribeRequest flag 2: answer 112 rather than subscribe when a stream recovery fails. */
  rejectUnrecovered: boolean;
}

/** Delta compression: the client asked for a type the namespace allows. */
function deltaNegotiated(asked: string | undefined, resolved: ResolvedChannel): boolean {
  return (
    asked !== undefined && asked !== '' && resolved.options.allowed_delta_types.includes(asked)
  );
}

const recoveryModeOf = (resolved: ResolvedChannel) =>
  resolved.options.force_recovery_mode === 'cache' ? ('cache' as const) : ('stream' as const);

/**
 * The position a subscribe recovers from: the one the client names with `recover`, or with
 * auto_cache_recover (cache mode, recovery on) the one it names without asking (none: 0).
 */
function recoverFrom(
  req: { recover?: boolean; offset?: number; epoch?: string } | undefined,
  resolved: ResolvedChannel,
  recoverable: boolean,
): StreamPosition | undefined {
  const auto =
    resolved.options.auto_cache_recover && recoverable && recoveryModeOf(resolved) === 'cache';
  return req?.recover || auto ? { offset: req?.offset ?? 0, epoch: req?.epoch ?? '' } : undefined;
}
/** SubscribeRequest.type: map, map_clients, map_users; and shared poll. */
const MAP_TYPES = new Set([1, 2, 3]);
const SHARED_POLL_TYPE = 4;
/** SubscribeRequest.flag bit 2: answer 112 rather than subscribe when recovery fails. */
const FLAG_REJECT_UNRECOVERED = 2;

/**
 * A client subscribe, checked in Centrifugo's order: missing channel (3501), shared-poll
 * type (108), unknown delta type (3501), name too long (107), already subscribed (105),
 * channel limit (106), unknown namespace (102), invalid name (107), a map type (103), then
 * permission (token or channel options), expiry (111), a tags filter (107).
 */
export async function handleSubscribe(conn: Connection, req: SubscribeRequestMsg) {
  const channel = req.channel ?? '';
  if (channel === '')
    throw new DisconnectError(Disconnects.badRequest, 'subscribe without channel');
  const type = req.type ?? 0;
  // No namespace here is a shared-poll one (subscription_type is refused at startup).
  if (type === SHARED_POLL_TYPE) throw clientError('notAvailable');
  // A map type takes Centrifugo's map path, which has no delta check.
  const mapType = MAP_TYPES.has(type);
  const delta = req.delta ?? '';
  if (!mapType && delta !== '' && !DELTA_TYPES.has(delta)) {
    throw new DisconnectError(Disconnects.badRequest, `unknown delta type ${delta}`);
  }
  const { config, rules } = conn.ctx;
  if (rules.tooLong(channel)) throw clientError('badRequest', 'channel name too long');
  if (conn.subs.has(channel) || conn.subscribing.has(channel)) {
    throw clientError('alreadySubscribed');
  }
  if (conn.subscriptionCount() >= config.client.channel_limit) throw clientError('limitExceeded');
  const resolved = resolveClientChannel(conn, channel);
  // Every namespace here is a stream one: a map subscription is not one it allows.
  if (mapType) throw clientError('permissionDenied', 'subscription type not allowed');
  let claims: SubscribeTokenClaims | undefined;
  if (req.token) {
    claims = await verifySubscribeToken(conn, req.token, channel, () =>
      clientError('permissionDenied'),
    );
    if (!claims) throw clientError('tokenExpired');
  } else if (subscribeProxyDecides(channel, resolved.options, config)) {
    return subscribeThroughProxy(conn, channel, resolved, req);
  } else if (streamProxyDecides(channel, resolved.options, config)) {
    return subscribeThroughStream(conn, channel, resolved, req);
  } else if (!subscribeAllowed(channel, resolved.options, conn.user, config)) {
    throw clientError('permissionDenied');
  }
  const o = resolved.options;
  const override = overridesOf(claims?.override);
  // What the subscription may add on request: the connection counts as subscribed here.
  const may = (action: 'history' | 'presence') =>
    allowed(action, o, {
      user: conn.user,
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
  const settings: SubscriptionSettings = {
    serverSide: false,
    fromToken: false,
    recoverable,
    positioned,
    presence: override.presence ?? o.presence,
    joinLeave: override.join_leave ?? o.join_leave,
    pushJoinLeave,
    chanInfo: claims ? claimBytes(claims.info, claims.b64info, 'info') : undefined,
    expireAt: claims ? expiryOf(claims) : 0,
    delta: deltaNegotiated(req.delta, resolved),
    tagsFilter: undefined,
  };
  const data = claims ? claimBytes(claims.data, claims.b64data, 'data') : undefined;
  return finishSubscribe(conn, channel, resolved, settings, req, data);
}

/** The checks after permission, the subscription itself and its reply. */
async function finishSubscribe(
  conn: Connection,
  channel: string,
  resolved: ResolvedChannel,
  settings: SubscriptionSettings,
  req: SubscribeRequestMsg,
  data: Uint8Array | undefined,
) {
  if (settings.expireAt > 0 && settings.expireAt <= nowSeconds()) throw clientError('expired');
  settings.tagsFilter = tagsFilterOf(conn, channel, resolved, req.tf);
  const result = await establish(conn, channel, resolved, settings, {
    since: recoverFrom(req, resolved, settings.recoverable),
    mode: recoveryModeOf(resolved),
    rejectUnrecovered: ((req.flag ?? 0) & FLAG_REJECT_UNRECOVERED) !== 0,
  });
  // With a sub refresh proxy the server refreshes the subscription: the client is told
  // nothing of its expiry.
  if (resolved.options.sub_refresh_proxy_enabled)
    return { ...result, expires: false, ttl: 0, data };
  return { ...result, data };
}

/**
 * A subscription backed by the subscribe stream proxy (subscribe-stream.ts): no recovery or
 * positioning, the backend's presence and join/leave overrides.
 */
async function subscribeThroughStream(
  conn: Connection,
  channel: string,
  resolved: ResolvedChannel,
  req: SubscribeRequestMsg,
) {
  const o = resolved.options;
  const stream = await openSubscribeStream(conn, channel, resolved, req);
  try {
    const { result } = stream;
    const override = overridesOf(result?.override);
    const settings: SubscriptionSettings = {
      serverSide: false,
      fromToken: false,
      recoverable: false,
      positioned: false,
      presence: override.presence ?? o.presence,
      joinLeave: override.join_leave ?? o.join_leave,
      pushJoinLeave: override.force_push_join_leave ?? o.force_push_join_leave,
      chanInfo: answerPayload(result?.info, result?.b64info, 'b64info'),
      expireAt: result?.expire_at ?? 0,
      // Centrifugo gives stream subscriptions no delta types and no tags filter.
      delta: false,
      tagsFilter: undefined,
    };
    const data = answerPayload(result?.data, result?.b64data, 'b64data');
    const reply = await finishSubscribe(
      conn,
      channel,
      resolved,
      settings,
      { ...req, recover: false },
      data,
    );
    const sub = conn.subs.get(channel);
    if (sub === undefined) throw clientError('internal', 'subscription gone');
    stream.attach(sub, (unsubscribe) => {
      if (conn.subs.get(channel) !== sub) return;
      void removeSubscription(conn, channel).then(() => {
        conn.push({ channel, unsubscribe });
      });
    });
    return reply;
  } catch (err) {
    stream.close();
    throw err;
  }
}

/**
 * The subscribe proxy's answer decides: its `result` gives the channel info, the
 * SubscribeResult `data`, an expiry and overrides of the namespace's presence, join/leave,
 * recovery and positioning; what the client asked for (recoverable, positioned, join_leave)
 * is not consulted, as in Centrifugo's subscribe proxy.
 */
async function subscribeThroughProxy(
  conn: Connection,
  channel: string,
  resolved: ResolvedChannel,
  req: SubscribeRequestMsg,
) {
  const o = resolved.options;
  const endpoint = conn.ctx.proxies.endpoint('subscribe', o.subscribe_proxy_name);
  if (endpoint === undefined) throw clientError('notAvailable');
  const request = subscribeRequest(endpoint, connectionRef(conn), {
    channel,
    token: req.token ?? '',
    data: req.data,
  });
  const result = await askBackend<SubscribeResultMsg>(conn, endpoint, request);
  const override = overridesOf(result?.override);
  const recoverable = override.force_recovery ?? o.force_recovery;
  const settings: SubscriptionSettings = {
    serverSide: false,
    fromToken: false,
    recoverable,
    positioned: recoverable || (override.force_positioning ?? o.force_positioning),
    presence: override.presence ?? o.presence,
    joinLeave: override.join_leave ?? o.join_leave,
    pushJoinLeave: override.force_push_join_leave ?? o.force_push_join_leave,
    chanInfo: answerPayload(result?.info, result?.b64info, 'b64info'),
    expireAt: result?.expire_at ?? 0,
    delta: deltaNegotiated(req.delta, resolved),
    tagsFilter: undefined,
  };
  const data = answerPayload(result?.data, result?.b64data, 'b64data');
  return finishSubscribe(conn, channel, resolved, settings, req, data);
}

/**
 * A subscription the server API makes. As in Centrifugo, a channel the connection already
 * has is subscribed again (fresh options, another subscribe push and join), and one past
 * client.channel_limit closes the connection with 3505.
 */
export async function serverSideSubscribe(
  conn: Connection,
  request: ServerSubscribe,
): Promise<void> {
  const resolved = conn.ctx.rules.resolve(request.channel);
  if (!resolved) return;
  if (conn.subs.size >= conn.ctx.config.client.channel_limit) {
    conn.close(Disconnects.channelLimit);
    return;
  }
  const previous = conn.subs.get(request.channel);
  previous?.stopExpiry();
  const result = await establish(
    conn,
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
      delta: false,
      tagsFilter: undefined,
    },
    // As Centrifugo's API subscribe: stream recovery whatever the namespace's mode.
    { since: request.recoverSince, mode: 'stream', rejectUnrecovered: false },
  );
  conn.push({
    channel: request.channel,
    subscribe: {
      recoverable: result.recoverable,
      epoch: result.epoch,
      offset: result.offset,
      positioned: result.positioned,
      data: request.data,
    },
  });
  conn.subs.get(request.channel)?.goLive();
}

/**
 * Server-side subscription made at connect: from the connection token (`channels` or
 * `subs`), or asked for in the connect command's `subs`. Its own join and leave reach the
 * connection only with force_push_join_leave: it never asked for them.
 */
export async function connectSubscribe(
  conn: Connection,
  channel: string,
  spec: { info?: Uint8Array; data?: Uint8Array; override: Overrides; fromToken: boolean },
  recover: SubscribeRequestMsg | undefined,
) {
  const resolved = resolveChannel(conn, channel);
  const o = resolved.options;
  const recoverable = spec.override.force_recovery ?? o.force_recovery;
  const result = await establish(
    conn,
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
      // The connect command's `subs` entry may ask for delta; a tags filter it cannot give.
      delta: deltaNegotiated(recover?.delta, resolved),
      tagsFilter: undefined,
    },
    {
      since: recoverFrom(recover, resolved, recoverable),
      mode: recoveryModeOf(resolved),
      rejectUnrecovered: false,
    },
  );
  return { ...result, data: spec.data };
}

/**
 * Registers the subscription (buffering live events), reads the stream position or recovers
 * (stream or cache mode), adds presence and announces the join. The caller sends the reply,
 * then lets the subscription go live, so the client sees reply, recovered publications, live
 * ones, in order. With `rejectUnrecovered`, a stream recovery that fails is error 112 and no
 * subscription.
 */
async function establish(
  conn: Connection,
  channel: string,
  resolved: ResolvedChannel,
  s: SubscriptionSettings,
  recovery: RecoveryRequest,
) {
  const { node, metrics } = conn.ctx;
  const { since } = recovery;
  const sub = new Subscription(channel, resolved, s, conn);
  conn.subs.set(channel, sub);
  try {
    await node.addSubscription(channel, conn);
    let publications: Publication[] = [];
    let recovered = false;
    if (s.positioned && s.recoverable && since) {
      const outcome = await recover(conn, channel, resolved, since, recovery.mode, s.tagsFilter);
      metrics.clientRecover.inc({ recovered: outcome.recovered ? 'yes' : 'no' });
      if (!outcome.recovered && recovery.rejectUnrecovered && recovery.mode === 'stream') {
        throw clientError('unrecoverablePosition');
      }
      // The subscription sits at the top, publications a tags filter dropped included.
      sub.offset = outcome.top.offset;
      sub.epoch = outcome.top.epoch;
      publications = outcome.publications;
      recovered = outcome.recovered;
    } else if (s.positioned) {
      const top = await node.streamTop(channel, resolved);
      sub.offset = top.offset;
      sub.epoch = top.epoch;
    }
    if (s.presence) {
      sub.presenceInfo = clientInfoOf(conn, sub);
      await node.addPresence(channel, conn.id, sub.presenceInfo);
    }
    if (s.joinLeave) await node.publishJoin(channel, clientInfoOf(conn, sub));
    scheduleSubExpiry(conn, sub);
    let sent: Array<PublicationMsg | PreEncoded>;
    if (recovered && s.delta) {
      sent = recoveredDeltas(publications, sub.epoch, conn.format);
      // Deltas go on from the last publication the client holds. Centrifugo allows them
      // whatever that is; when a tags filter kept the stream's last one from the client,
      // its next delta (from that one) would rebuild the wrong data, so it gets the whole.
      const base = publications.at(-1)?.offset ?? since?.offset;
      sub.deltaReady = base === sub.offset;
    } else {
      const encodings = conn.ctx.node.publicationEncodings;
      sent = publications.map((pub) => encodings.of(pub, sub.epoch));
    }
    return {
      expires: s.expireAt > 0,
      ttl: ttlOf(s.expireAt),
      recoverable: s.recoverable,
      positioned: s.positioned,
      epoch: s.positioned ? sub.epoch : '',
      offset: s.positioned ? (recovered && since ? since.offset : sub.offset) : 0,
      publications: sent,
      recovered,
      // Centrifugo reports the attempt whenever the client asked (or auto_cache_recover
      // did), recoverable or not.
      was_recovering: since !== undefined,
      delta: s.delta,
    };
  } catch (err) {
    if (conn.subs.get(channel) === sub) conn.subs.delete(channel);
    await node.removeSubscription(channel, conn);
    throw err;
  }
}

function recover(
  conn: Connection,
  channel: string,
  resolved: ResolvedChannel,
  since: StreamPosition,
  mode: 'stream' | 'cache',
  tagsFilter: FilterNode | undefined,
): Promise<RecoveryOutcome> {
  const { node } = conn.ctx;
  return mode === 'cache'
    ? node.recoverCache(channel, resolved, since, tagsFilter)
    : node.recover(channel, resolved, since, tagsFilter);
}

/**
 * Recovered publications for a delta subscription, as Centrifugo sends them (centrifuge
 * client.go makeRecoveredPubsDeltaFossil): the first whole, each next one a delta from the
 * one before it when that is shorter.
 */
function recoveredDeltas(pubs: Publication[], epoch: string, format: Format): PublicationMsg[] {
  return pubs.map((pub, i) => {
    const before = pubs[i - 1];
    if (before === undefined) {
      return format === 'json'
        ? deltaPublicationMsg(pub, { data: pub.data, delta: false }, format)
        : publicationMsg(pub, epoch);
    }
    return deltaPublicationMsg(pub, deltaPayload(before.data, pub.data, format === 'json'), format);
  });
}

/**
 * The subscriber's tags filter, checked as Centrifugo checks it: 107 where the namespace
 * does not allow one (allow_tags_filter) or where it is malformed (tags-filter.ts).
 */
function tagsFilterOf(
  conn: Connection,
  channel: string,
  resolved: ResolvedChannel,
  tf: FilterNode | undefined,
): FilterNode | undefined {
  if (tf === undefined) return undefined;
  if (!resolved.options.allow_tags_filter) {
    conn.ctx.logger.info({ client: conn.id, channel }, 'tags filter not allowed');
    throw clientError('badRequest', 'tags filter not allowed');
  }
  const problem = tagsFilterProblem(tf);
  if (problem) {
    conn.ctx.logger.info({ client: conn.id, channel, reason: problem }, 'invalid tags filter');
    throw clientError('badRequest', 'invalid tags filter');
  }
  return tf;
}

export async function handleUnsubscribe(conn: Connection, req: { channel?: string }) {
  const channel = req.channel ?? '';
  if (channel === '')
    throw new DisconnectError(Disconnects.badRequest, 'unsubscribe without channel');
  if (conn.subs.has(channel)) await removeSubscription(conn, channel);
  return {};
}

export async function removeSubscription(conn: Connection, channel: string): Promise<void> {
  const sub = conn.subs.get(channel);
  if (!sub) return;
  conn.subs.delete(channel);
  sub.stopExpiry();
  sub.stream?.close();
  const { node } = conn.ctx;
  await node.removeSubscription(channel, conn);
  if (sub.presence) await node.removePresence(channel, conn.id, conn.user);
  if (sub.joinLeave) await node.publishLeave(channel, clientInfoOf(conn, sub));
}

/**
 * sub_refresh, in Centrifugo's order: no channel (3501), not subscribed (103), a server-side
 * subscription (3501: the server refreshes those), no token (107), then the token: another
 * channel, user or client, or a bad signature (3500). An expired token is answered `{}` as
 * Centrifugo does, but the subscription keeps the expiry it had (Centrifugo would drop it
 * and let the subscription live forever): it ends at that time unless a valid token comes.
 */
export async function handleSubRefresh(
  conn: Connection,
  req: { channel?: string; token?: string },
) {
  const channel = req.channel ?? '';
  if (channel === '')
    throw new DisconnectError(Disconnects.badRequest, 'sub_refresh without channel');
  const sub = conn.subs.get(channel);
  if (!sub) throw clientError('permissionDenied');
  if (sub.serverSide) {
    throw new DisconnectError(Disconnects.badRequest, 'sub_refresh of a server-side subscription');
  }
  if (sub.resolved.options.sub_refresh_proxy_enabled) {
    throw new DisconnectError(Disconnects.badRequest, 'server-side sub refresh expected');
  }
  if (!req.token) throw clientError('badRequest', 'sub_refresh without token');
  const claims = await verifySubscribeToken(
    conn,
    req.token,
    channel,
    () => new DisconnectError(Disconnects.invalidToken, 'invalid subscription refresh token'),
  );
  if (!claims) return {};
  const expireAt = expiryOf(claims);
  if (expireAt > 0 && expireAt < nowSeconds()) throw clientError('expired');
  sub.expireAt = expireAt;
  sub.chanInfo = claimBytes(claims.info, claims.b64info, 'info');
  scheduleSubExpiry(conn, sub);
  return { expires: sub.expireAt > 0, ttl: ttlOf(sub.expireAt) };
}

function scheduleSubExpiry(conn: Connection, sub: Subscription): void {
  sub.stopExpiry();
  if (sub.expireAt === 0) return;
  const due = sub.expireAt * 1000 - Date.now() + conn.ctx.timings.expiredSubCloseDelayMs;
  sub.expireTimer = setTimeout(
    () => {
      if (conn.subs.get(sub.channel) !== sub) return;
      // Node's timers can fire a millisecond before Date.now() reaches the delay: not yet
      // due is armed again, never dropped (the subscription would otherwise live forever).
      if (sub.expireAt * 1000 > Date.now()) {
        scheduleSubExpiry(conn, sub);
        return;
      }
      if (sub.serverSide) {
        conn.close(Disconnects.subExpired);
        return;
      }
      const refresh = sub.resolved.options.sub_refresh_proxy_enabled
        ? conn.ctx.proxies.endpoint('sub_refresh', sub.resolved.options.sub_refresh_proxy_name)
        : undefined;
      if (refresh !== undefined) {
        void refreshSubscription(conn, refresh, sub).then((lives) => {
          if (conn.subs.get(sub.channel) !== sub) return;
          if (lives) scheduleSubExpiry(conn, sub);
          else expireSubscription(conn, sub);
        });
        return;
      }
      expireSubscription(conn, sub);
    },
    Math.max(0, due),
  );
  sub.expireTimer.unref?.();
}

/** The client subscription ended by its expiry: gone, and the client told (2501). */
function expireSubscription(conn: Connection, sub: Subscription): void {
  void removeSubscription(conn, sub.channel).then(() => {
    conn.push({ channel: sub.channel, unsubscribe: Unsubscribes.expired });
  });
}

/**
 * A subscription token's claims, or undefined when it has expired (subscribe answers 109,
 * sub_refresh `{}`). A bad token throws what `invalid` makes (subscribe: 103, sub_refresh:
 * 3500); one for another channel, user or client always closes with 3500.
 */
async function verifySubscribeToken(
  conn: Connection,
  token: string,
  channel: string,
  invalid: () => Error,
): Promise<SubscribeTokenClaims | undefined> {
  let claims: SubscribeTokenClaims;
  try {
    claims = await conn.ctx.subscribeTokens.verifySubscribeToken(token);
  } catch (err) {
    if (err instanceof TokenExpiredError) return undefined;
    if (err instanceof TokenKeysUnavailableError) throw keysUnavailable(conn, err);
    if (err instanceof InvalidTokenError) {
      conn.ctx.logger.info(
        { client: conn.id, channel, reason: err.message },
        'invalid subscription token',
      );
      throw invalid();
    }
    throw err;
  }
  const client = claims.raw.client;
  if (
    claims.channel !== channel ||
    claims.sub !== conn.user ||
    (typeof client === 'string' && client !== '' && client !== conn.id)
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

/** Who the connection is in a channel: its presence entry and its join/leave. */
export function clientInfoOf(conn: Connection, sub: Subscription): ClientInfo {
  return {
    user: conn.user,
    client: conn.id,
    connInfo: conn.connInfo,
    chanInfo: sub.chanInfo,
  };
}
