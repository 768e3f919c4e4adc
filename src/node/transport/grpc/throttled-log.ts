// Warn lines about what clients do (a connection closed for a fault or a limit), rate limited
// across clients: a flood of bad connections must not become a flood of log lines. The first
// `perWindow` lines of a window are written as they come; the rest are counted and written as
// one summary line when the window ends, with the count per reason.
import type { Logger } from '../../observability/index.ts';

const MAX_REASONS = 20;

export interface ThrottleOptions {
  perWindow: number;
  windowMs: number;
}

export class ThrottledLog {
  private readonly logger: Logger;
  private readonly options: ThrottleOptions;
  private windowStart = 0;
  private written = 0;
  private suppressed = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly message: string;

  constructor(logger: Logger, message: string, options: ThrottleOptions) {
    this.logger = logger;
    this.message = message;
    this.options = options;
  }

  warn(fields: Record<string, unknown> & { reason: string }): void {
    const now = Date.now();
    if (now - this.windowStart >= this.options.windowMs) {
      this.windowStart = now;
      this.written = 0;
    }
    if (this.written < this.options.perWindow) {
      this.written++;
      this.logger.warn(fields, this.message);
      return;
    }
    // Reasons may carry numbers (a stream id): bounded, the rest counted together.
    const key =
      this.suppressed.has(fields.reason) || this.suppressed.size < MAX_REASONS
        ? fields.reason
        : 'other';
    this.suppressed.set(key, (this.suppressed.get(key) ?? 0) + 1);
    this.timer ??= setTimeout(
      () => this.summarize(),
      this.windowStart + this.options.windowMs - now,
    ).unref();
  }

  /** Writes what is still counted; later lines are written as they come again. */
  close(): void {
    this.summarize();
  }

  private summarize(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.suppressed.size === 0) return;
    const reasons = Object.fromEntries(this.suppressed);
    const count = [...this.suppressed.values()].reduce((a, b) => a + b, 0);
    this.suppressed = new Map();
    this.logger.warn(
      { suppressed: count, reasons, windowMs: this.options.windowMs },
      `${this.message} (more, not logged one by one)`,
    );
  }
}
