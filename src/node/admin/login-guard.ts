// Admin logins: the password compared in constant time, and wrong passwords rate limited per
// node. Centrifugo answers every wrong password at once, forever; here a node takes a burst of
// LOGIN_LIMIT.burst wrong passwords, then one per LOGIN_LIMIT.refillMs, and refuses every login
// (right password or not: a guess must not be confirmed) with 429 in between. Each attempt is
// counted in centrifugo_admin_login_attempts_total{result}; the log says that wrong passwords
// come once per burst (then once a minute with the count), never which password was tried.
import { createApiKeyCheck } from '../auth/index.ts';
import type { Logger } from '../observability/index.ts';
import { RateLimitedLog } from '../observability/index.ts';

export const LOGIN_LIMIT = { burst: 10, refillMs: 6_000 } as const;

export type LoginResult =
  | { result: 'success' }
  | { result: 'wrong_password' }
  | { result: 'rate_limited'; retryAfterS: number }
  /** admin.password or admin.secret is empty: no login can succeed. */
  | { result: 'not_configured' };

export interface LoginCounter {
  inc(labels: { result: LoginResult['result'] }): void;
}

export class LoginGuard {
  private readonly matches: (given: string) => boolean;
  private readonly configured: boolean;
  private readonly counter: LoginCounter;
  private readonly log: RateLimitedLog;
  private readonly logger: Logger;
  private readonly nowMs: () => number;
  private readonly limit: { burst: number; refillMs: number };
  /** Wrong passwords the bucket still takes, refilled over time. */
  private tokens: number;
  private refilledAt: number;

  constructor(opts: {
    password: string;
    secret: string;
    counter: LoginCounter;
    logger: Logger;
    nowMs?: () => number;
    limit?: { burst: number; refillMs: number };
  }) {
    this.matches = createApiKeyCheck(opts.password);
    this.configured = opts.password !== '' && opts.secret !== '';
    this.counter = opts.counter;
    this.logger = opts.logger;
    this.nowMs = opts.nowMs ?? Date.now;
    this.log = new RateLimitedLog(opts.logger, 60_000, this.nowMs);
    this.limit = opts.limit ?? LOGIN_LIMIT;
    this.tokens = this.limit.burst;
    this.refilledAt = this.nowMs();
  }

  attempt(password: string, remote: string | undefined): LoginResult {
    const outcome = this.decide(password, remote);
    this.counter.inc({ result: outcome.result });
    return outcome;
  }

  private decide(password: string, remote: string | undefined): LoginResult {
    if (!this.configured) {
      this.log.warn(
        'admin_not_configured',
        'admin login refused: set admin.password and admin.secret',
      );
      return { result: 'not_configured' };
    }
    this.refill();
    if (this.tokens < 1) {
      const retryAfterS = Math.ceil(((1 - this.tokens) * this.limit.refillMs) / 1000);
      this.log.warn(
        'admin_login_limited',
        'admin logins refused: too many wrong passwords',
        () => ({
          remote,
          retryAfterS,
        }),
      );
      return { result: 'rate_limited', retryAfterS };
    }
    if (this.matches(password)) {
      this.logger.info({ remote }, 'admin login');
      return { result: 'success' };
    }
    this.tokens -= 1;
    this.log.warn('admin_wrong_password', 'admin login refused: wrong password', () => ({
      remote,
    }));
    return { result: 'wrong_password' };
  }

  private refill(): void {
    const now = this.nowMs();
    const earned = (now - this.refilledAt) / this.limit.refillMs;
    this.tokens = Math.min(this.limit.burst, this.tokens + earned);
    this.refilledAt = now;
  }
}
