// How node pods are replaced, derived from the node's drain (node-config.ts: drain_delay,
// disconnect_window, shutdown.timeout; src/node/lifecycle/drain.ts runs it on SIGTERM):
// - terminationGracePeriodSeconds covers the whole drain, then shutdown.timeout for requests
//   in flight, then a margin for the exit: the kubelet's SIGKILL never cuts a drain short.
// - maxUnavailable 0: a pod is stopped only once its replacement is available, so the
//   clients it tells to reconnect always find the full capacity (with replicas: 1 anything
//   else is an outage). maxSurge 1: one extra pod at a time, so at most one pod drains at a
//   time and a rollout needs room for one more pod only.
// - minReadySeconds = the drain (delay + window): the next old pod stops only after the
//   previous one has finished telling its clients to go, so reconnect waves never overlap;
//   a new pod that fails within that time also stops the rollout.
// No preStop hook: the node drains itself on SIGTERM (readiness off, Connection: close,
// then the spread disconnects), which is what a preStop sleep would buy and more, since it
// starts the moment the pod is deleted and also works outside Kubernetes. A preStop sleep
// would only hold SIGTERM back, keeping keep-alive API clients on the pod meanwhile.
import type { NodeConfig } from './node-config.ts';

/** Seconds between the end of shutdown.timeout and the kubelet's SIGKILL. */
export const EXIT_MARGIN_SECONDS = 5;

export function rolloutSettings({ drain }: Pick<NodeConfig, 'drain'>) {
  const drainSeconds = Math.ceil((drain.delayMs + drain.windowMs) / 1000);
  return {
    terminationGracePeriodSeconds:
      Math.ceil((drain.delayMs + drain.windowMs + drain.shutdownTimeoutMs) / 1000) +
      EXIT_MARGIN_SECONDS,
    minReadySeconds: drainSeconds,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
  };
}
