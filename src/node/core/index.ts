// The node's core floor: the Node (the only caller of the engine), its hub, the channel
// rules and the error and disconnect catalogues. api/ and client/ import only this file.
// What the Node's calls carry and throw, from the engine's seam: the front doors see these
// through core/, never by importing engine/.
export {
  type ClientInfo,
  EngineUnavailableError,
  type HistoryFilter,
  type HistoryResult,
  type NodeInfo,
  type Publication,
  type StreamPosition,
  UnrecoverablePositionError,
} from '../engine/index.ts';
export { ChannelRules, type ResolvedChannel } from './channel-rules.ts';
export type {
  ConnectionFilter,
  ServerDisconnect,
  ServerRefresh,
  ServerSubscribe,
} from './connection-control.ts';
export { type DeltaPayload, deltaPayload, payloadOf } from './delta/delta-payload.ts';
export { createDelta } from './delta/fossil-delta.ts';
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
export { type FrameTap, type TappedSession, UserTaps } from './frame-tap.ts';
export { compileGlob, GlobError } from './glob.ts';
export type { HubClient, HubCounts } from './hub.ts';
export { type LocalCounts, LocalNode, type LocalNodeInfo } from './local-node.ts';
export { Node, type NodeOptions, type PublishParams, type RecoveryOutcome } from './node.ts';
export {
  decodeBase64Strict,
  type PublicationDataFormat,
  publicationDataProblem,
} from './publication-data.ts';
export {
  deltaPublicationMsg,
  PublicationPushes,
  type PushParts,
} from './publication-pushes.ts';
export {
  clientInfoMsg,
  EncodedPush,
  PublicationEncodings,
  publicationMsg,
} from './push-encoding.ts';
export { type FilterNode, matchesTagsFilter, tagsFilterProblem } from './tags-filter.ts';
