// The Node: the one coordinator between the engine and the two front doors (api/ and
// client/), as node.go is in centrifugal/centrifuge. It is the only caller of the engine:
// every publish, history read, recovery, presence change, join/leave and cross-node
// command goes through one method here, so a rule about channels (options, metrics,
// recovery) is written once for both doors. It owns the hub of local connections and
// receives the broker's events (it is the BrokerEventHandler).

import {
  type BrokerEventHandler,
  type ClientInfo,
  type ClusterView,
  type Engine,
  EngineUnavailableError,
  type HistoryFilter,
  type HistoryResult,
  hasConnectivity,
  type NodeInfo,
  type PresenceStats,
  type Publication,
  type StreamPosition,
  UnrecoverablePositionError,
} from '../engine/index.ts';
import type { Logger, NodeMetrics } from '../observability/index.ts';
import type { ChannelRules, ResolvedChannel } from './channel-rules.ts';
import type {
  ConnectionFilter,
  ServerDisconnect,
  ServerRefresh,
  ServerSubscribe,
} from './connection-control.ts';
import { type ControlMessage, decodeControl, encodeControl } from './control.ts';
import type { Disconnect } from './disconnects.ts';
import { Hub, type HubClient, type HubCounts } from './hub.ts';
import type { LocalNode, LocalNodeInfo } from './local-node.ts';
import { PublicationEncodings } from './push-encoding.ts';
import { type FilterNode, matchesTagsFilter } from './tags-filter.ts';

export interface NodeOptions {
  /** This node's identity (the engine was created with its uid and name). */
  local: LocalNode;
  engine: Engine;
  rules: ChannelRules;
  metrics: NodeMetrics;
  logger: Logger;
  /** client.recovery_max_publication_limit: a recovery needing more is not a recovery. */
  recoveryMaxPublicationLimit: number;
  /** client.channel_position_check_delay, in ms (see checkPositions). */
  positionCheckIntervalMs: number;
  /** The node's metrics snapshot that `info` shows for every node, when it has one. */
  infoMetrics?: () => NodeInfo['metrics'];
}

/** What a publish carries besides the data; the stream options come from the channel. */
export interface PublishParams {
  /** The server API's skip_history: deliver without appending to history. */
  skipHistory?: boolean | undefined;
  tags?: Record<string, string> | undefined;
  idempotencyKey?: string | undefined;
  /** Who published (client publishes; the server API publishes as nobody). */
  clientInfo?: ClientInfo | undefined;
  /**
   * Delta subscribers may get this publication as a delta from the previous one: the
   * API's `delta`, or the channel's delta_publish (the caller decides, as Centrifugo's
   * API and client publish do).
   */
  delta?: boolean | undefined;
  /** The API's version and version_epoch: an outdated publication is dropped (engine/). */
  version?: number | undefined;
  versionEpoch?: string | undefined;
}

export interface RecoveryOutcome {
  /** The publications after `since`, complete, when recovered; empty otherwise. */
  publications: Publication[];
  recovered: boolean;
  /** The stream's top at the time of the read. */
  top: StreamPosition;
}

export class Node implements BrokerEventHandler {
  readonly hub = new Hub();
  /** Recovered and history publications, encoded once for every client (push-encoding.ts). */
  readonly publicationEncodings = new PublicationEncodings();
  readonly rules: ChannelRules;
  private readonly local: LocalNode;
  private readonly engine: Engine;
  private readonly metrics: NodeMetrics;
  private readonly logger: Logger;
  private readonly recoveryLimit: number;
  private readonly positionCheckIntervalMs: number;
  private readonly infoMetrics: (() => NodeInfo['metrics']) | undefined;
  /** Whether the node drains, for the node info it announces (see announceDraining). */
  private draining: () => boolean = () => false;
  /** Per channel, the last broker subscribe/unsubscribe in flight (see addSubscription). */
  private readonly interest = new Map<string, Promise<void>>();
  private cluster: ClusterView | undefined;
  private positionCheck: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(o: NodeOptions) {
    this.local = o.local;
    this.engine = o.engine;
    this.rules = o.rules;
    this.metrics = o.metrics;
    this.logger = o.logger;
    this.recoveryLimit = o.recoveryMaxPublicationLimit;
    this.positionCheckIntervalMs = o.positionCheckIntervalMs;
    this.infoMetrics = o.infoMetrics;
  }

  get uid(): string {
    return this.local.uid;
  }

  get name(): string {
    return this.local.name;
  }

  /** This node as `info` reports it: identity, uptime and the hub's counts. */
  info(now = Date.now()): LocalNodeInfo {
    return { ...this.local.info(now), ...this.hub.counts() };
  }

  /** Registers as the broker's event handler, announces the node, starts position checks. */
  async start(): Promise<void> {
    this.metrics.countsFrom(() => this.hub.counts());
    await this.engine.broker.start(this);
    const cluster = this.engine.startCluster(
      () => ({ ...this.info(), metrics: this.infoMetrics?.(), draining: this.draining() }),
      () => this.hub.channelCounts(),
    );
    this.cluster = cluster;
    this.metrics.nodesFrom(async () => (await cluster.nodes()).length);
    this.positionCheck = setInterval(
      () => void this.checkPositions(),
      this.positionCheckIntervalMs,
    );
    this.positionCheck.unref();
  }

  /** Stops the position checks and closes the engine. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.positionCheck);
      await this.engine.close();
    })();
    return this.closing;
  }

  // --- connections ----------------------------------------------------------------------

  addClient(client: HubClient): void {
    this.hub.add(client);
  }

  removeClient(client: HubClient): void {
    this.hub.remove(client);
  }

  userConnectionCount(user: string): number {
    return this.hub.userConnectionCount(user);
  }

  counts(): HubCounts {
    return this.hub.counts();
  }

  /**
   * This node's connections, oldest first, as a list that later changes do not touch: the
   * drain and the rebalancing (src/node/lifecycle/) close them a few at a time.
   */
  localClients(): HubClient[] {
    return [...this.hub.clientsOf({})];
  }

  /** Closes every local connection (shutdown). */
  closeClients(disconnect: Disconnect): void {
    this.hub.closeAll(disconnect);
  }

  // --- interest ---------------------------------------------------------------------------

  /**
   * Adds a local subscriber. The channel's first one subscribes the broker (the broker
   * tracks interest per node, never per client); if that fails the subscriber is taken out
   * again and the error thrown. Broker calls of one channel run one after another, and a
   * subscriber arriving while the first one's broker subscribe is in flight waits for it
   * (and fails with it), so no subscriber is in the hub of a channel the broker does not
   * deliver.
   */
  async addSubscription(channel: string, client: HubClient): Promise<void> {
    const first = this.hub.addSub(channel, client);
    const pending = first
      ? this.serialize(channel, () => this.engine.broker.subscribe(channel))
      : this.interest.get(channel);
    if (!pending) return;
    try {
      await pending;
    } catch (err) {
      // Rolled back without a broker unsubscribe: the broker never took the subscribe.
      this.hub.removeSub(channel, client);
      throw err;
    }
  }

  /**
   * An admin trace of a channel (client/channel-observer.ts): it sits among the channel's
   * subscribers, so the broker stays subscribed while it watches and it sees what the hub
   * fans out, but it counts as no subscriber.
   */
  async addObserver(channel: string, observer: HubClient): Promise<void> {
    await this.addSubscription(channel, observer);
    this.hub.countObserver(channel, 1);
  }

  async removeObserver(channel: string, observer: HubClient): Promise<void> {
    this.hub.countObserver(channel, -1);
    await this.removeSubscription(channel, observer);
  }

  /** Removes a local subscriber; the channel's last one unsubscribes the broker. */
  async removeSubscription(channel: string, client: HubClient): Promise<void> {
    if (!this.hub.removeSub(channel, client)) return;
    await this.serialize(channel, () => this.engine.broker.unsubscribe(channel)).catch(
      (err: unknown) => {
        this.logger.error({ err, channel }, 'broker unsubscribe failed');
      },
    );
  }

  private serialize(channel: string, op: () => Promise<void>): Promise<void> {
    const previous = this.interest.get(channel);
    const next = previous ? previous.then(op, op) : op();
    this.interest.set(channel, next);
    const forget = () => {
      if (this.interest.get(channel) === next) this.interest.delete(channel);
    };
    next.then(forget, forget);
    return next;
  }

  // --- publications -----------------------------------------------------------------------

  /**
   * Publishes into a channel the caller resolved and checked (its name, its
   * publication_data_format, its permissions: those differ per front door). The stream
   * options come from the channel's rules here and nowhere else; every publish counts in
   * centrifugo_node_messages_sent_count. Returns the stream's top after the publish
   * ({0, ''} without history).
   */
  async publish(
    channel: string,
    resolved: ResolvedChannel,
    data: Uint8Array,
    params: PublishParams = {},
  ): Promise<StreamPosition> {
    const keep = params.skipHistory !== true;
    const { position } = await this.engine.broker.publish(channel, data, {
      historySize: keep ? resolved.historySize : 0,
      historyTtlMs: keep ? resolved.historyTtlMs : 0,
      historyMetaTtlMs: resolved.historyMetaTtlMs,
      tags: params.tags && Object.keys(params.tags).length > 0 ? params.tags : undefined,
      idempotencyKey: params.idempotencyKey || undefined,
      clientInfo: params.clientInfo,
      delta: params.delta === true || undefined,
      version: params.version || undefined,
      versionEpoch: params.versionEpoch || undefined,
    });
    this.metrics.messagesSent.inc(PUBLICATION);
    return position;
  }

  /** History as asked; throws UnrecoverablePositionError when `since` names another epoch. */
  history(
    channel: string,
    resolved: ResolvedChannel,
    filter: HistoryFilter,
  ): Promise<HistoryResult> {
    return this.engine.broker.history(channel, { filter, metaTtlMs: resolved.historyMetaTtlMs });
  }

  /** The stream's current top: a channel never published to gets offset 0 and a fresh epoch. */
  async streamTop(channel: string, resolved: ResolvedChannel): Promise<StreamPosition> {
    return (await this.history(channel, resolved, TOP_ONLY)).position;
  }

  /**
   * Stream recovery: the publications after `since`, in one read that also gives the
   * stream's top. A recovery succeeds when the stream still holds every publication after
   * `since` up to the top, at most client.recovery_max_publication_limit of them (0: no
   * limit), in the same epoch (an empty `since` epoch takes the stream's). A tags filter
   * then drops what it refuses from the recovered publications (the recovery itself does
   * not depend on it).
   */
  async recover(
    channel: string,
    resolved: ResolvedChannel,
    since: StreamPosition,
    tagsFilter?: FilterNode,
  ): Promise<RecoveryOutcome> {
    const limit = this.recoveryLimit > 0 ? this.recoveryLimit : -1;
    let res: HistoryResult;
    try {
      res = await this.history(channel, resolved, { limit, since, reverse: false });
    } catch (err) {
      if (!(err instanceof UnrecoverablePositionError)) throw err;
      // Another epoch: the client's position means nothing here; it starts from the top.
      return { publications: [], recovered: false, top: await this.streamTop(channel, resolved) };
    }
    const top = res.position;
    if (since.epoch !== '' && since.epoch !== top.epoch) {
      return { publications: [], recovered: false, top };
    }
    if (since.offset === top.offset) return { publications: [], recovered: true, top };
    const pubs = res.publications;
    const first = pubs[0];
    const last = pubs[pubs.length - 1];
    const complete =
      first !== undefined &&
      last !== undefined &&
      first.offset === since.offset + 1 &&
      last.offset === top.offset;
    if (!complete) return { publications: [], recovered: false, top };
    const publications = tagsFilter
      ? pubs.filter((pub) => matchesTagsFilter(tagsFilter, pub.tags))
      : pubs;
    return { publications, recovered: true, top };
  }

  /**
   * Cache recovery (force_recovery_mode "cache"): the latest publication of the stream (the
   * latest the tags filter lets through, among the newest recovery_max_publication_limit),
   * whatever the position the client holds, unless it holds the top already. Recovered
   * whenever the stream has a latest publication (none the filter lets through: only a
   * client at the top is). The epoch is not compared, as in Centrifugo (centrifuge client.go
   * isCacheRecovered): the latest state is all a cache subscriber wants.
   */
  async recoverCache(
    channel: string,
    resolved: ResolvedChannel,
    since: StreamPosition,
    tagsFilter?: FilterNode,
  ): Promise<RecoveryOutcome> {
    const limit = tagsFilter ? (this.recoveryLimit > 0 ? this.recoveryLimit : -1) : 1;
    const res = await this.history(channel, resolved, { limit, reverse: true });
    const top = res.position;
    const latest = tagsFilter
      ? res.publications.find((pub) => matchesTagsFilter(tagsFilter, pub.tags))
      : res.publications[0];
    const sameState = since.offset > 0 && since.offset === top.offset && since.epoch === top.epoch;
    if (latest === undefined) return { publications: [], recovered: sameState, top };
    return { publications: sameState ? [] : [latest], recovered: true, top };
  }

  /** Drops publications but keeps the stream position, so subscribers are not told to resync. */
  removeHistory(channel: string): Promise<void> {
    return this.engine.broker.removeHistory(channel);
  }

  // --- presence and join/leave ------------------------------------------------------------

  presence(channel: string): Promise<Map<string, ClientInfo>> {
    return this.engine.presence.presence(channel);
  }

  presenceStats(channel: string): Promise<PresenceStats> {
    return this.engine.presence.presenceStats(channel);
  }

  addPresence(channel: string, clientId: string, info: ClientInfo): Promise<void> {
    return this.engine.presence.addPresence(channel, clientId, info);
  }

  removePresence(channel: string, clientId: string, user: string): Promise<void> {
    return this.engine.presence.removePresence(channel, clientId, user);
  }

  async publishJoin(channel: string, info: ClientInfo): Promise<void> {
    await this.engine.broker.publishJoin(channel, info);
    this.metrics.messagesSent.inc(JOIN);
  }

  async publishLeave(channel: string, info: ClientInfo): Promise<void> {
    await this.engine.broker.publishLeave(channel, info);
    this.metrics.messagesSent.inc(LEAVE);
  }

  // --- a user's connections, on every node --------------------------------------------------

  /** Server-side subscribe of a user's connections, wherever they are connected. */
  subscribeUser(request: ServerSubscribe): Promise<void> {
    return this.publishControl({ op: 'subscribe', r: request });
  }

  unsubscribeUser(request: ConnectionFilter & { channel: string }): Promise<void> {
    return this.publishControl({ op: 'unsubscribe', r: request });
  }

  disconnectUser(request: ServerDisconnect): Promise<void> {
    return this.publishControl({ op: 'disconnect', r: request });
  }

  refreshUser(request: ServerRefresh): Promise<void> {
    return this.publishControl({ op: 'refresh', r: request });
  }

  private async publishControl(message: ControlMessage, toNode?: string): Promise<void> {
    await this.engine.broker.publishControl(encodeControl(message), toNode);
    this.metrics.messagesSent.inc(CONTROL);
  }

  // --- emulated connections -------------------------------------------------------------

  /**
   * Delivers commands of an emulated connection (SSE, HTTP streaming) to its session on the
   * node holding it: here directly, elsewhere over the control bus addressed to that node,
   * so a load balancer needs no sticky sessions. False when no live node has that ID (the
   * node restarted: the client reconnects); a session the node no longer holds drops the
   * frame, as Centrifugo's emulation survey does.
   */
  async sendEmulation(nodeId: string, session: string, data: Uint8Array): Promise<boolean> {
    if (nodeId === this.uid) {
      this.hub.bySession(session)?.receiveEmulated?.(data);
      return true;
    }
    if (!this.clusterView().isLive(nodeId)) return false;
    await this.publishControl({ op: 'emulation', r: { session, data } }, nodeId);
    return true;
  }

  // --- the cluster --------------------------------------------------------------------------

  /**
   * Whether the engine reaches its backend now (NATS connected), so that calls needing it
   * can succeed; an engine without a backend to lose (memory) always does. /ready reports it.
   */
  engineConnected(): boolean {
    return !hasConnectivity(this.engine) || this.engine.connected();
  }

  /**
   * The node info this node announces carries `draining: draining()` from now on, so the
   * other nodes hold off their rebalancing while it drains (src/node/lifecycle/).
   */
  announceDraining(draining: () => boolean): void {
    this.draining = draining;
  }

  /** Live nodes, this one included. */
  nodes(): Promise<NodeInfo[]> {
    return this.clusterView().nodes();
  }

  /** Channels with subscribers on any live node, with subscriber counts summed. */
  channels(): Promise<Map<string, number>> {
    return this.clusterView().channels();
  }

  private clusterView(): ClusterView {
    if (!this.cluster) throw new Error('node not started');
    return this.cluster;
  }

  // --- broker events --------------------------------------------------------------------------

  // Each counted as the broker delivers it (centrifugo_node_messages_received_count).

  handlePublication(
    channel: string,
    pub: Publication,
    position: StreamPosition,
    prev?: Publication,
  ): void {
    this.metrics.messagesReceived.inc(PUBLICATION);
    this.hub.broadcastPublication(channel, pub, position, prev);
  }

  handleJoin(channel: string, info: ClientInfo): void {
    this.metrics.messagesReceived.inc(JOIN);
    this.hub.broadcastJoinLeave(channel, 'join', info);
  }

  handleLeave(channel: string, info: ClientInfo): void {
    this.metrics.messagesReceived.inc(LEAVE);
    this.hub.broadcastJoinLeave(channel, 'leave', info);
  }

  handleControl(data: Uint8Array): void {
    this.metrics.messagesReceived.inc(CONTROL);
    this.applyControl(data).catch((err: unknown) => {
      this.logger.error({ err }, 'control message failed');
    });
  }

  private async applyControl(data: Uint8Array): Promise<void> {
    const m = decodeControl(data);
    switch (m.op) {
      case 'subscribe':
        return this.hub.subscribe(m.r);
      case 'unsubscribe':
        return this.hub.unsubscribe(m.r);
      case 'disconnect':
        return this.hub.disconnect(m.r);
      case 'refresh':
        return this.hub.refresh(m.r);
      case 'emulation':
        this.hub.bySession(m.r.session)?.receiveEmulated?.(m.r.data);
        return;
    }
  }

  // --- position checks ------------------------------------------------------------------------

  /**
   * Fan-out is at most once: a publication lost between the broker and this node leaves a
   * gap that the next publication reveals, but not if none comes. So every
   * client.channel_position_check_delay the stream top of each channel with positioned
   * subscribers is read once and handed to them; they resubscribe (2500) or reconnect (3010)
   * when still behind at the next check.
   */
  async checkPositions(): Promise<void> {
    for (const channel of this.hub.channelList()) {
      const positioned = this.hub.positionedIn(channel);
      const resolved = this.rules.resolve(channel);
      if (positioned.length === 0 || resolved === undefined) continue;
      try {
        const top = await this.streamTop(channel, resolved);
        for (const client of positioned) client.checkPosition(channel, top);
      } catch (err) {
        // The engine reports its backend's failures itself, once per outage with counts.
        if (err instanceof EngineUnavailableError) continue;
        this.logger.warn({ channel, err: (err as Error).message }, 'position check failed');
      }
    }
  }
}

const TOP_ONLY: HistoryFilter = { limit: 0, reverse: false };
const PUBLICATION = { type: 'publication' };
const JOIN = { type: 'join' };
const LEAVE = { type: 'leave' };
const CONTROL = { type: 'control' };
