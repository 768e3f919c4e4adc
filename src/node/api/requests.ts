// Server API requests as the executor sees them, whatever transport carried them. Field
// names are the proto/JSON names of Centrifugo's api.proto; `bytes` fields are raw bytes
// (embedded JSON over HTTP, binary over gRPC). Absent fields take proto3 zero values.

export interface StreamPositionRequest {
  offset: number;
  epoch: string;
}

export interface BoolValue {
  value: boolean;
}

export interface SubscribeOptionOverride {
  presence?: BoolValue | undefined;
  join_leave?: BoolValue | undefined;
  force_recovery?: BoolValue | undefined;
  force_positioning?: BoolValue | undefined;
  force_push_join_leave?: BoolValue | undefined;
}

interface PublishFields {
  data: Uint8Array;
  b64data: string;
  skip_history: boolean;
  tags: Record<string, string>;
  idempotency_key: string;
  delta: boolean;
  version: number;
  version_epoch: string;
}

export interface PublishRequest extends PublishFields {
  channel: string;
}

export interface BroadcastRequest extends PublishFields {
  channels: string[];
}

export interface SubscribeRequest {
  channel: string;
  user: string;
  expire_at: number;
  info: Uint8Array;
  b64info: string;
  client: string;
  data: Uint8Array;
  b64data: string;
  recover_since?: StreamPositionRequest | undefined;
  override?: SubscribeOptionOverride | undefined;
  session: string;
}

export interface UnsubscribeRequest {
  channel: string;
  user: string;
  client: string;
  session: string;
}

export interface DisconnectRequest {
  user: string;
  disconnect?: { code: number; reason: string } | undefined;
  client: string;
  whitelist: string[];
  session: string;
}

export interface RefreshRequest {
  user: string;
  client: string;
  expired: boolean;
  expire_at: number;
  info: Uint8Array;
  session: string;
}

export interface ChannelRequest {
  channel: string;
}

export interface HistoryRequest {
  channel: string;
  limit: number;
  since?: StreamPositionRequest | undefined;
  reverse: boolean;
}

export interface ChannelsRequest {
  pattern: string;
}

export interface RpcRequest {
  method: string;
  params: Uint8Array;
}

export type InfoRequest = Record<string, never>;

// Map and shared-poll methods (Centrifugo v6.9.1): decoded and checked as Centrifugo checks
// them; this server has no map or shared-poll subscriptions to run them on yet.

export interface MapPublishRequest {
  channel: string;
  key: string;
  data: Uint8Array;
  b64data: string;
  stream_data: Uint8Array;
  b64stream_data: string;
  tags: Record<string, string>;
  idempotency_key: string;
  delta: boolean;
  version: number;
  version_epoch: string;
  score: number;
  key_mode: string;
}

export interface MapRemoveRequest {
  channel: string;
  key: string;
  idempotency_key: string;
}

export interface MapReadStateRequest {
  channel: string;
  cursor: string;
  limit: number;
  key: string;
  asc: boolean;
  revision_offset: number;
  revision_epoch: string;
}

export interface MapReadStreamRequest {
  channel: string;
  since_offset: number;
  since_epoch: string;
  limit: number;
  reverse: boolean;
}

export interface SharedPollPublishRequest {
  channel: string;
  key: string;
  data: Uint8Array;
  b64data: string;
  version: number;
  epoch: string;
}

/** Each method's request type, by its snake_case name (the HTTP path and the batch key). */
export interface RequestOf {
  publish: PublishRequest;
  broadcast: BroadcastRequest;
  subscribe: SubscribeRequest;
  unsubscribe: UnsubscribeRequest;
  disconnect: DisconnectRequest;
  presence: ChannelRequest;
  presence_stats: ChannelRequest;
  history: HistoryRequest;
  history_remove: ChannelRequest;
  info: InfoRequest;
  rpc: RpcRequest;
  refresh: RefreshRequest;
  channels: ChannelsRequest;
  map_publish: MapPublishRequest;
  map_remove: MapRemoveRequest;
  map_read_state: MapReadStateRequest;
  map_read_stream: MapReadStreamRequest;
  map_stats: ChannelRequest;
  map_clear: ChannelRequest;
  shared_poll_publish: SharedPollPublishRequest;
}

export type MethodName = keyof RequestOf;

/** The methods served, in api.proto's Command order (batch resolves a command by the first match). */
export const METHODS: readonly MethodName[] = [
  'publish',
  'broadcast',
  'subscribe',
  'unsubscribe',
  'disconnect',
  'presence',
  'presence_stats',
  'history',
  'history_remove',
  'info',
  'rpc',
  'refresh',
  'channels',
  'map_publish',
  'map_remove',
  'map_read_state',
  'map_read_stream',
  'map_stats',
  'map_clear',
  'shared_poll_publish',
];

export function isMethod(name: string): name is MethodName {
  return (METHODS as readonly string[]).includes(name);
}

/**
 * The order Centrifugo's executor tries a batch command's fields in: a command naming two
 * methods runs the first of them in this order (history comes before presence here, unlike
 * api.proto's field order).
 */
export const BATCH_ORDER: readonly MethodName[] = [
  'publish',
  'broadcast',
  'subscribe',
  'unsubscribe',
  'disconnect',
  'history',
  'history_remove',
  'presence',
  'presence_stats',
  'info',
  'rpc',
  'refresh',
  'channels',
  'map_publish',
  'map_remove',
  'map_read_state',
  'map_read_stream',
  'map_stats',
  'map_clear',
  'shared_poll_publish',
];

/**
 * One batch command: a method and its request, or none (error 104, no method Centrifugo OSS
 * knows), or `invalid` for a `null` command (error 107).
 */
export type BatchCommand =
  | { method: MethodName; request: RequestOf[MethodName] }
  | { method: undefined; invalid?: true };

export interface BatchRequest {
  commands: BatchCommand[];
  parallel: boolean;
}
