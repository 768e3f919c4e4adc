// The messages of proto/proxy.proto the node sends and reads, as data for the codecs in
// protocol/ (Protobuf for gRPC proxies; JSON, through proxy-json.ts, for HTTP ones). Field
// order is the proto's, which is also the order Centrifugo's Go structs write JSON in.
// `always` marks the one field Centrifugo writes even when empty: `user` of the requests
// after connect (its JSON tag has no omitempty). proxy-messages.test.ts keeps these and
// proto/proxy.proto in step.
import { field as f, type MessageDesc, message as msg } from '../protocol/index.ts';

const labels = (no: number) => f(no, 'labels', 'string', { map: true });
const base = [
  f(1, 'client', 'string'),
  f(2, 'transport', 'string'),
  f(3, 'protocol', 'string'),
  f(4, 'encoding', 'string'),
];
const user = (no: number) => f(no, 'user', 'string', { always: true });

export const FilterNode: MessageDesc = msg('FilterNode', [
  f(1, 'op', 'string'),
  f(2, 'key', 'string'),
  f(3, 'cmp', 'string'),
  f(4, 'val', 'string'),
  f(5, 'vals', 'string', { repeated: true }),
]);
FilterNode.fields.push(f(6, 'nodes', FilterNode, { repeated: true }));

export const Disconnect = msg('Disconnect', [f(1, 'code', 'uint32'), f(2, 'reason', 'string')]);
export const ErrorMessage = msg('Error', [
  f(1, 'code', 'uint32'),
  f(2, 'message', 'string'),
  f(3, 'temporary', 'bool'),
]);

const BoolValue = msg('BoolValue', [f(1, 'value', 'bool')]);
const SubscribeOptionOverride = msg('SubscribeOptionOverride', [
  f(1, 'presence', BoolValue),
  f(2, 'join_leave', BoolValue),
  f(3, 'force_recovery', BoolValue),
  f(4, 'force_positioning', BoolValue),
  f(5, 'force_push_join_leave', BoolValue),
]);
const SubscribeOptions = msg('SubscribeOptions', [
  f(1, 'expire_at', 'int64'),
  f(2, 'info', 'bytes'),
  f(3, 'b64info', 'string'),
  f(4, 'data', 'bytes'),
  f(5, 'b64data', 'string'),
  f(6, 'override', SubscribeOptionOverride),
  f(7, 'server_tags_filter', FilterNode),
  f(8, 'cache_recover', 'bool'),
]);
const ChannelsCapability = msg('ChannelsCapability', [
  f(1, 'channels', 'string', { repeated: true }),
  f(2, 'allow', 'string', { repeated: true }),
  f(3, 'match', 'string'),
]);

export const ConnectRequest = msg('ConnectRequest', [
  ...base,
  f(10, 'data', 'bytes'),
  f(11, 'b64data', 'string'),
  f(12, 'name', 'string'),
  f(13, 'version', 'string'),
  f(14, 'channels', 'string', { repeated: true }),
]);
const ConnectResult = msg('ConnectResult', [
  f(1, 'user', 'string'),
  f(2, 'expire_at', 'int64'),
  f(3, 'info', 'bytes'),
  f(4, 'b64info', 'string'),
  f(5, 'data', 'bytes'),
  f(6, 'b64data', 'string'),
  f(7, 'channels', 'string', { repeated: true }),
  f(8, 'subs', SubscribeOptions, { map: true }),
  f(9, 'meta', 'bytes'),
  f(10, 'caps', ChannelsCapability, { repeated: true }),
  labels(11),
]);
export const ConnectResponse = msg('ConnectResponse', [
  f(1, 'result', ConnectResult),
  f(2, 'error', ErrorMessage),
  f(3, 'disconnect', Disconnect),
]);

export const RefreshRequest = msg('RefreshRequest', [
  ...base,
  user(10),
  f(11, 'meta', 'bytes'),
  labels(12),
]);
const RefreshResult = msg('RefreshResult', [
  f(1, 'expired', 'bool'),
  f(2, 'expire_at', 'int64'),
  f(3, 'info', 'bytes'),
  f(4, 'b64info', 'string'),
  f(5, 'meta', 'bytes'),
  f(6, 'caps', ChannelsCapability, { repeated: true }),
]);
export const RefreshResponse = msg('RefreshResponse', [
  f(1, 'result', RefreshResult),
  f(2, 'error', ErrorMessage),
  f(3, 'disconnect', Disconnect),
]);

export const SubscribeRequest = msg('SubscribeRequest', [
  ...base,
  user(10),
  f(11, 'channel', 'string'),
  f(12, 'token', 'string'),
  f(13, 'meta', 'bytes'),
  f(14, 'data', 'bytes'),
  f(15, 'b64data', 'string'),
  labels(16),
]);
const SubscribeResult = msg('SubscribeResult', [
  f(1, 'expire_at', 'int64'),
  f(2, 'info', 'bytes'),
  f(3, 'b64info', 'string'),
  f(4, 'data', 'bytes'),
  f(5, 'b64data', 'string'),
  f(6, 'override', SubscribeOptionOverride),
  f(7, 'allow', 'string', { repeated: true }),
  f(8, 'server_tags_filter', FilterNode),
]);
export const SubscribeResponse = msg('SubscribeResponse', [
  f(1, 'result', SubscribeResult),
  f(2, 'error', ErrorMessage),
  f(3, 'disconnect', Disconnect),
]);

export const PublishRequest = msg('PublishRequest', [
  ...base,
  user(10),
  f(11, 'channel', 'string'),
  f(12, 'data', 'bytes'),
  f(13, 'b64data', 'string'),
  f(14, 'meta', 'bytes'),
  labels(15),
]);
const PublishResult = msg('PublishResult', [
  f(1, 'data', 'bytes'),
  f(2, 'b64data', 'string'),
  f(3, 'skip_history', 'bool'),
  f(4, 'tags', 'string', { map: true }),
  f(5, 'idempotency_key', 'string'),
  f(6, 'delta', 'bool'),
  f(7, 'version', 'uint64'),
  f(8, 'version_epoch', 'string'),
]);
export const PublishResponse = msg('PublishResponse', [
  f(1, 'result', PublishResult),
  f(2, 'error', ErrorMessage),
  f(3, 'disconnect', Disconnect),
]);

export const RPCRequest = msg('RPCRequest', [
  ...base,
  user(10),
  f(11, 'method', 'string'),
  f(12, 'data', 'bytes'),
  f(13, 'b64data', 'string'),
  f(14, 'meta', 'bytes'),
  labels(15),
]);
const RPCResult = msg('RPCResult', [f(1, 'data', 'bytes'), f(2, 'b64data', 'string')]);
export const RPCResponse = msg('RPCResponse', [
  f(1, 'result', RPCResult),
  f(2, 'error', ErrorMessage),
  f(3, 'disconnect', Disconnect),
]);

export const SubRefreshRequest = msg('SubRefreshRequest', [
  ...base,
  user(10),
  f(11, 'channel', 'string'),
  f(12, 'meta', 'bytes'),
  labels(13),
]);
const SubRefreshResult = msg('SubRefreshResult', [
  f(1, 'expired', 'bool'),
  f(2, 'expire_at', 'int64'),
  f(3, 'info', 'bytes'),
  f(4, 'b64info', 'string'),
]);
export const SubRefreshResponse = msg('SubRefreshResponse', [
  f(1, 'result', SubRefreshResult),
  f(2, 'error', ErrorMessage),
  f(3, 'disconnect', Disconnect),
]);

const Publication = msg('Publication', [
  f(4, 'data', 'bytes'),
  f(7, 'tags', 'string', { map: true }),
]);
export const StreamSubscribeRequest = msg('StreamSubscribeRequest', [
  f(1, 'subscribe_request', SubscribeRequest),
  f(2, 'publication', Publication),
]);
export const StreamSubscribeResponse = msg('StreamSubscribeResponse', [
  f(1, 'subscribe_response', SubscribeResponse),
  f(2, 'publication', Publication),
]);

// --- the shapes the codecs give for these descriptors ---------------------------------------

export interface ProxyErrorMsg {
  code?: number;
  message?: string;
  temporary?: boolean;
}
export interface ProxyDisconnectMsg {
  code?: number;
  reason?: string;
}
export interface BoolValueMsg {
  value?: boolean;
}
export interface OverrideMsg {
  presence?: BoolValueMsg;
  join_leave?: BoolValueMsg;
  force_recovery?: BoolValueMsg;
  force_positioning?: BoolValueMsg;
  force_push_join_leave?: BoolValueMsg;
}
export interface SubscribeOptionsMsg {
  expire_at?: number;
  info?: Uint8Array;
  b64info?: string;
  data?: Uint8Array;
  b64data?: string;
  override?: OverrideMsg;
  cache_recover?: boolean;
}
export interface ConnectResultMsg {
  user?: string;
  expire_at?: number;
  info?: Uint8Array;
  b64info?: string;
  data?: Uint8Array;
  b64data?: string;
  channels?: string[];
  subs?: Record<string, SubscribeOptionsMsg>;
  meta?: Uint8Array;
}
export interface RefreshResultMsg {
  expired?: boolean;
  expire_at?: number;
  info?: Uint8Array;
  b64info?: string;
  meta?: Uint8Array;
}
export interface SubscribeResultMsg {
  expire_at?: number;
  info?: Uint8Array;
  b64info?: string;
  data?: Uint8Array;
  b64data?: string;
  override?: OverrideMsg;
}
export interface PublishResultMsg {
  data?: Uint8Array;
  b64data?: string;
  skip_history?: boolean;
  tags?: Record<string, string>;
  idempotency_key?: string;
  delta?: boolean;
  version?: number;
  version_epoch?: string;
}
export interface RpcResultMsg {
  data?: Uint8Array;
  b64data?: string;
}
export interface SubRefreshResultMsg {
  expired?: boolean;
  expire_at?: number;
  info?: Uint8Array;
  b64info?: string;
}
export interface PublicationMsg {
  data?: Uint8Array;
  tags?: Record<string, string>;
}

/** Every proxy answer: one of a result, an error for the command, or a disconnect. */
export interface ProxyResponse<R> {
  result?: R;
  error?: ProxyErrorMsg;
  disconnect?: ProxyDisconnectMsg;
}
