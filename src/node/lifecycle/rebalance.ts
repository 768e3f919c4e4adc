// Connections evened out across nodes after a scale-up (rebalance.*, off by default; the
// operator turns it on under spec.autoscaling). A load balancer spreads only new
// connections, so a node added to a busy cluster would stay nearly empty while the others
// keep theirs. Every rebalance.interval each node compares its client count with the mean of
// the cluster's nodes (node info over the engine); one above the mean by more than
// rebalance.tolerance percent asks its excess to reconnect with 3011 "force reconnect" (the
// SDKs reconnect at once, after their backoff, and recover), spread over rebalance.window,
// and refuses new WebSocket connections (503) until just after the window, so that those
// reconnects (and new clients) land on the emptier nodes. A new node thus gets its share
// within about one interval plus the window plus the SDKs' backoff.
//
// Nothing is done while any node drains (a rolling update or a scale-down moves clients
// already) or while the membership changed since the last look (a node just joined or left:
// its counts settle first), nor by a node that drains itself.

import type { Config } from '../config/index.ts';
import { durationMs } from '../config/index.ts';
import type { NodeInfo } from '../core/index.ts';
import { Disconnects } from '../core/index.ts';
import type { Logger } from '../observability/index.ts';
import { closeSpread } from './spread-disconnect.ts';

/** How many clients the node `self` should ask to reconnect; 0 when balanced enough. */
export function excessClients(self: string, nodes: NodeInfo[], tolerancePercent: number): number {
  if (nodes.length < 2 || nodes.some((n) => n.draining)) return 0;
  const mine = nodes.find((n) => n.uid === self);
  if (!mine) return 0;
  const mean = nodes.reduce((sum, n) => sum + n.numClients, 0) / nodes.length;
  if (mine.numClients <= mean * (1 + tolerancePercent / 100)) return 0;
  return Math.floor(mine.numClients - mean);
}

type Disconnect = (typeof Disconnects)['forceReconnect'];

/** After the window, the SDKs' first reconnect backoff (0.5 to 1 s), with room to spare. */
const REFUSE_AFTER_WINDOW_MS = 2_000;

export interface RebalancerOptions {
  settings: Config['rebalance'];
  selfUid: string;
  nodes: () => Promise<NodeInfo[]>;
  /** This node's client connections, oldest first. */
  connections: () => Iterable<{ close(disconnect: Disconnect): void }>;
  draining: () => boolean;
  logger: Logger;
}

export class Rebalancer {
  readonly #o: RebalancerOptions;
  #timer: NodeJS.Timeout | undefined;
  #lastMembers = '';
  #refusingUntil = 0;
  #running = false;

  constructor(options: RebalancerOptions) {
    this.#o = options;
  }

  /** New WebSocket connections go elsewhere while this node sheds its excess. */
  get refusingNew(): boolean {
    return Date.now() < this.#refusingUntil;
  }

  start(): void {
    if (!this.#o.settings.enabled) return;
    this.#timer = setInterval(() => void this.tick(), durationMs(this.#o.settings.interval));
    this.#timer.unref();
  }

  close(): void {
    clearInterval(this.#timer);
    this.#refusingUntil = 0;
  }

  /** One look at the cluster; resolves when the reconnects it asked for are sent. */
  async tick(): Promise<void> {
    if (this.#running || this.#o.draining()) return;
    this.#running = true;
    try {
      let nodes: NodeInfo[];
      try {
        nodes = await this.#o.nodes();
      } catch {
        return; // the engine is unreachable: the next tick looks again
      }
      const members = nodes
        .map((n) => n.uid)
        .sort()
        .join(',');
      const stable = members === this.#lastMembers;
      this.#lastMembers = members;
      if (!stable) return;
      const excess = excessClients(this.#o.selfUid, nodes, this.#o.settings.tolerance);
      if (excess <= 0) return;
      const windowMs = durationMs(this.#o.settings.window);
      // The newest connections go: the oldest have been here longest and are the least
      // likely to have just been moved.
      const chosen = [...this.#o.connections()].slice(-excess);
      this.#o.logger.info(
        { clients: chosen.length, nodes: nodes.length, window: this.#o.settings.window },
        'rebalancing: asking clients above the cluster mean to reconnect (3011)',
      );
      this.#refusingUntil = Date.now() + windowMs + REFUSE_AFTER_WINDOW_MS;
      await closeSpread(chosen, (c) => c.close(Disconnects.forceReconnect), { windowMs });
    } finally {
      this.#running = false;
    }
  }
}
