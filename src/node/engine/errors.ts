/** The stream no longer holds the asked-for range, or the position names another epoch (API 112). */
export class UnrecoverablePositionError extends Error {
  override name = 'UnrecoverablePositionError';
  constructor(message = 'unrecoverable position', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The engine's backend did not answer in time or is unreachable (API 100). The engine counts
 * and reports these itself, once per outage, so callers answer the error without logging it.
 * It carries no stack trace: its message says what failed, and during an outage thousands
 * are thrown.
 */
export class EngineUnavailableError extends Error {
  override name = 'EngineUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.stack = `${this.name}: ${message}`;
  }
}
