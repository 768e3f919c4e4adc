// The event proxies: the node asking the application backend, over HTTP or gRPC
// (proto/proxy.proto), to authenticate connections, decide on subscriptions, publications and
// expiring sessions, answer client RPC and stream publications. client/ calls these; the
// wiring builds the ProxySet and closes it.
export type { CallContext, ProxyEndpoint, ProxyType } from './proxy-endpoint.ts';
export { ProxyCallError, type ProxyFailure } from './proxy-errors.ts';
export type {
  ConnectResultMsg,
  OverrideMsg,
  ProxyDisconnectMsg,
  ProxyErrorMsg,
  ProxyResponse,
  PublicationMsg as StreamPublicationMsg,
  PublishResultMsg,
  RefreshResultMsg,
  RpcResultMsg,
  SubRefreshResultMsg,
  SubscribeOptionsMsg,
  SubscribeResultMsg,
} from './proxy-messages.ts';
export {
  answerBytes,
  type ConnectionRef,
  connectRequest,
  publishRequest,
  refreshRequest,
  rpcRequest,
  subRefreshRequest,
  subscribeRequest,
} from './proxy-requests.ts';
export { ProxySet } from './proxy-set.ts';
export type { OpenStream, StreamEvents, StreamProxyEndpoint } from './stream-endpoint.ts';
