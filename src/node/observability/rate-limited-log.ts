// One log line per cause, not per event: a flood of refusals of one kind (slow clients,
// oversized bodies, wrong keys) writes its first occurrence at once, then at most one line
// per interval that also counts the occurrences left out since the last line. Exact counts
// belong in /metrics; the log says that it happens and why.
import type { Logger } from 'pino';

interface CauseState {
  lastAt: number;
  unlogged: number;
}

export class RateLimitedLog {
  private readonly causes = new Map<string, CauseState>();
  private readonly logger: Logger;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(logger: Logger, intervalMs = 60_000, now: () => number = Date.now) {
    this.logger = logger;
    this.intervalMs = intervalMs;
    this.now = now;
  }

  /**
   * Logs `msg` at warn for `cause` unless the cause logged within the interval. `fields` is
   * called only for a line that is written. Causes are a fixed set named in code (or built
   * from configured names), so the map stays small.
   */
  warn(cause: string, msg: string, fields?: () => Record<string, unknown>): void {
    this.write('warn', cause, msg, fields);
  }

  /** As warn, at error level. */
  error(cause: string, msg: string, fields?: () => Record<string, unknown>): void {
    this.write('error', cause, msg, fields);
  }

  /** As warn, at info level. */
  info(cause: string, msg: string, fields?: () => Record<string, unknown>): void {
    this.write('info', cause, msg, fields);
  }

  private write(
    level: 'warn' | 'error' | 'info',
    cause: string,
    msg: string,
    fields?: () => Record<string, unknown>,
  ): void {
    const at = this.now();
    const state = this.causes.get(cause);
    if (state !== undefined && at - state.lastAt < this.intervalMs) {
      state.unlogged++;
      return;
    }
    const unlogged = state?.unlogged ?? 0;
    this.causes.set(cause, { lastAt: at, unlogged: 0 });
    const extra = fields?.() ?? {};
    this.logger[level](
      unlogged > 0 ? { cause, ...extra, moreSinceLastLine: unlogged } : { cause, ...extra },
      msg,
    );
  }
}
