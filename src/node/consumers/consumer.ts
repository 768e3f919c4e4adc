// What every consumer type gets and gives. A consumer marks a message done (deletes the row,
// commits the offset, acks) only after dispatch returned: at least once, never lost.
import type { Logger, RateLimitedLog } from '../observability/index.ts';
import type { Dispatcher } from './dispatch.ts';

export interface Consumer {
  /**
   * Connects and begins consuming; rejects when the source cannot be reached at startup (the
   * node then does not start, as Centrifugo exits). Later failures are retried forever.
   */
  start(): Promise<void>;
  /** Stops taking messages, lets the one in hand finish, disconnects. Idempotent. */
  close(): Promise<void>;
}

/** One consumer's share of the node: its name in logs and metrics, and the dispatcher. */
export interface ConsumerContext {
  readonly name: string;
  /** This node's ID: the consumer name of this node inside a Redis consumer group. */
  readonly nodeId: string;
  readonly dispatcher: Dispatcher;
  readonly logger: Logger;
  /** For errors that repeat (one line per cause per interval, with the count left out). */
  readonly log: RateLimitedLog;
  processed(count?: number): void;
  failed(): void;
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
