// A node's own lifetime beyond serving, in one owner that start-node.ts wires: readiness
// (readiness.ts), HTTP keep-alive while draining (keep-alive-drain.ts), the drain on SIGTERM
// (drain.ts) and scale-up rebalancing (rebalance.ts). The WebSocket endpoint asks it whether
// to refuse new connections; /ready asks it for the readiness. It reaches the engine and
// the cluster only through the Node (core/node.ts).
import type { Server } from 'node:http';
import type { Config } from '../config/index.ts';
import type { Node } from '../core/index.ts';
import type { Logger } from '../observability/index.ts';
import { drainNode } from './drain.ts';
import { closeKeepAliveWhileDraining } from './keep-alive-drain.ts';
import { NodeReadiness, type ReadinessState } from './readiness.ts';
import { Rebalancer } from './rebalance.ts';

export interface NodeLifecycleOptions {
  config: Config;
  /** The node's coordinator: its engine's connectivity, the cluster's nodes, its clients. */
  node: Node;
  logger: Logger;
}

export class NodeLifecycle {
  readonly #o: NodeLifecycleOptions;
  readonly #readiness: NodeReadiness;
  readonly #rebalancer: Rebalancer;
  #drained: Promise<void> | undefined;

  constructor(o: NodeLifecycleOptions) {
    this.#o = o;
    const { node } = o;
    this.#readiness = new NodeReadiness(() => node.engineConnected());
    this.#rebalancer = new Rebalancer({
      settings: o.config.rebalance,
      selfUid: node.uid,
      nodes: () => node.nodes(),
      connections: () => node.localClients(),
      draining: () => this.draining,
      logger: o.logger,
    });
    // The other nodes hold off their rebalancing while this one drains.
    node.announceDraining(() => this.draining);
  }

  get draining(): boolean {
    return this.#readiness.draining;
  }

  readiness(): ReadinessState {
    return this.#readiness.state();
  }

  /** New WebSocket connections get 503: the node drains, or sheds its excess. */
  refusingNew(): boolean {
    return this.draining || this.#rebalancer.refusingNew;
  }

  /** Every response of these servers closes its connection once the drain begins. */
  watch(servers: Server[]): void {
    for (const server of servers) closeKeepAliveWhileDraining(server, () => this.draining);
  }

  start(): void {
    this.#rebalancer.start();
  }

  /** The drain (drain.ts); `afterDelay` starts the gRPC GOAWAY. Idempotent. */
  drain(afterDelay: () => void): Promise<void> {
    this.#rebalancer.close();
    this.#drained ??= drainNode({
      readiness: this.#readiness,
      shutdown: this.#o.config.shutdown,
      connections: () => this.#o.node.localClients(),
      afterDelay,
      logger: this.#o.logger,
    });
    return this.#drained;
  }

  close(): void {
    this.#rebalancer.close();
  }
}
