// Why a proxy call gave no answer to act on. Centrifugo answers every one of these the same
// way (the command gets error 100, refresh calls retry a minute later); the kind says which
// it was in the log, and `status` is what status_to_code_transforms match.
export type ProxyFailure =
  /** No answer within the proxy's timeout. */
  | 'timeout'
  /** No connection, a reset, a TLS failure, a gRPC status other than OK. */
  | 'unreachable'
  /** An HTTP status other than 200. */
  | 'status'
  /** An answer that is not the message it should be (not JSON, wrong types, too large). */
  | 'answer'
  /** A request that cannot be written (binary data to a JSON proxy). */
  | 'request'
  /** The client connection closed while the call was in flight. */
  | 'closed';

export class ProxyCallError extends Error {
  override name = 'ProxyCallError';
  readonly kind: ProxyFailure;
  /** The HTTP status, for kind `status`. */
  readonly status: number;

  constructor(
    kind: ProxyFailure,
    message: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.kind = kind;
    this.status = options.status ?? 0;
  }
}
