// Wires one node: engine, channel rules, API executor and HTTP listeners, from a
// validated Config. serve (CLI) and the integration tests both start nodes through here.
import { hostname } from 'node:os';
import { adminRoutes, TraceStreams } from './admin/index.ts';
import { ApiExecutor } from './api/index.ts';
import { subscriptionTokenSection, TokenVerifier, tokenKeysOf } from './auth/index.ts';
import { AdminInspector, BrokerControl, clientTimings, Hub } from './client/index.ts';
import { type Config, durationMs } from './config/index.ts';
import { ChannelRules, LocalNode } from './core/index.ts';
import { type Engine, MemoryEngine } from './engine/index.ts';
import { NatsEngine } from './engine/nats/index.ts';
import { NodeLifecycle } from './lifecycle/index.ts';
import type { Logger } from './observability/index.ts';
import { InfoMetrics, NodeMetrics } from './observability/index.ts';
import type { GrpcApiServer } from './transport/grpc/index.ts';
import { buildHttpListeners, type HttpListener } from './transport/http/index.ts';
import { attachWebSocket, type WebSocketEndpoint } from './transport/websocket/index.ts';
import { VERSION } from './version.ts';

export interface RunningNode {
  readonly node: LocalNode;
  readonly metrics: NodeMetrics;
  /** Where each listener is bound (the real port when 0 was asked for). */
  readonly addresses: Array<{ role: HttpListener['role']; host: string; port: number }>;
  /** The gRPC server API listener, when grpc_api.enabled. */
  readonly grpc: GrpcApiServer | undefined;
  /**
   * The drain before close (lifecycle/drain.ts): unready, shutdown.drain_delay, then the
   * clients told to reconnect over shutdown.disconnect_window. Resolves when it is done.
   */
  drain(): Promise<void>;
  /** Stops accepting, lets in-flight requests finish, then closes the engine. Idempotent. */
  close(): Promise<void>;
}

export async function startNode(config: Config, logger: Logger): Promise<RunningNode> {
  const metrics = new NodeMetrics(VERSION);
  const rules = new ChannelRules(config.channel);
  let hub: Hub | undefined;
  const counts = () => hub?.counts() ?? { numClients: 0, numUsers: 0, numSubs: 0, numChannels: 0 };
  const node = new LocalNode({
    name: config.node.name || `${hostname()}_${config.http_server.port}`,
    version: VERSION,
    counts,
  });
  const engine = await createEngine(config, rules, node, logger, metrics);
  hub = new Hub(engine.broker, logger);
  const localHub = hub;
  const lifecycle = new NodeLifecycle({
    config,
    engine,
    selfUid: node.uid,
    nodes: () => cluster.nodes(),
    connections: () => localHub.sessionsOf({}),
    logger,
  });
  metrics.countsFrom(counts);
  await engine.broker.start(localHub);
  // info's `metrics`: a snapshot now and every interval, as Centrifugo's nodes share theirs.
  const infoMetrics = new InfoMetrics(
    () => metrics.families(),
    durationMs(config.node.info_metrics_aggregate_interval) || 60_000,
  );
  await infoMetrics.start();
  const cluster = engine.startCluster(
    () => ({ ...node.info(), metrics: infoMetrics.current(), draining: lifecycle.draining }),
    () => localHub.channelCounts(),
  );
  metrics.nodesFrom(async () => (await cluster.nodes()).length);
  const positionCheck = setInterval(
    () => void localHub.checkPositions((ch) => rules.resolve(ch)?.historyMetaTtlMs),
    durationMs(config.client.channel_position_check_delay),
  );
  positionCheck.unref();
  const executor = new ApiExecutor(
    {
      rules,
      broker: engine.broker,
      presence: engine.presence,
      // Through the broker, so a command reaches the user's connections on every node.
      connections: new BrokerControl(engine.broker),
      nodes: () => cluster.nodes(),
      channels: () => cluster.channels(),
      metrics,
      logger,
    },
    'http',
  );

  const listeners = buildHttpListeners({
    config,
    executor,
    metrics,
    logger,
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
      inspector: new AdminInspector(localHub),
      traces: new TraceStreams(),
      nodeName: node.name,
      metrics,
      logger,
    });
  }
  const addresses: RunningNode['addresses'] = [];
  let websocket: WebSocketEndpoint | undefined;
  let grpc: GrpcApiServer | undefined;
  try {
    for (const l of listeners) {
      await l.app.listen({ host: l.host, port: l.port });
      const bound = l.app.server.address();
      const port = typeof bound === 'object' && bound !== null ? bound.port : l.port;
      addresses.push({ role: l.role, host: l.host, port });
    }
    const external = listeners.find((l) => l.role === 'external');
    if (external && !config.websocket.disabled) {
      websocket = attachWebSocket(
        external.app.server,
        {
          config,
          rules,
          broker: engine.broker,
          presence: engine.presence,
          hub: localHub,
          connectTokens: new TokenVerifier(tokenKeysOf(config.client.token), tokenOptions(config)),
          subscribeTokens: new TokenVerifier(
            tokenKeysOf(subscriptionTokenSection(config)),
            tokenOptions(config),
          ),
          logger,
          metrics,
          version: VERSION,
          timings: clientTimings(config.client),
        },
        logger,
        () => lifecycle.refusingNew(),
      );
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
    lifecycle.start();
  } catch (err) {
    infoMetrics.close();
    await Promise.allSettled(listeners.map((l) => l.app.close()));
    await engine.close();
    throw err;
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // Clients first (close 3001, they reconnect elsewhere), then HTTP, then the engine.
      clearInterval(positionCheck);
      lifecycle.close();
      infoMetrics.close();
      await websocket?.close();
      await grpc?.close();
      await Promise.allSettled(listeners.map((l) => l.app.close()));
      await engine.close();
    })();
    return closing;
  };
  const drain = () => lifecycle.drain(() => void grpc?.close());
  return { node, metrics, addresses, grpc, drain, close };
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
