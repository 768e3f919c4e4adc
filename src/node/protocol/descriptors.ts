// Centrifugal client protocol v2 (package centrifugal.centrifuge.protocol), as data: one
// descriptor per message with Centrifugo's field numbers. Both codecs (JSON and Protobuf)
// walk these, so the two wire formats cannot disagree about a field. proto/client.proto is
// the same schema for humans and code generators.

export type Scalar = 'uint32' | 'int32' | 'uint64' | 'int64' | 'bool' | 'string' | 'bytes';

export interface FieldDesc {
  no: number;
  name: string;
  type: Scalar | MessageDesc;
  repeated?: boolean;
  /** map<string, type>: `type` is the value type. */
  map?: boolean;
  /** Written to JSON even when zero (Centrifugo's few non-omitempty fields). */
  always?: boolean;
}

export interface MessageDesc {
  name: string;
  fields: FieldDesc[];
}

const f = (
  no: number,
  name: string,
  type: Scalar | MessageDesc,
  extra: Partial<FieldDesc> = {},
): FieldDesc => ({ no, name, type, ...extra });
const msg = (name: string, fields: FieldDesc[]): MessageDesc => ({ name, fields });

/** The builders, for other schemas the same codecs carry (the event proxy's messages). */
export { f as field, msg as message };

export const StreamPosition = msg('StreamPosition', [
  f(1, 'offset', 'uint64'),
  f(2, 'epoch', 'string'),
]);
export const ErrorMsg = msg('Error', [
  f(1, 'code', 'uint32'),
  f(2, 'message', 'string'),
  f(3, 'temporary', 'bool'),
]);
export const ClientInfoMsg = msg('ClientInfo', [
  f(1, 'user', 'string', { always: true }),
  f(2, 'client', 'string', { always: true }),
  f(3, 'conn_info', 'bytes'),
  f(4, 'chan_info', 'bytes'),
]);
export const PublicationMsg = msg('Publication', [
  f(4, 'data', 'bytes'),
  f(5, 'info', ClientInfoMsg),
  f(6, 'offset', 'uint64'),
  f(7, 'tags', 'string', { map: true }),
  f(8, 'delta', 'bool'),
  f(9, 'time', 'int64'),
  f(10, 'channel', 'string'),
  f(14, 'epoch', 'string'),
  f(16, 'version', 'uint64'),
]);

/** How deep messages may nest in a command, in both codecs: decoding recurses per level. */
export const MAX_NESTING = 16;

// --- requests -------------------------------------------------------------------------

/** A node of a subscriber's tags filter (core/tags-filter.ts); nests through `nodes`. */
export const FilterNode = msg('FilterNode', [
  f(1, 'op', 'string'),
  f(2, 'key', 'string'),
  f(3, 'cmp', 'string'),
  f(4, 'val', 'string'),
  f(5, 'vals', 'string', { repeated: true }),
]);
FilterNode.fields.push(f(6, 'nodes', FilterNode, { repeated: true }));

export const SubscribeRequest = msg('SubscribeRequest', [
  f(1, 'channel', 'string'),
  f(2, 'token', 'string'),
  f(3, 'recover', 'bool'),
  f(6, 'epoch', 'string'),
  f(7, 'offset', 'uint64'),
  f(8, 'data', 'bytes'),
  f(9, 'positioned', 'bool'),
  f(10, 'recoverable', 'bool'),
  f(11, 'join_leave', 'bool'),
  f(12, 'delta', 'string'),
  f(13, 'tf', FilterNode),
  f(14, 'flag', 'int64'),
  f(15, 'type', 'int32'),
]);
export const ConnectRequest = msg('ConnectRequest', [
  f(1, 'token', 'string'),
  f(2, 'data', 'bytes'),
  f(3, 'subs', SubscribeRequest, { map: true }),
  f(4, 'name', 'string'),
  f(5, 'version', 'string'),
  f(6, 'headers', 'string', { map: true }),
  f(7, 'flag', 'int64'),
]);
const channelOnly = (name: string) => msg(name, [f(1, 'channel', 'string')]);
export const UnsubscribeRequest = channelOnly('UnsubscribeRequest');
export const PublishRequest = msg('PublishRequest', [
  f(1, 'channel', 'string'),
  f(2, 'data', 'bytes'),
  f(3, 'type', 'int32'),
]);
export const PresenceRequest = channelOnly('PresenceRequest');
export const PresenceStatsRequest = channelOnly('PresenceStatsRequest');
export const HistoryRequest = msg('HistoryRequest', [
  f(1, 'channel', 'string'),
  f(7, 'limit', 'int32'),
  f(8, 'since', StreamPosition),
  f(9, 'reverse', 'bool'),
]);
export const PingRequest = msg('PingRequest', []);
export const SendRequest = msg('SendRequest', [f(1, 'data', 'bytes')]);
export const RpcRequest = msg('RPCRequest', [f(1, 'data', 'bytes'), f(2, 'method', 'string')]);
export const RefreshRequest = msg('RefreshRequest', [f(1, 'token', 'string')]);
export const SubRefreshRequest = msg('SubRefreshRequest', [
  f(1, 'channel', 'string'),
  f(2, 'token', 'string'),
]);

export const Command = msg('Command', [
  f(1, 'id', 'uint32'),
  f(4, 'connect', ConnectRequest),
  f(5, 'subscribe', SubscribeRequest),
  f(6, 'unsubscribe', UnsubscribeRequest),
  f(7, 'publish', PublishRequest),
  f(8, 'presence', PresenceRequest),
  f(9, 'presence_stats', PresenceStatsRequest),
  f(10, 'history', HistoryRequest),
  f(11, 'ping', PingRequest),
  f(12, 'send', SendRequest),
  f(13, 'rpc', RpcRequest),
  f(14, 'refresh', RefreshRequest),
  f(15, 'sub_refresh', SubRefreshRequest),
]);

// --- results and pushes ----------------------------------------------------------------

export const SubscribeResult = msg('SubscribeResult', [
  f(1, 'expires', 'bool'),
  f(2, 'ttl', 'uint32'),
  f(3, 'recoverable', 'bool'),
  f(6, 'epoch', 'string'),
  f(7, 'publications', PublicationMsg, { repeated: true }),
  f(8, 'recovered', 'bool'),
  f(9, 'offset', 'uint64'),
  f(10, 'positioned', 'bool'),
  f(11, 'data', 'bytes'),
  f(12, 'was_recovering', 'bool'),
  f(13, 'delta', 'bool'),
]);
export const ConnectResult = msg('ConnectResult', [
  f(1, 'client', 'string'),
  f(2, 'version', 'string'),
  f(3, 'expires', 'bool'),
  f(4, 'ttl', 'uint32'),
  f(5, 'data', 'bytes'),
  f(6, 'subs', SubscribeResult, { map: true }),
  f(7, 'ping', 'uint32'),
  f(8, 'pong', 'bool'),
  f(9, 'session', 'string'),
  f(10, 'node', 'string'),
  f(11, 'time', 'int64'),
]);
const empty = (name: string) => msg(name, []);
export const PresenceResult = msg('PresenceResult', [
  f(1, 'presence', ClientInfoMsg, { map: true, always: true }),
]);
export const PresenceStatsResult = msg('PresenceStatsResult', [
  f(1, 'num_clients', 'uint32', { always: true }),
  f(2, 'num_users', 'uint32', { always: true }),
]);
export const HistoryResult = msg('HistoryResult', [
  f(1, 'publications', PublicationMsg, { repeated: true, always: true }),
  f(2, 'epoch', 'string', { always: true }),
  f(3, 'offset', 'uint64', { always: true }),
]);
export const RefreshResult = msg('RefreshResult', [
  f(1, 'client', 'string'),
  f(2, 'version', 'string'),
  f(3, 'expires', 'bool'),
  f(4, 'ttl', 'uint32'),
]);
export const SubRefreshResult = msg('SubRefreshResult', [
  f(1, 'expires', 'bool'),
  f(2, 'ttl', 'uint32'),
]);
export const RpcResult = msg('RPCResult', [f(1, 'data', 'bytes')]);

const infoOnly = (name: string) => msg(name, [f(1, 'info', ClientInfoMsg)]);
export const Push = msg('Push', [
  f(2, 'channel', 'string'),
  f(4, 'pub', PublicationMsg),
  f(5, 'join', infoOnly('Join')),
  f(6, 'leave', infoOnly('Leave')),
  f(7, 'unsubscribe', msg('Unsubscribe', [f(2, 'code', 'uint32'), f(3, 'reason', 'string')])),
  f(8, 'message', msg('Message', [f(1, 'data', 'bytes')])),
  f(
    9,
    'subscribe',
    msg('Subscribe', [
      f(1, 'recoverable', 'bool'),
      f(4, 'epoch', 'string'),
      f(5, 'offset', 'uint64'),
      f(6, 'positioned', 'bool'),
      f(7, 'data', 'bytes'),
    ]),
  ),
  // A unidirectional connection's connect result: ConnectResult's fields, other numbers.
  f(
    10,
    'connect',
    msg('Connect', [
      f(1, 'client', 'string'),
      f(2, 'version', 'string'),
      f(3, 'data', 'bytes'),
      f(4, 'subs', SubscribeResult, { map: true }),
      f(5, 'expires', 'bool'),
      f(6, 'ttl', 'uint32'),
      f(7, 'ping', 'uint32'),
      f(8, 'pong', 'bool'),
      f(9, 'session', 'string'),
      f(10, 'node', 'string'),
      f(11, 'time', 'int64'),
    ]),
  ),
  f(11, 'disconnect', msg('Disconnect', [f(1, 'code', 'uint32'), f(2, 'reason', 'string')])),
  f(12, 'refresh', msg('Refresh', [f(1, 'expires', 'bool'), f(2, 'ttl', 'uint32')])),
]);

export const Reply = msg('Reply', [
  f(1, 'id', 'uint32'),
  f(2, 'error', ErrorMsg),
  f(4, 'push', Push),
  f(5, 'connect', ConnectResult),
  f(6, 'subscribe', SubscribeResult),
  f(7, 'unsubscribe', empty('UnsubscribeResult')),
  f(8, 'publish', empty('PublishResult')),
  f(9, 'presence', PresenceResult),
  f(10, 'presence_stats', PresenceStatsResult),
  f(11, 'history', HistoryResult),
  f(12, 'ping', empty('PingResult')),
  f(13, 'rpc', RpcResult),
  f(14, 'refresh', RefreshResult),
  f(15, 'sub_refresh', SubRefreshResult),
]);

/**
 * What an emulated connection (SSE, HTTP streaming) posts to the emulation endpoint: commands
 * for its session on its node. In JSON `data` is a JSON string holding the commands' frame.
 */
export const EmulationRequest = msg('EmulationRequest', [
  f(1, 'node', 'string'),
  f(2, 'session', 'string'),
  f(3, 'data', 'bytes'),
]);
