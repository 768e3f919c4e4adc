// Server API results with api.proto's JSON names. Optional fields are omitted when
// empty (proto3 omitempty), except where Centrifugo always writes them: ClientInfo.user
// and .client, presence stats counters, and history's publications, epoch and offset.
import type { ErrorShape } from '../core/index.ts';
import type { MethodName } from './requests.ts';

export interface ClientInfoResult {
  user: string;
  client: string;
  conn_info?: Uint8Array;
  chan_info?: Uint8Array;
}

export interface PublicationResult {
  data?: Uint8Array;
  info?: ClientInfoResult;
  offset?: number;
  tags?: Record<string, string>;
}

export interface PublishResult {
  offset?: number;
  epoch?: string;
}

/** What was wrong with one field of a bad request (google.rpc.BadRequest.FieldViolation). */
export interface FieldViolation {
  /** The request field at fault, by its proto name (`channel`, `since.offset`). */
  field: string;
  description: string;
}

export interface Response<T> {
  error?: ErrorShape;
  result?: T;
  /**
   * With a 107 error, the fields at fault. Never on the wire in the default error mode (it
   * stays byte-compatible with Centrifugo); transport error mode reports them as details.
   */
  violations?: FieldViolation[];
}

export interface BroadcastResult {
  responses: Array<Response<PublishResult>>;
}

export interface PresenceResult {
  presence: Record<string, ClientInfoResult>;
}

export interface PresenceStatsResult {
  num_clients: number;
  num_users: number;
}

export interface HistoryResult {
  publications: PublicationResult[];
  epoch: string;
  offset: number;
}

/** A node's metrics aggregated over `interval` seconds (api.proto Metrics). */
export interface MetricsResult {
  interval: number;
  items: Record<string, number>;
}

export interface NodeResult {
  uid: string;
  name: string;
  version: string;
  num_clients: number;
  num_users: number;
  num_channels: number;
  uptime: number;
  metrics?: MetricsResult;
  num_subs: number;
}

export interface InfoResult {
  nodes: NodeResult[];
}

export interface ChannelsResult {
  channels: Record<string, { num_clients: number }>;
}

export interface RpcResult {
  data?: Uint8Array;
}

export type EmptyResult = Record<string, never>;

export interface ResultOf {
  publish: PublishResult;
  broadcast: BroadcastResult;
  subscribe: EmptyResult;
  unsubscribe: EmptyResult;
  disconnect: EmptyResult;
  presence: PresenceResult;
  presence_stats: PresenceStatsResult;
  history: HistoryResult;
  history_remove: EmptyResult;
  info: InfoResult;
  rpc: RpcResult;
  refresh: EmptyResult;
  channels: ChannelsResult;
  // Never produced yet: these methods answer an error until map subscriptions exist.
  map_publish: EmptyResult;
  map_remove: EmptyResult;
  map_read_state: EmptyResult;
  map_read_stream: EmptyResult;
  map_stats: EmptyResult;
  map_clear: EmptyResult;
  shared_poll_publish: EmptyResult;
}

/** One batch reply: the method's result under its name, or the error. */
export type BatchReply = { error: ErrorShape } | { [M in MethodName]?: ResultOf[M] };

/** No replies (an empty or missing command list) leaves `replies` out: `{}`, as Centrifugo. */
export interface BatchResponse {
  replies?: BatchReply[];
}
