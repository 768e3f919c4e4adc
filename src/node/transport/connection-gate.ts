// What every client connection endpoint checks before it takes a connection, in Centrifugo's
// order (its ConnLimit middleware, in front of every connection handler): the node's
// connection rate (client.connection_rate_limit), then its connection count
// (client.connection_limit). One per node, shared by WebSocket, uni_websocket, SSE and HTTP
// streaming and /connection/init, so one rate bucket covers them all as Centrifugo's does.
// Beyond Centrifugo, first of all: a node that drains or sheds its excess (src/node/lifecycle/)
// sends new connections to another node, before they take a token of the rate limit.
// A refused request is answered 503 with no body.
import type { ClientContext } from '../client/index.ts';
import type { Logger } from '../observability/index.ts';
import { ConnectionRateLimit } from './websocket/connection-rate.ts';

/** Centrifugo logs a reached connection limit at most once in 3 s. */
const LIMIT_LOG_INTERVAL_MS = 3000;

export class ConnectionGate {
  private readonly rate: ConnectionRateLimit;
  private readonly ctx: ClientContext;
  private readonly logger: Logger;
  private limitLoggedAt = 0;
  /** True while the node drains or sheds its excess. */
  private readonly refusingNew: () => boolean;

  constructor(ctx: ClientContext, logger: Logger, refusingNew: () => boolean = () => false) {
    this.ctx = ctx;
    this.logger = logger;
    this.refusingNew = refusingNew;
    this.rate = new ConnectionRateLimit(ctx.config.client.connection_rate_limit);
  }

  /** Whether a new connection may come in now (false: answer 503). */
  admit(): boolean {
    if (this.refusingNew()) return false;
    if (!this.rate.allow()) return false;
    const limit = this.ctx.config.client.connection_limit;
    if (limit > 0 && this.ctx.node.counts().numClients >= limit) {
      this.ctx.metrics.clientConnectionLimit.inc();
      const now = Date.now();
      if (now - this.limitLoggedAt > LIMIT_LOG_INTERVAL_MS) {
        this.limitLoggedAt = now;
        this.logger.warn({ limit }, 'node connection limit reached');
      }
      return false;
    }
    return true;
  }
}
