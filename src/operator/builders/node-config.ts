// The node's config.json for a spec: the user's spec.config with what the operator owns laid
// over it (engine from spec.engine, fixed container ports, /health on), validated against the
// node's own schema. It never holds a secret: those reach the pods as CENTRIFUGO_* env from
// the credentials Secret, and the CRD's CEL rules keep them out of spec.config.
//
// The drain on SIGTERM (shutdown.drain_delay, shutdown.disconnect_window: src/node/lifecycle/
// drain.ts) is off in a bare node; on Kubernetes it is on unless spec.config sets it
// (DRAIN_DEFAULTS), and the pod's grace period and rollout pace follow from it
// (deployment.ts).
import { durationMs, validateConfig } from '../../node/config/index.ts';
import type { CentrifugoSpec } from '../crd/index.ts';
import { canonicalJson, sha256Hex } from './hash.ts';
import { mergeOverrides } from './merge.ts';
import { CLIENT_PORT, GRPC_PORT, INTERNAL_PORT, NATS_CREDS_DIR, NATS_CREDS_FILE } from './names.ts';

export interface NodeConfig {
  /** The config object written to config.json. */
  config: Record<string, unknown>;
  json: string;
  hash: string;
  grpcEnabled: boolean;
  healthPath: string;
  readyPath: string;
  livePath: string;
  /** The node's drain and shutdown bounds, in milliseconds, as the node will read them. */
  drain: { delayMs: number; windowMs: number; shutdownTimeoutMs: number };
  /**
   * The longest a live client connection stays silent: the server pings every
   * client.ping_interval and waits client.pong_timeout for the answer.
   */
  clientSilenceMs: number;
  metricsEnabled: boolean;
  metricsPath: string;
}

/**
 * The drain a node on Kubernetes runs unless spec.config.shutdown says otherwise. 5 s covers
 * the EndpointSlice change reaching kube-proxy and ingress controllers (the time the official
 * Centrifugo chart's preStop sleep gives), and a load balancer that follows the readiness
 * probe instead (2 s x 2 failures, deployment.ts); over 10 s, a node of 10,000 clients sends
 * 1,000 reconnects a second to the others instead of 10,000 at once.
 */
export const DRAIN_DEFAULTS = { drain_delay: '5s', disconnect_window: '10s' } as const;

/**
 * The node config for a (defaulted) spec. Throws the node's ConfigError when the result would
 * not start a node (unknown key, wrong type): the reconciler reports it as
 * Stalled/InvalidConfig instead of rolling out pods that crash.
 */
export function nodeConfig(spec: CentrifugoSpec): NodeConfig {
  const user = structuredClone(spec.config ?? {});
  const nats = spec.engine.nats;
  const owned: Record<string, unknown> = {
    http_server: { port: CLIENT_PORT, internal_port: String(INTERNAL_PORT) },
    health: { enabled: true },
    engine: { type: spec.engine.type },
  };
  if (spec.engine.type === 'nats' && nats) {
    const natsConfig: Record<string, unknown> = { urls: nats.urls };
    if (nats.prefix !== undefined) natsConfig.prefix = nats.prefix;
    if (nats.replicas !== undefined) natsConfig.replicas = nats.replicas;
    if (nats.credentialsSecretRef?.credsKey !== undefined) {
      natsConfig.creds_file = `${NATS_CREDS_DIR}/${NATS_CREDS_FILE}`;
    }
    owned.engine = { type: 'nats', nats: natsConfig };
  }
  // Metrics are on unless the user turned them off explicitly.
  const prometheus = (user.prometheus ?? {}) as Record<string, unknown>;
  if (prometheus.enabled === undefined) owned.prometheus = { enabled: true };
  // The admin UI listens on the internal port (http_server.internal_port is set above), so
  // the internal Service exposes it; its password and secret come from the Secret.
  if (spec.admin.enabled) owned.admin = { enabled: true };
  const grpc = (user.grpc_api ?? {}) as Record<string, unknown>;
  if (grpc.enabled === true) owned.grpc_api = { port: GRPC_PORT };

  // Defaults under the user's values, not over them.
  owned.shutdown = { ...DRAIN_DEFAULTS, ...((user.shutdown ?? {}) as Record<string, unknown>) };
  // Pods the autoscaler adds get their share of connections (src/node/lifecycle/rebalance.ts).
  if (spec.autoscaling.enabled) {
    owned.rebalance = { enabled: true, ...((user.rebalance ?? {}) as Record<string, unknown>) };
  }

  const config = mergeOverrides(user, owned) as Record<string, unknown>;
  const validated = validateConfig(config);
  const json = `${canonicalJson(config)}\n`;
  return {
    config,
    json,
    hash: sha256Hex(json),
    grpcEnabled: validated.grpc_api.enabled,
    healthPath: validated.health.handler_prefix,
    readyPath: validated.health.ready_handler_prefix,
    livePath: validated.health.live_handler_prefix,
    drain: {
      delayMs: durationMs(validated.shutdown.drain_delay),
      windowMs: durationMs(validated.shutdown.disconnect_window),
      shutdownTimeoutMs: durationMs(validated.shutdown.timeout),
    },
    clientSilenceMs:
      durationMs(validated.client.ping_interval) + durationMs(validated.client.pong_timeout),
    metricsEnabled: validated.prometheus.enabled,
    metricsPath: validated.prometheus.handler_prefix,
  };
}
