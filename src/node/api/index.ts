export { encodeGoJson as encodeJson } from '../protocol/index.ts';
export {
  API_ERROR_TYPE_URL,
  BAD_REQUEST_TYPE_URL,
  type BadRequestJson,
  badRequestDetailsJson,
} from './error-details.ts';
export { type ApiContext, ApiExecutor } from './executor.ts';
export {
  decodeBatchBody,
  decodeBatchObject,
  decodeMethodBody,
  decodeRequestObject,
  RequestDecodeError,
} from './json-decode.ts';
export {
  type LegacyCommand,
  legacyCommands,
  legacyReply,
  runLegacyBody,
} from './legacy-commands.ts';
export { type OpenApiOptions, openApiDocument } from './openapi.ts';
export { isMethod, METHODS, type MethodName, type RequestOf } from './requests.ts';
export type { FieldViolation, Response, ResultOf } from './results.ts';
