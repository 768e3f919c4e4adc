// The port a command handler works through: what a command may read and change of its
// connection. ClientSession (session.ts) implements it; commands/ and subscriptions.ts
// import only this, never the session, so the session's state machine and the commands
// do not import each other.
import type { Disconnect, HubClient } from '../core/index.ts';
import type { Format } from '../protocol/index.ts';
import type { ClientContext } from './context.ts';
import type { Subscription, SubscriptionSink } from './subscription.ts';

export interface Connection extends HubClient, SubscriptionSink {
  readonly ctx: ClientContext;
  /** The wire format of the connection: what recovered publications are written for. */
  readonly format: Format;
  /** Set by connect. */
  user: string;
  connInfo: Uint8Array | undefined;
  /** Unix seconds; 0 = the connection does not expire. */
  expireAt: number;
  /** The connection's subscriptions by channel. */
  readonly subs: Map<string, Subscription>;
  /** Protocol ping period and pong wait; 0 when there are none (the transport pings). */
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  /** Queues a push (a Reply without id). */
  push(push: Record<string, unknown>): void;
  /** Flushes what is queued, closes with the code, then releases subscriptions. */
  close(disconnect: Disconnect): void;
  /** Re-arms the connection's expiry timer after expireAt changed. */
  scheduleExpiry(): void;
}
