// proto/ loaded once: the server API (service, messages, reflection descriptors) and the
// google.rpc messages of transport-mode error details. Decoding options are the contract with
// api/'s decodeRequestObject: proto field names, absent fields left out, bytes as Uint8Array,
// 64-bit integers as numbers.
import { fileURLToPath } from 'node:url';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';

/** The proto/ directory of this package (shipped beside src/). */
export const PROTO_DIR = fileURLToPath(new URL('../../../../proto/', import.meta.url));

export const API_PACKAGE = 'centrifugal.centrifugo.api';
export const API_SERVICE = `${API_PACKAGE}.CentrifugoApi`;

export const DECODE_OPTIONS: Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: false,
  arrays: false,
  objects: false,
  oneofs: false,
  includeDirs: [PROTO_DIR],
};

let api: PackageDefinition | undefined;
let rpcStatus: PackageDefinition | undefined;

/** proto/api.proto: what the service is built from and what reflection describes. */
export function apiDefinition(): PackageDefinition {
  api ??= loadSync('api.proto', DECODE_OPTIONS);
  return api;
}

/** google.rpc.Status and google.rpc.BadRequest. */
export function rpcStatusDefinition(): PackageDefinition {
  rpcStatus ??= loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'], {
    ...DECODE_OPTIONS,
  });
  return rpcStatus;
}
