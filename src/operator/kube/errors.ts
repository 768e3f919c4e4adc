// Errors of the Kubernetes API, one class: callers branch on `code` and `reason` (the API's
// metav1.Status), never on message text.

export class KubeApiError extends Error {
  override name = 'KubeApiError';
  /** HTTP status: 404 NotFound, 409 Conflict/AlreadyExists, 410 Gone, 422 Invalid, ... */
  readonly code: number;
  /** metav1.Status reason: NotFound, AlreadyExists, Conflict, Invalid, Expired, ... */
  readonly reason: string;
  readonly method: string;
  readonly path: string;
  /** The Status object the server sent, when it sent one. */
  readonly status: Record<string, unknown> | undefined;

  constructor(
    method: string,
    path: string,
    code: number,
    reason: string,
    message: string,
    status?: Record<string, unknown>,
  ) {
    super(`${method} ${path}: ${code} ${reason}: ${message}`);
    this.method = method;
    this.path = path;
    this.code = code;
    this.reason = reason;
    this.status = status;
  }

  /** The server's own message, without the request prefix. */
  get serverMessage(): string {
    const message = this.status?.message;
    return typeof message === 'string' ? message : this.message;
  }
}

export const isNotFound = (err: unknown) => err instanceof KubeApiError && err.code === 404;
/** 409: a stale resourceVersion (Conflict) or a create of something that exists. */
export const isConflict = (err: unknown) => err instanceof KubeApiError && err.code === 409;
export const isAlreadyExists = (err: unknown) =>
  err instanceof KubeApiError && err.code === 409 && err.reason === 'AlreadyExists';
export const isGone = (err: unknown) => err instanceof KubeApiError && err.code === 410;
/** A request the server refused as invalid: retrying the same request cannot succeed. */
export const isInvalid = (err: unknown) =>
  err instanceof KubeApiError && (err.code === 422 || err.code === 400);

export class KubeConfigError extends Error {
  override name = 'KubeConfigError';
}
