// Centrifugo's reply error codes: one catalogue for the server API and the client
// protocol, each code with its message and its transport mapping, so HTTP and gRPC
// (and later the client protocol) translate errors from one table.

export interface ErrorShape {
  code: number;
  message: string;
}

export interface ErrorDef extends ErrorShape {
  /** A retry may succeed (the client protocol's `temporary` flag). */
  temporary: boolean;
  /** Status in transport error mode (Centrifugo's MapErrorToHTTPCode). */
  httpStatus: number;
  /** gRPC status code number in transport error mode (Centrifugo's MapErrorToGRPCCode). */
  grpcStatus: number;
}

// gRPC status code numbers (google.rpc.Code).
const GRPC = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  OUT_OF_RANGE: 11,
  INTERNAL: 13,
  UNAUTHENTICATED: 16,
} as const;

const def = (
  code: number,
  message: string,
  httpStatus = 500,
  grpcStatus: number = GRPC.INTERNAL,
  temporary = false,
): ErrorDef => Object.freeze({ code, message, temporary, httpStatus, grpcStatus });

/**
 * Every reply error code. API-level transport mappings are Centrifugo v6.9.1's exactly
 * (100→500/Internal, 102,104→404/NotFound, 107,108→400/InvalidArgument,
 * 112→416/OutOfRange, 113→409/AlreadyExists); codes only the client protocol emits
 * fall back to 500/Internal as Centrifugo's default branch does.
 */
export const Errors = Object.freeze({
  internal: def(100, 'internal server error', 500, GRPC.INTERNAL, true),
  unauthorized: def(101, 'unauthorized'),
  unknownChannel: def(102, 'unknown channel', 404, GRPC.NOT_FOUND),
  permissionDenied: def(103, 'permission denied'),
  notFound: def(104, 'not found', 404, GRPC.NOT_FOUND),
  alreadySubscribed: def(105, 'already subscribed'),
  limitExceeded: def(106, 'limit exceeded'),
  badRequest: def(107, 'bad request', 400, GRPC.INVALID_ARGUMENT),
  notAvailable: def(108, 'not available', 400, GRPC.INVALID_ARGUMENT),
  tokenExpired: def(109, 'token expired'),
  expired: def(110, 'expired'),
  tooManyRequests: def(111, 'too many requests', 500, GRPC.INTERNAL, true),
  unrecoverablePosition: def(112, 'unrecoverable position', 416, GRPC.OUT_OF_RANGE),
  conflict: def(113, 'conflict', 409, GRPC.ALREADY_EXISTS),
});

export type ErrorName = keyof typeof Errors;

const BY_CODE = new Map<number, ErrorDef>(Object.values(Errors).map((e) => [e.code, e]));

/** The definition of a code; unknown codes map like Centrifugo's default branch (500/Internal). */
export function errorDef(code: number): ErrorDef {
  return BY_CODE.get(code) ?? def(code, 'internal server error');
}

/** The wire form of an error: only code and message. */
export function errorShape(e: ErrorShape): ErrorShape {
  return { code: e.code, message: e.message };
}

/** An error carrying a reply code, thrown inside the node and turned into a reply at the edge. */
export class ReplyError extends Error {
  override name = 'ReplyError';
  readonly code: number;
  constructor(e: ErrorShape, options?: { cause?: unknown }) {
    super(e.message, options);
    this.code = e.code;
  }
}
