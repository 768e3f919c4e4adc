// The port a command handler works through: what a command may read and change of its
// connection. ClientSession (session.ts) implements it; commands/ and subscriptions.ts
// import only this, never the session, so the session's state machine and the commands
// do not import each other.
import type { IncomingHttpHeaders } from 'node:http';
import type { Disconnect, HubClient } from '../core/index.ts';
import type { Format } from '../protocol/index.ts';
import type { ClientContext } from './context.ts';
import type { Subscription, SubscriptionSink } from './subscription.ts';

export interface Connection extends HubClient, SubscriptionSink {
  readonly ctx: ClientContext;
  /** The wire format: what recovered publications are written for, the proxies' `protocol`. */
  readonly format: Format;
  /** Set by connect. */
  user: string;
  /** The user of client.user_id_http_header in the connection request ('' = none). */
  readonly requestUser: string;
  connInfo: Uint8Array | undefined;
  /** Unix seconds; 0 = the connection does not expire. */
  expireAt: number;
  /** The connection meta (connect proxy answer or token `meta`), raw JSON; never sent to clients. */
  meta: Uint8Array | undefined;
  /** Headers of the HTTP request the transport came in by (the WebSocket upgrade). */
  readonly requestHeaders: IncomingHttpHeaders | undefined;
  /** The connect command's `headers`, kept only when some proxy forwards emulated headers. */
  emulatedHeaders: Readonly<Record<string, string>> | undefined;
  /** Aborted when the connection closes: proxy calls in flight for it are dropped. */
  readonly closedSignal: AbortSignal;
  /** The connection's subscriptions by channel. */
  readonly subs: Map<string, Subscription>;
  /** Client subscribes in flight (client.concurrency), by channel. */
  readonly subscribing: ReadonlyMap<string, Promise<unknown>>;
  /** Subscriptions, with those in flight: what client.channel_limit counts. */
  subscriptionCount(): number;
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
