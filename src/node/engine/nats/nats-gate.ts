// Every engine call that needs NATS runs through the gate, which bounds it: it answers
// EngineUnavailableError (API 100) at once while the connection is down, within
// engine.nats.request_timeout otherwise, and the moment the connection drops under a call in
// flight. Each call's deadline starts when the call does, so calls queued behind each other
// (one channel's publishes) never wait a full timeout each. The gate also owns what an
// operator reads about NATS: one line when the connection is lost, one when it is back with
// the count of calls that failed meanwhile, and failures while connected summed up every
// REPORT_INTERVAL_MS instead of one line (and stack trace) per failed call.
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger, NodeMetrics } from '../../observability/index.ts';
import { EngineUnavailableError } from '../errors.ts';

export const REPORT_INTERVAL_MS = 10_000;

/** What a call body may ask of its bound. */
export interface CallScope {
  /** Milliseconds left for this call; throws once it is over (deadline, lost connection). */
  remaining(): number;
  /** Waits `ms`, or throws if the call is over before. */
  pause(ms: number): Promise<void>;
}

export interface NatsGateOptions {
  nc: NatsConnection;
  requestTimeoutMs: number;
  logger: Logger;
  metrics?: Pick<NodeMetrics, 'natsConnected' | 'natsDisconnects'> | undefined;
  /** How often failures while connected are summed up in one line; REPORT_INTERVAL_MS. */
  reportIntervalMs?: number;
}

export class NatsGate {
  private connected = true;
  private downSince = 0;
  private readonly o: NatsGateOptions;
  /** Ends every call in flight (with the error given) when the connection drops. */
  private readonly inFlight = new Set<(err: EngineUnavailableError) => void>();
  /** Failures during the current outage, by call. */
  private readonly outage = new Map<string, number>();
  /** Failures while connected since the last report, by call, and the newest reason. */
  private readonly recent = new Map<string, number>();
  private lastReason = '';
  private reportTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(o: NatsGateOptions) {
    this.o = o;
    o.metrics?.natsConnected.set(1);
    // The status stream ends when the connection closes for good (engine close).
    this.watch().catch(() => {});
  }

  private get interval(): number {
    return this.o.reportIntervalMs ?? REPORT_INTERVAL_MS;
  }

  get up(): boolean {
    return this.connected;
  }

  /**
   * Runs `body` bounded as the header says. Errors of NATS itself (timeouts, no responders,
   * a lost connection) become EngineUnavailableError and are counted; refusals and the
   * engine's own errors pass through unchanged.
   */
  async call<T>(what: string, body: (scope: CallScope) => Promise<T>): Promise<T> {
    if (!this.connected)
      throw this.failed(what, new EngineUnavailableError(`${what}: NATS is disconnected`));
    const timeoutMs = this.o.requestTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    let over: Error | undefined;
    let end: (err: EngineUnavailableError) => void = () => {};
    const ended = new Promise<never>((_, reject) => {
      end = (err) => {
        over ??= err;
        reject(over);
      };
    });
    const timer = setTimeout(
      () => end(new EngineUnavailableError(`${what}: no answer from NATS in ${timeoutMs} ms`)),
      timeoutMs,
    );
    this.inFlight.add(end);
    const scope: CallScope = {
      remaining: () => {
        if (over) throw over;
        const left = deadline - Date.now();
        if (left <= 0) {
          end(new EngineUnavailableError(`${what}: no answer from NATS in ${timeoutMs} ms`));
          throw over;
        }
        return left;
      },
      pause: (ms) =>
        Promise.race([
          new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, scope.remaining()))),
          ended,
        ]),
    };
    const running = body(scope);
    // Once the call is over the body may still settle; its outcome is no longer anyone's.
    running.catch(() => {});
    ended.catch(() => {});
    try {
      return await Promise.race([running, ended]);
    } catch (err) {
      over ??= err as Error;
      if (err instanceof EngineUnavailableError) throw this.failed(what, err);
      if (isNatsFailure(err)) {
        throw this.failed(
          what,
          new EngineUnavailableError(`${what}: ${(err as Error).message}`, { cause: err }),
        );
      }
      throw err;
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(end);
    }
  }

  /** A failure outside any caller's call (background writes, refreshes): counted, summed up. */
  background(what: string, err: unknown): void {
    this.failed(what, new EngineUnavailableError(`${what}: ${(err as Error)?.message ?? err}`));
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.reportTimer);
    this.flushReport();
  }

  private failed(what: string, err: EngineUnavailableError): EngineUnavailableError {
    if (!this.connected) {
      this.outage.set(what, (this.outage.get(what) ?? 0) + 1);
      return err;
    }
    const quiet = this.recent.size === 0 && this.reportTimer === undefined;
    this.recent.set(what, (this.recent.get(what) ?? 0) + 1);
    this.lastReason = err.message;
    if (quiet) {
      // The first failure after a quiet spell is told at once; the rest are summed up.
      this.o.logger.warn(
        { reason: err.message },
        `NATS call failed (answered 100); further failures are summed up every ${this.interval / 1000} s`,
      );
      this.recent.clear();
      this.armReport();
    }
    return err;
  }

  private armReport(): void {
    if (this.closed) return;
    this.reportTimer = setTimeout(() => {
      this.reportTimer = undefined;
      if (this.flushReport()) this.armReport();
    }, this.interval);
    this.reportTimer.unref();
  }

  /** Logs the failures since the last report; false when there were none. */
  private flushReport(): boolean {
    if (this.recent.size === 0) return false;
    const calls = Object.fromEntries(this.recent);
    const total = [...this.recent.values()].reduce((a, b) => a + b, 0);
    this.o.logger.warn(
      { failed: total, calls, lastReason: this.lastReason },
      `NATS calls failed (answered 100): ${total} in the last ${this.interval / 1000} s`,
    );
    this.recent.clear();
    return true;
  }

  private async watch(): Promise<void> {
    for await (const s of this.o.nc.status()) {
      if (s.type === 'disconnect') this.lost(s.server);
      else if (s.type === 'reconnect') this.back(s.server);
      else if (s.type === 'error') this.o.logger.error({ err: String(s.error) }, 'NATS error');
      else if (s.type === 'close') this.connected = false;
    }
  }

  private lost(server: string): void {
    if (!this.connected) return;
    this.connected = false;
    this.downSince = Date.now();
    this.o.metrics?.natsConnected.set(0);
    this.o.metrics?.natsDisconnects.inc();
    this.o.logger.warn(
      { server },
      'NATS disconnected: reconnecting; calls that need NATS answer 100 until it is back',
    );
    const err = new EngineUnavailableError('NATS disconnected');
    for (const end of [...this.inFlight]) end(err);
  }

  private back(server: string): void {
    if (this.connected) return;
    this.connected = true;
    this.o.metrics?.natsConnected.set(1);
    const calls = Object.fromEntries(this.outage);
    const failed = [...this.outage.values()].reduce((a, b) => a + b, 0);
    this.outage.clear();
    this.o.logger.info(
      { server, outageMs: Date.now() - this.downSince, failed, calls },
      `NATS reconnected after ${Date.now() - this.downSince} ms; ${failed} calls answered 100 meanwhile`,
    );
  }
}

/** Errors of NATS not answering, as opposed to a refusal (a JetStream API error with a code). */
export function isNatsFailure(err: unknown): boolean {
  const e = err as { name?: string; code?: unknown };
  if (typeof e?.code === 'number' && e.name === 'JetStreamApiError') return isElecting(err);
  return (
    [
      'TimeoutError',
      'NoResponders',
      'RequestError',
      'ClosedConnectionError',
      'DrainingConnectionError',
      'ConnectionError',
      'JetStreamNotEnabled',
    ].includes(e?.name ?? '') || isElecting(err)
  );
}

/**
 * Runs `task` again while JetStream answers as when it is electing a leader (a NATS server
 * died: a stream without a leader, replicas not yet answering direct gets), with a short
 * backoff, within the call's deadline.
 */
export async function whileElecting<T>(scope: CallScope, task: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (err) {
      if (!isElecting(err)) throw err;
      await scope.pause(electionBackoff(attempt));
    }
  }
}

/** 25, 50, 100, 200, then 250 ms, each +-50% so nodes do not retry in step. */
export function electionBackoff(attempt: number): number {
  return Math.min(25 * 2 ** Math.min(attempt - 1, 4), 250) * (0.5 + Math.random());
}

/**
 * Errors of a JetStream that is electing a stream leader or briefly unreachable: nothing was
 * stored, so the call may be tried again within its deadline.
 */
export function isElecting(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  const text = `${e?.name ?? ''} ${e?.message ?? ''}`;
  return /no responders|NoResponders|JetStreamNotEnabled|503|temporarily unavailable|no suitable peers|not current/i.test(
    text,
  );
}
