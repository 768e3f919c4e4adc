// Everything a client session needs from its node, built once per node by start-node.
import type { TokenVerifier } from '../auth/index.ts';
import type { Config } from '../config/index.ts';
import { durationMs } from '../config/index.ts';
import type { ChannelRules, Node } from '../core/index.ts';
import type { Logger, NodeMetrics } from '../observability/index.ts';
import type { ProxySet } from '../proxy/index.ts';
import type { Outbox } from './outbox.ts';

export interface ClientTimings {
  pingIntervalMs: number;
  pongTimeoutMs: number;
  staleCloseDelayMs: number;
  expiredCloseDelayMs: number;
  expiredSubCloseDelayMs: number;
  /** How often a connection re-adds its presence (client.presence_update_interval). */
  presenceUpdateIntervalMs: number;
  /** client.channel_position_max_time_lag; 0 = no limit. */
  positionMaxTimeLagMs: number;
}

export interface ClientContext {
  config: Config;
  /** The node's coordinator: every engine call and the hub go through it. */
  node: Node;
  rules: ChannelRules;
  /** This node's flusher of outgoing queues. */
  outbox: Outbox;
  connectTokens: TokenVerifier;
  /** The event proxies the config enables (an empty set when none). */
  proxies: ProxySet;
  subscribeTokens: TokenVerifier;
  logger: Logger;
  metrics: NodeMetrics;
  /** ConnectResult.version. */
  version: string;
  timings: ClientTimings;
}

export function clientTimings(client: Config['client']): ClientTimings {
  return {
    pingIntervalMs: durationMs(client.ping_interval),
    pongTimeoutMs: durationMs(client.pong_timeout),
    staleCloseDelayMs: durationMs(client.stale_close_delay),
    expiredCloseDelayMs: durationMs(client.expired_close_delay),
    expiredSubCloseDelayMs: durationMs(client.expired_sub_close_delay),
    // 0 is Centrifugo's default, 25 s (its node's, below the 27 s of its config default).
    presenceUpdateIntervalMs: durationMs(client.presence_update_interval) || 25_000,
    positionMaxTimeLagMs: Math.max(0, durationMs(client.channel_position_max_time_lag)),
  };
}
