// A spec that cannot be reconciled until the user changes something (invalid config, a
// referenced Secret missing, a child the API server rejects): the reconciler reports it as
// Stalled with `reason` and does not retry with backoff, only after `requeueAfterMs` when the
// thing waited for is not watched.
export class StalledError extends Error {
  override name = 'StalledError';
  readonly reason: string;
  readonly requeueAfterMs: number | undefined;
  constructor(reason: string, message: string, requeueAfterMs?: number, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
    this.requeueAfterMs = requeueAfterMs;
  }
}
