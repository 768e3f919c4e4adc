// Transport error mode over gRPC: a Centrifugo error becomes the gRPC status of the
// catalogue's table (core/errors.ts, Centrifugo's MapErrorToGRPCCode), and `grpc-status-details-bin` carries a google.rpc.Status whose
// details are the centrifugal.centrifugo.api.Error (what Centrifugo sends) and, for a bad
// request, a google.rpc.BadRequest naming the fields at fault (what Centrifugo does not).
import type { MessageTypeDefinition } from '@grpc/proto-loader';
import { API_ERROR_TYPE_URL, BAD_REQUEST_TYPE_URL, type FieldViolation } from '../../api/index.ts';
import { type ErrorShape, Errors, errorDef } from '../../core/index.ts';
import { GrpcCode, type GrpcStatus } from './h2-server.ts';
import { API_PACKAGE, apiDefinition, rpcStatusDefinition } from './proto.ts';

export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';

type Codec = MessageTypeDefinition<object, object>;

let codecs: { status: Codec; badRequest: Codec; error: Codec } | undefined;

function codecsOf() {
  if (codecs === undefined) {
    const rpc = rpcStatusDefinition();
    codecs = {
      status: rpc['google.rpc.Status'] as Codec,
      badRequest: rpc['google.rpc.BadRequest'] as Codec,
      error: apiDefinition()[`${API_PACKAGE}.Error`] as Codec,
    };
  }
  return codecs;
}

/** The google.rpc.Status bytes for one error. */
export function encodeStatusDetails(
  code: number,
  error: ErrorShape,
  violations: FieldViolation[] | undefined,
): Buffer {
  const c = codecsOf();
  const details = [{ type_url: API_ERROR_TYPE_URL, value: c.error.serialize(error) }];
  if (violations !== undefined && violations.length > 0) {
    details.push({
      type_url: BAD_REQUEST_TYPE_URL,
      value: c.badRequest.serialize({ field_violations: violations }),
    });
  }
  return c.status.serialize({ code, message: error.message, details });
}

/** The status a Centrifugo error answers with in transport error mode. */
export function transportStatus(error: ErrorShape, violations?: FieldViolation[]): GrpcStatus {
  const code = errorDef(error.code).grpcStatus;
  return {
    code,
    message: error.message,
    binary: { [STATUS_DETAILS_KEY]: encodeStatusDetails(code, error, violations) },
  };
}

/**
 * A message that protobuf cannot decode. Whatever the error mode it is INVALID_ARGUMENT with
 * 107 in the details, the counterpart of HTTP's plain 400 for a body that is not JSON: there
 * is no request to answer inside.
 */
export function undecodableStatus(
  messageType: string,
  problem: { field: string; reason: string },
): GrpcStatus {
  const error = { code: Errors.badRequest.code, message: Errors.badRequest.message };
  const violation = {
    field: problem.field,
    description: `not a valid ${messageType}: ${problem.reason}`,
  };
  const code = GrpcCode.INVALID_ARGUMENT;
  return {
    code,
    message: error.message,
    binary: { [STATUS_DETAILS_KEY]: encodeStatusDetails(code, error, [violation]) },
  };
}
