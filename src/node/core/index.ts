export { ChannelRules, type ResolvedChannel } from './channel-rules.ts';
export {
  type ConnectionControl,
  type ConnectionFilter,
  NoConnections,
  type ServerDisconnect,
  type ServerRefresh,
  type ServerSubscribe,
} from './connection-control.ts';
export {
  type Disconnect,
  type DisconnectDef,
  DisconnectError,
  Disconnects,
  disconnectReconnects,
  type UnsubscribeDef,
  Unsubscribes,
  unsubscribeResubscribes,
} from './disconnects.ts';
export {
  type ErrorDef,
  type ErrorName,
  type ErrorShape,
  Errors,
  errorDef,
  errorShape,
  ReplyError,
} from './errors.ts';
export { compileGlob, GlobError } from './glob.ts';
export { type LocalCounts, LocalNode, type LocalNodeInfo } from './local-node.ts';
export {
  decodeBase64Strict,
  type PublicationDataFormat,
  publicationDataProblem,
} from './publication-data.ts';
