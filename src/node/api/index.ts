export { type ApiContext, ApiExecutor } from './executor.ts';
export { decodeBatchBody, decodeMethodBody, RequestDecodeError } from './json-decode.ts';
export { encodeJson } from './json-encode.ts';
export { isMethod, METHODS, type MethodName, type RequestOf } from './requests.ts';
export type { Response, ResultOf } from './results.ts';
