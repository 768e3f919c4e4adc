// The drain a node runs on SIGTERM, before it closes (start-node.ts close()), so that a
// rolling update or a scale-down loses nothing:
//  1. readiness off (/ready answers 503), every HTTP response says `Connection: close`
//     (keep-alive-drain.ts), new WebSocket upgrades get 503: new work goes elsewhere while
//     the node still serves everything already here;
//  2. wait shutdown.drain_delay: the time a load balancer takes to see the readiness change
//     and drop the node from its endpoints (Kubernetes: the EndpointSlice update reaching
//     kube-proxy and ingress controllers);
//  3. GOAWAY to gRPC clients (they finish their calls and reconnect elsewhere), and tell the
//     WebSocket clients to reconnect with Centrifugo's shutdown disconnect (3001, which the
//     SDKs answer with a reconnect and a recovery), spread over shutdown.disconnect_window so
//     the other nodes see a steady stream of reconnects rather than a storm;
//  4. then close() stops the listeners (only connections idle through the whole drain are
//     left), waits for requests in flight (shutdown.timeout) and closes the engine.
// Both settings default to 0 (Centrifugo has no drain: it disconnects everyone at once);
// the operator sets them and derives the pod's terminationGracePeriodSeconds from them.
import { setTimeout as sleep } from 'node:timers/promises';
import { type Config, durationMs } from '../config/index.ts';
import { Disconnects } from '../core/index.ts';
import type { Logger } from '../observability/index.ts';
import type { NodeReadiness } from './readiness.ts';
import { closeSpread } from './spread-disconnect.ts';

/** What a drain closes a client connection with. */
type Disconnect = (typeof Disconnects)['shutdown'];

export interface DrainPlan {
  readiness: NodeReadiness;
  shutdown: Config['shutdown'];
  /** The client connections to tell to reconnect, read after the delay. */
  connections: () => Iterable<{ close(disconnect: Disconnect): void }>;
  /** Called after the delay, before the disconnects: starts the gRPC GOAWAY. */
  afterDelay?: () => void;
  logger: Logger;
}

export async function drainNode(plan: DrainPlan): Promise<void> {
  const { logger } = plan;
  const delayMs = durationMs(plan.shutdown.drain_delay);
  const windowMs = durationMs(plan.shutdown.disconnect_window);
  plan.readiness.startDraining();
  logger.info(
    { drainDelay: plan.shutdown.drain_delay, disconnectWindow: plan.shutdown.disconnect_window },
    'draining: not ready, answering with Connection: close, refusing new WebSocket connections',
  );
  if (delayMs > 0) await sleep(delayMs);
  plan.afterDelay?.();
  const connections = [...plan.connections()];
  logger.info(
    { clients: connections.length, disconnectWindow: plan.shutdown.disconnect_window },
    'draining: disconnecting clients with 3001 (shutdown) so they reconnect elsewhere',
  );
  await closeSpread(connections, (c) => c.close(Disconnects.shutdown), { windowMs });
  logger.info('drained');
}
