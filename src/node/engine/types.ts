// The engine seam. A Broker moves publications between nodes and keeps history; a
// PresenceManager keeps who is online where. Both send events up through
// BrokerEventHandler and never see a client. Implementations: memory/ (one node) and
// nats/ (a cluster); both must pass engine/conformance.ts.

/** A position in a channel's stream. Offsets are per channel, gap-free, from 1. */
export interface StreamPosition {
  offset: number;
  /** Changes whenever the stream's storage is lost or recreated. */
  epoch: string;
}

/** Who published or who is present. Raw payloads are bytes (JSON text over JSON transports). */
export interface ClientInfo {
  user: string;
  client: string;
  connInfo?: Uint8Array | undefined;
  chanInfo?: Uint8Array | undefined;
}

export interface Publication {
  /** 0 when the publication went to a channel without history. */
  offset: number;
  data: Uint8Array;
  info?: ClientInfo | undefined;
  tags?: Record<string, string> | undefined;
  /** Unix milliseconds at publish. */
  time?: number | undefined;
  /** The publish's `version` (PublishOptions.version), when it had one. */
  version?: number | undefined;
}

export interface PublishOptions {
  /** History is kept only when both historySize > 0 and historyTtlMs > 0. */
  historySize: number;
  historyTtlMs: number;
  /** How long the stream's position (offset, epoch) outlives its last write; 0 = engine default. */
  historyMetaTtlMs: number;
  tags?: Record<string, string> | undefined;
  /** A repeated key within idempotentResultTtlMs returns the first result and publishes nothing. */
  idempotencyKey?: string | undefined;
  /** Default 300 000 ms (Centrifugo's 5 minutes). */
  idempotentResultTtlMs?: number | undefined;
  clientInfo?: ClientInfo | undefined;
  /**
   * The application's version of the state this publication carries (> 0), for channels with
   * history (ignored without, as in Centrifugo). Not greater than the version of the channel's
   * last stored publication, in the same versionEpoch or with none given: dropped, neither
   * stored nor delivered, and answered suppressed ('version') with the current top. Every
   * stored publication sets the channel's last version, one without a version to 0. The rule
   * is isOutdated in version-rule.ts; it holds across nodes publishing concurrently.
   */
  version?: number | undefined;
  /** Names the sequence `version` counts in: another epoch than the last one's always passes. */
  versionEpoch?: string | undefined;
  /**
   * The publish asks for delta compression: the engine hands the channel's previous
   * publication to handlePublication with this one, so delta subscribers can get the delta
   * from it. Only for channels with history (a publication without an offset has no
   * previous one, as in Centrifugo).
   */
  delta?: boolean | undefined;
}

/** Why a publish stored and delivered nothing. */
export type SuppressReason = 'idempotency' | 'version';

export interface PublishResult {
  /**
   * Top of the stream after this publication; {offset: 0, epoch: ''} without history. When
   * suppressed: the earlier publish's position (idempotency) or the current top (version).
   */
  position: StreamPosition;
  /** True when nothing was stored or sent: see suppressReason. */
  suppressed: boolean;
  /** Set when suppressed. */
  suppressReason?: SuppressReason | undefined;
}

export interface HistoryFilter {
  /** 0: position only, no publications; -1: all retained; n > 0: at most n. */
  limit: number;
  /** Return publications after (or, reversed, before) this position. */
  since?: StreamPosition | undefined;
  reverse: boolean;
}

export interface HistoryOptions {
  filter: HistoryFilter;
  /** Refreshes the stream meta TTL like a write does; 0 = engine default. */
  metaTtlMs: number;
}

export interface HistoryResult {
  publications: Publication[];
  /** Current top of the stream. A channel never published to gets offset 0 and a fresh epoch. */
  position: StreamPosition;
}

export interface PresenceStats {
  numClients: number;
  numUsers: number;
}

/** Events a broker delivers to its node, in per-channel publish order. */
export interface BrokerEventHandler {
  /**
   * `prev` is the channel's publication just before `pub` (offset - 1, same epoch), given
   * when the publish asked for delta (PublishOptions.delta) and the engine has it; without
   * it delta subscribers get the whole data.
   */
  handlePublication(
    channel: string,
    pub: Publication,
    position: StreamPosition,
    prev?: Publication,
  ): void;
  handleJoin(channel: string, info: ClientInfo): void;
  handleLeave(channel: string, info: ClientInfo): void;
  handleControl(data: Uint8Array): void;
}

/**
 * Pub/sub plus history. Contract:
 * - publish appends to history (when enabled) and delivers to every node subscribed to the
 *   channel atomically per channel: subscribers see publications in offset order, and a
 *   publication is delivered only if it was stored. Delivery is at most once.
 * - history throws UnrecoverablePositionError when `since` names another epoch; a `since`
 *   whose followers were trimmed gives the oldest retained onwards, one beyond the top gives
 *   none (selectHistory in history-filter.ts is the rule every engine applies).
 * - subscribe/unsubscribe express this node's interest in a channel, never a client's.
 */
export interface Broker {
  start(handler: BrokerEventHandler): Promise<void>;
  close(): Promise<void>;
  publish(channel: string, data: Uint8Array, options: PublishOptions): Promise<PublishResult>;
  publishJoin(channel: string, info: ClientInfo): Promise<void>;
  publishLeave(channel: string, info: ClientInfo): Promise<void>;
  /** Sends a control message to every node (or only to `toNode` when given), this one included. */
  publishControl(data: Uint8Array, toNode?: string): Promise<void>;
  subscribe(channel: string): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  history(channel: string, options: HistoryOptions): Promise<HistoryResult>;
  /** Drops publications but keeps the stream position, so subscribers are not told to resync. */
  removeHistory(channel: string): Promise<void>;
}

/** Online presence per channel, keyed by client ID. Kept apart from Broker so it can live elsewhere. */
export interface PresenceManager {
  presence(channel: string): Promise<Map<string, ClientInfo>>;
  presenceStats(channel: string): Promise<PresenceStats>;
  addPresence(channel: string, clientId: string, info: ClientInfo): Promise<void>;
  removePresence(channel: string, clientId: string, userId: string): Promise<void>;
  close(): Promise<void>;
}

/** What a node knows about itself and its peers, for the info API. */
export interface NodeInfo {
  uid: string;
  name: string;
  version: string;
  numClients: number;
  numUsers: number;
  numSubs: number;
  numChannels: number;
  /** Seconds since the node started. */
  uptime: number;
  /** The node's metrics over the last `interval` seconds (`info` shows them), when it has any. */
  metrics?: { interval: number; items: Record<string, number> } | undefined;
  /** The node is draining (shutting down): its clients are leaving (the info API omits it). */
  draining?: boolean | undefined;
}

/** The cluster as one node sees it. */
export interface ClusterView {
  /** Live nodes, this one included. */
  nodes(): Promise<NodeInfo[]>;
  /** Channels with subscribers on any live node, with subscriber counts summed. */
  channels(): Promise<Map<string, number>>;
  /** Whether a node with this uid is live (this one included), without building its info. */
  isLive(uid: string): boolean;
}

/** A broker, presence manager and node registry that belong together. */
export interface Engine {
  readonly name: string;
  readonly broker: Broker;
  readonly presence: PresenceManager;
  /** Starts announcing this node to the others (if any); `self` is read on every announce. */
  startCluster(self: () => NodeInfo, localChannels: () => Map<string, number>): ClusterView;
  close(): Promise<void>;
}

/**
 * Optional capability of an engine that depends on a server it can lose (NATS): whether calls
 * that need it can succeed now. A node reports it in its readiness (/ready), so a load
 * balancer sends new clients elsewhere while it is false. An engine without it (memory)
 * is always connected.
 */
export interface EngineConnectivity {
  connected(): boolean;
}

export function hasConnectivity(engine: Engine): engine is Engine & EngineConnectivity {
  return typeof (engine as Partial<EngineConnectivity>).connected === 'function';
}
