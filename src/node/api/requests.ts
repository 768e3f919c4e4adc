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
}

export type MethodName = keyof RequestOf;

/** The OSS methods in api.proto's Command order (batch resolves a command by the first match). */
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
];

export function isMethod(name: string): name is MethodName {
  return (METHODS as readonly string[]).includes(name);
}

export interface BatchRequest {
  commands: Array<{ method: MethodName; request: RequestOf[MethodName] } | { method: undefined }>;
  parallel: boolean;
}
