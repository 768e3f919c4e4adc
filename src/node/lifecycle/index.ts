export { type DrainPlan, drainNode } from './drain.ts';
export { closeKeepAliveWhileDraining } from './keep-alive-drain.ts';
export { NodeLifecycle, type NodeLifecycleOptions } from './node-lifecycle.ts';
export { NodeReadiness, type ReadinessState } from './readiness.ts';
export { excessClients, Rebalancer } from './rebalance.ts';
export { closeSpread } from './spread-disconnect.ts';
