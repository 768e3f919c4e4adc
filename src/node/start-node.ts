// Wires one node: engine, channel rules, API executor and HTTP listeners, from a
// validated Config. serve (CLI) and the integration tests both start nodes through here.
import { hostname } from 'node:os';
import { ApiExecutor } from './api/index.ts';
import { type Config, ConfigError, durationMs } from './config/index.ts';
import { ChannelRules, LocalNode, NoConnections } from './core/index.ts';
import { type BrokerEventHandler, type Engine, MemoryEngine } from './engine/index.ts';
import type { Logger } from './observability/index.ts';
import { NodeMetrics } from './observability/index.ts';
import { buildHttpListeners, type HttpListener } from './transport/http/index.ts';
import { VERSION } from './version.ts';

export interface RunningNode {
  readonly node: LocalNode;
  readonly metrics: NodeMetrics;
  /** Where each listener is bound (the real port when 0 was asked for). */
  readonly addresses: Array<{ role: HttpListener['role']; host: string; port: number }>;
  /** Stops accepting, lets in-flight requests finish, then closes the engine. Idempotent. */
  close(): Promise<void>;
}

export async function startNode(config: Config, logger: Logger): Promise<RunningNode> {
  const engine = createEngine(config);
  const metrics = new NodeMetrics(VERSION);
  const rules = new ChannelRules(config.channel);
  const node = new LocalNode({
    name: config.node.name || `${hostname()}_${config.http_server.port}`,
    version: VERSION,
    // No client connections until the client protocol lands on this node.
    counts: () => ({ numClients: 0, numUsers: 0, numSubs: 0, numChannels: 0 }),
  });
  await engine.broker.start(noLocalSubscribers);
  const executor = new ApiExecutor(
    {
      rules,
      broker: engine.broker,
      presence: engine.presence,
      connections: new NoConnections(),
      nodes: async () => [node.info()],
      channels: async () => new Map(),
      metrics,
      logger,
    },
    'http',
  );
  metrics.numNodes.set(1);

  const listeners = buildHttpListeners({ config, executor, metrics, logger });
  const addresses: RunningNode['addresses'] = [];
  try {
    for (const l of listeners) {
      await l.app.listen({ host: l.host, port: l.port });
      const bound = l.app.server.address();
      const port = typeof bound === 'object' && bound !== null ? bound.port : l.port;
      addresses.push({ role: l.role, host: l.host, port });
    }
  } catch (err) {
    await Promise.allSettled(listeners.map((l) => l.app.close()));
    await engine.close();
    throw err;
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await Promise.allSettled(listeners.map((l) => l.app.close()));
      await engine.close();
    })();
    return closing;
  };
  return { node, metrics, addresses, close };
}

function createEngine(config: Config): Engine {
  if (config.engine.type === 'nats') {
    throw new ConfigError(
      'engine.type "nats" is not available in this build yet: use "memory" (the default)',
      'engine.type',
    );
  }
  return new MemoryEngine({ historyMetaTtlMs: durationMs(config.channel.history_meta_ttl) });
}

// Until the hub of client subscriptions exists, nothing on this node listens to channels.
const noLocalSubscribers: BrokerEventHandler = {
  handlePublication() {},
  handleJoin() {},
  handleLeave() {},
  handleControl() {},
};
