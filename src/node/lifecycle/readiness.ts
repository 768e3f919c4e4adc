// Whether this node should be sent new work, for /ready: a load balancer (a Kubernetes
// readiness probe, through the Service's endpoints) stops routing new connections and API
// calls to a node that is not ready. Two things make it unready: its engine cannot reach its
// backend (NATS disconnected: every call that needs NATS would answer 100), and a drain on
// SIGTERM (drain.ts), which turns readiness off first so that traffic moves away before
// clients are told to reconnect. Liveness is a different question (is the process wedged?),
// answered by /live: an unready node is alive, and restarting it would only add reconnects.

export interface ReadinessState {
  ready: boolean;
  /** Why not, in words (empty when ready). */
  reasons: string[];
}

export class NodeReadiness {
  #draining = false;
  readonly #engineConnected: () => boolean;

  constructor(engineConnected: () => boolean) {
    this.#engineConnected = engineConnected;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** From now on the node is unready for good: it is shutting down. */
  startDraining(): void {
    this.#draining = true;
  }

  state(): ReadinessState {
    const reasons: string[] = [];
    if (this.#draining) reasons.push('draining: shutting down');
    if (!this.#engineConnected()) reasons.push('engine disconnected: NATS is unreachable');
    return { ready: reasons.length === 0, reasons };
  }
}
