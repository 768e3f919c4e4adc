/** The stream no longer holds the asked-for range, or the position names another epoch (API 112). */
export class UnrecoverablePositionError extends Error {
  override name = 'UnrecoverablePositionError';
  constructor(message = 'unrecoverable position', options?: { cause?: unknown }) {
    super(message, options);
  }
}
