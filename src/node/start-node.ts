// Wires one node from a validated Config: the engine, the Node that is its only caller,
// the node's lifecycle (readiness, the drain, the rebalancing) and the two front doors (the
// API executor, the client context with its outbox), then the transports (HTTP, WebSocket,
// SSE and HTTP streaming, the unidirectional ones, gRPC). Everything is created here and
// closed by close(), so nodes in one process share nothing. serve (CLI) and the integration
// tests both start nodes through here.
import { hostname } from 'node:os';
import { adminRoutes, TraceStreams } from './admin/index.ts';
import { ApiExecutor } from './api/index.ts';
import { subscriptionTokenSection, TokenVerifier, tokenKeysOf } from './auth/index.ts';
import {
  AdminInspector,
  type ClientContext,
  clientTimings,
  Disconnects,
  Outbox,
} from './client/index.ts';
import { type Config, durationMs } from './config/index.ts';
import { ConsumerSet } from './consumers/index.ts';
import { ChannelRules, LocalNode, Node } from './core/index.ts';
import { type Engine, MemoryEngine } from './engine/index.ts';
import { NodeLifecycle } from './lifecycle/index.ts';
import type { Logger } from './observability/index.ts';
import { InfoMetrics, NodeMetrics } from './observability/index.ts';
import { ProxySet } from './proxy/index.ts';
import type { GrpcApiServer } from './transport/grpc/index.ts';
import { buildHttpListeners, type ClientRoute, type HttpListener } from './transport/http/index.ts';
import { ConnectionGate } from './transport/index.ts';
import { emulationEndpoint, pathOf, StreamingEndpoints } from './transport/streaming/index.ts';
import type { UniGrpcServer } from './transport/uni-grpc/index.ts';
import {
  routeUpgrades,
  type UpgradeEndpoint,
  uniWebSocketEndpoint,
  webSocketEndpoint,
} from './transport/websocket/index.ts';
import { VERSION } from './version.ts';

export interface RunningNode {
  /** The node's coordinator (its identity, hub and counts are read from here). */
  readonly node: Node;
  readonly metrics: NodeMetrics;
  /** Where each listener is bound (the real port when 0 was asked for). */
  readonly addresses: Array<{
    role: HttpListener['role'];
    host: string;
    port: number;
    tls: boolean;
  }>;
  /** The gRPC server API listener, when grpc_api.enabled. */
  readonly grpc: GrpcApiServer | undefined;
  /**
   * The drain before close (lifecycle/drain.ts): unready, shutdown.drain_delay, then the
   * clients told to reconnect over shutdown.disconnect_window. Resolves when it is done.
   */
  drain(): Promise<void>;
  /** The unidirectional gRPC listener, when uni_grpc.enabled. */
  readonly uniGrpc: UniGrpcServer | undefined;
  /** Stops accepting, lets in-flight requests finish, then closes the engine. Idempotent. */
  close(): Promise<void>;
}

export async function startNode(config: Config, logger: Logger): Promise<RunningNode> {
  const metrics = new NodeMetrics(VERSION);
  metrics.forEngine(config.engine.type);
  const rules = new ChannelRules(config.channel);
  // The event proxies first: a bad TLS file of one stops startup before anything listens.
  // They open no socket until a call; close() ends their sockets with the node.
  const proxies = await ProxySet.create(config, { metrics, logger });
  const local = new LocalNode({
    name: config.node.name || `${hostname()}_${config.http_server.port}`,
    version: VERSION,
  });
  const engine = await createEngine(config, rules, local, logger, metrics);
  // info's `metrics`: a snapshot now and every interval, as Centrifugo's nodes share theirs.
  const infoMetrics = new InfoMetrics(
    () => metrics.families(),
    durationMs(config.node.info_metrics_aggregate_interval) || 60_000,
  );
  await infoMetrics.start();
  // The Node first: it is the engine's only caller and the event handler of its broker;
  // then the front doors that call it, then the transports that frame their bytes.
  const node = new Node({
    local,
    engine,
    rules,
    metrics,
    logger,
    recoveryMaxPublicationLimit: config.client.recovery_max_publication_limit,
    positionCheckIntervalMs: durationMs(config.client.channel_position_check_delay),
    infoMetrics: () => infoMetrics.current(),
  });
  try {
    await node.start();
  } catch (err) {
    infoMetrics.close();
    proxies.close();
    await node.close();
    throw err;
  }
  // Readiness, the drain and the rebalancing (lifecycle/): through the Node, like the doors.
  const lifecycle = new NodeLifecycle({ config, node, logger });
  const executor = new ApiExecutor({ node, metrics, logger }, 'http');
  const outbox = new Outbox(metrics);

  const clientContext: ClientContext = {
    config,
    node,
    rules,
    outbox,
    proxies,
    connectTokens: new TokenVerifier(tokenKeysOf(config.client.token), tokenOptions(config)),
    subscribeTokens: new TokenVerifier(
      tokenKeysOf(subscriptionTokenSection(config)),
      tokenOptions(config),
    ),
    logger,
    metrics,
    version: VERSION,
    timings: clientTimings(config.client),
  };

  // Async consumers (consumers[]): commands from queues and tables through the same executor.
  const consumers = new ConsumerSet({
    configs: config.consumers,
    executor,
    registry: metrics.registry,
    logger,
    nodeId: node.uid,
  });
  // The client transports: one connection gate (draining, rate and connection limits) for
  // them all.
  const gate = new ConnectionGate(clientContext, logger, () => lifecycle.refusingNew());
  const streaming = new StreamingEndpoints({ ctx: clientContext, gate, logger });
  const clientRoutes: Map<string, ClientRoute> = streaming.routes();
  // Centrifugo serves the emulation endpoint once either emulated transport is on.
  if (config.sse.enabled || config.http_stream.enabled) {
    clientRoutes.set(
      pathOf(config.emulation.handler_prefix),
      emulationEndpoint(clientContext, logger),
    );
  }
  const upgrades: UpgradeEndpoint[] = [];
  if (!config.websocket.disabled) upgrades.push(webSocketEndpoint(clientContext, gate, logger));
  if (config.uni_websocket.enabled) {
    upgrades.push(uniWebSocketEndpoint(clientContext, gate, logger));
  }
  const listeners = buildHttpListeners({
    config,
    clientRoutes,
    executor,
    metrics,
    logger,
    version: VERSION,
    readiness: () => lifecycle.readiness(),
  });
  lifecycle.watch(listeners.map((l) => l.app.server));
  if (config.admin.enabled) {
    // On the internal port unless admin.external, as in Centrifugo.
    const role = config.admin.external ? 'external' : 'internal';
    const home = listeners.find((l) => l.role === role) ?? listeners[0];
    home?.app.register(adminRoutes, {
      admin: config.admin,
      channelMaxLength: config.channel.max_length,
      bodyLimit: config.http_api.max_request_body_size,
      executor,
      inspector: new AdminInspector(node),
      traces: new TraceStreams(),
      nodeName: node.name,
      metrics,
      logger,
    });
  }
  const addresses: RunningNode['addresses'] = [];
  let detachUpgrades: (() => void) | undefined;
  let grpc: GrpcApiServer | undefined;
  let uniGrpc: UniGrpcServer | undefined;
  // Clients first (close 3001, they reconnect elsewhere), then their endpoints.
  const closeClients = async () => {
    detachUpgrades?.();
    node.closeClients(Disconnects.shutdown);
    await Promise.all(upgrades.map((u) => u.close()));
    streaming.close();
    await uniGrpc?.close();
  };
  try {
    for (const l of listeners) {
      await l.app.listen({ host: l.host, port: l.port });
      const bound = l.app.server.address();
      const port = typeof bound === 'object' && bound !== null ? bound.port : l.port;
      addresses.push({ role: l.role, host: l.host, port, tls: l.tls });
    }
    const external = listeners.find((l) => l.role === 'external');
    if (external && upgrades.length > 0) {
      detachUpgrades = routeUpgrades(external.app.server, upgrades);
    }
    // uni_grpc on its own port, as in Centrifugo; loaded only when on (as the gRPC API).
    if (config.uni_grpc.enabled) {
      const { startUniGrpcServer } = await import('./transport/uni-grpc/index.ts');
      uniGrpc = await startUniGrpcServer(clientContext, logger);
    }
    // gRPC server API (grpc_api.*): the same executor, its metrics labelled protocol="grpc".
    // Last to start, so a failure here unwinds the listeners above through the catch below.
    if (config.grpc_api.enabled) {
      // Loaded only when on (it is off by default, as in Centrifugo): the gRPC and protobuf
      // libraries and the parsed api.proto are 26 MiB, most of an idle node's own memory.
      const { startGrpcServer } = await import('./transport/grpc/index.ts');
      grpc = await startGrpcServer({
        options: config.grpc_api,
        executor: executor.forProtocol('grpc'),
        logger,
        metrics,
      });
    }
    await consumers.start();
    lifecycle.start();
  } catch (err) {
    await consumers.close();
    infoMetrics.close();
    await closeClients();
    await grpc?.close();
    await Promise.allSettled(listeners.map((l) => l.app.close()));
    outbox.close();
    proxies.close();
    await node.close();
    throw err;
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // Clients first (close 3001, they reconnect elsewhere), then HTTP, then the Node and
      // its engine.
      lifecycle.close();
      infoMetrics.close();
      await consumers.close();
      await closeClients();
      await grpc?.close();
      await Promise.allSettled(listeners.map((l) => l.app.close()));
      outbox.close();
      proxies.close();
      await node.close();
    })();
    return closing;
  };
  const drain = () => lifecycle.drain(() => void grpc?.close());
  return { node, metrics, addresses, grpc, uniGrpc, drain, close };
}

function tokenOptions(config: Config) {
  return { insecureSkipSignatureVerify: config.client.insecure_skip_token_signature_verify };
}

async function createEngine(
  config: Config,
  rules: ChannelRules,
  node: LocalNode,
  logger: Logger,
  metrics: NodeMetrics,
): Promise<Engine> {
  const metaTtlMs = durationMs(config.channel.history_meta_ttl);
  if (config.engine.type === 'memory') return new MemoryEngine({ historyMetaTtlMs: metaTtlMs });
  // Loaded only for engine.type nats: a memory-engine node never loads the NATS client.
  const { NatsEngine } = await import('./engine/nats/index.ts');
  return NatsEngine.create({
    settings: config.engine.nats,
    nodeId: node.uid,
    nodeName: node.name,
    namespaceOf: (channel) => rules.namespaceOf(channel),
    historyOf: (namespace) => rules.historyOf(namespace),
    historyNamespaces: rules.historyNamespaces(),
    metaTtlMs,
    logger,
    metrics,
  });
}
