// The details a bad request carries in transport error mode, beyond Centrifugo: the fields at
// fault as a google.rpc.BadRequest. gRPC sends it binary inside google.rpc.Status; HTTP sends
// the same thing in its JSON mapping (as grpc-gateway does), so one client-side reader of
// `details` serves both transports.
import type { FieldViolation } from './results.ts';

export const BAD_REQUEST_TYPE_URL = 'type.googleapis.com/google.rpc.BadRequest';
/** Centrifugo puts its Error message in the gRPC status details; centrifugo-ts keeps it first. */
export const API_ERROR_TYPE_URL = 'type.googleapis.com/centrifugal.centrifugo.api.Error';

export interface BadRequestJson {
  '@type': typeof BAD_REQUEST_TYPE_URL;
  fieldViolations: FieldViolation[];
}

/** The `details` array of an HTTP transport-mode error body. */
export function badRequestDetailsJson(violations: FieldViolation[]): BadRequestJson[] {
  return [
    {
      '@type': BAD_REQUEST_TYPE_URL,
      fieldViolations: violations.map((v) => ({ field: v.field, description: v.description })),
    },
  ];
}
