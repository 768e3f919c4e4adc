// Codecs both front doors use: the client protocol v2 in JSON (objects joined by newlines)
// and Protobuf (varint length-delimited), and the raw JSON spans that keep payload bytes
// as sent (the server API's JSON bodies and the client protocol's JSON commands).
export { decodeBase64Strict } from './base64.ts';
export {
  Command,
  ConnectRequest,
  EmulationRequest,
  type FieldDesc,
  field,
  type MessageDesc,
  message,
  Push,
  Reply,
} from './descriptors.ts';
export {
  decodeCommands,
  encodePush,
  encodeReply,
  type Format,
  type FramePart,
  joinParts,
  PING,
  partSize,
} from './encoding.ts';
export { encodeJson as encodeGoJson, ResponseEncodeError } from './go-json.ts';
export {
  decodeJson as decodeJsonMessage,
  encodeJson as encodeJsonMessage,
  JsonDecodeError,
  JsonEncodeError,
} from './json-codec.ts';
export { jsonStringOf } from './json-string.ts';
export {
  type ClientInfoMsg,
  type CommandMsg,
  type ConnectRequestMsg,
  METHOD_FIELDS,
  type MethodField,
  type PublicationMsg,
  type StreamPositionMsg,
  type SubscribeRequestMsg,
} from './messages.ts';
export { PreEncoded } from './pre-encoded.ts';
export {
  decodeAsGo,
  decodeMessage,
  encodeMessage,
  InvalidUtf8Error,
  ProtobufDecodeError,
  splitDelimited,
} from './protobuf-codec.ts';
export { indexSpans, objectSpans, type Span, type SpanNode } from './raw-json.ts';
