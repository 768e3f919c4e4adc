// The cluster engine: one NATS connection per node, JetStream streams for history, KV
// buckets for presence and stream positions, subjects for fan-out, node announcements and
// control. Created at startup with the configured replica count; a NATS without JetStream
// stops startup with a message that says so.
import { type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { durationMs } from '../../config/index.ts';
import type { Logger, NodeMetrics } from '../../observability/index.ts';
import type { ClusterView, Engine, NodeInfo } from '../types.ts';
import { connectNats, type NatsSettings } from './connection.ts';
import { type HistorySettings, HistoryStreams } from './history-streams.ts';
import { NatsNames } from './names.ts';
import { NatsBroker } from './nats-broker.ts';
import { NatsPresence } from './nats-presence.ts';
import { NatsNodeRegistry } from './node-registry.ts';

export interface NatsEngineOptions {
  settings: NatsSettings;
  nodeId: string;
  nodeName: string;
  namespaceOf(channel: string): string;
  /** History settings per namespace ('' = channels without namespace); undefined = none. */
  historyOf(namespace: string): HistorySettings | undefined;
  /** Namespaces whose streams are created at startup. */
  historyNamespaces: string[];
  /** channel.history_meta_ttl: how long a stream position outlives its last publication. */
  metaTtlMs: number;
  logger: Logger;
  /** Connection state for /metrics; absent in tests that need none. */
  metrics?: Pick<NodeMetrics, 'natsConnected' | 'natsDisconnects'>;
}

export class NatsEngine implements Engine {
  readonly name = 'nats';
  readonly broker: NatsBroker;
  readonly presence: NatsPresence;
  private readonly nc: NatsConnection;
  private readonly registry: NatsNodeRegistry;
  private readonly settings: NatsSettings;

  private constructor(
    nc: NatsConnection,
    broker: NatsBroker,
    presence: NatsPresence,
    registry: NatsNodeRegistry,
    settings: NatsSettings,
  ) {
    this.nc = nc;
    this.broker = broker;
    this.presence = presence;
    this.registry = registry;
    this.settings = settings;
  }

  static async create(o: NatsEngineOptions): Promise<NatsEngine> {
    const s = o.settings;
    const names = new NatsNames(s.prefix);
    const nc = await connectNats(s, `centrifugo-ts ${o.nodeName}`);
    try {
      const requestTimeoutMs = durationMs(s.request_timeout);
      const jsm = await requireJetStream(nc, s, requestTimeoutMs);
      const js = jetstream(nc, { timeout: requestTimeoutMs });
      const kvm = new Kvm(js);
      const meta = await kvm.create(names.metaBucket(), {
        replicas: s.replicas,
        ttl: o.metaTtlMs,
        history: 1,
      });
      const presenceTtlMs = durationMs(s.presence_ttl);
      const presenceKv = await kvm.create(names.presenceBucket(), {
        replicas: s.replicas,
        ttl: presenceTtlMs,
        history: 1,
      });
      const streams = new HistoryStreams(jsm, names, s.replicas);
      for (const ns of o.historyNamespaces) {
        const settings = o.historyOf(ns);
        if (settings) await streams.ensure(ns, settings);
      }
      const onError = (err: unknown, what: string) =>
        o.logger.error({ err: (err as Error)?.message ?? err }, `NATS engine: ${what} failed`);
      const broker = new NatsBroker({
        nc,
        js,
        jsm,
        names,
        streams,
        meta,
        nodeId: o.nodeId,
        namespaceOf: o.namespaceOf,
        historyOf: o.historyOf,
        requestTimeoutMs,
        onError,
      });
      const presence = new NatsPresence(presenceKv, jsm, names, presenceTtlMs / 3, onError);
      const registry = new NatsNodeRegistry(nc, names, durationMs(s.node_info_ttl));
      watchConnection(nc, o.logger, o.metrics);
      o.logger.info(
        {
          urls: s.urls,
          prefix: s.prefix,
          replicas: s.replicas,
          streams: o.historyNamespaces.length,
        },
        'NATS JetStream engine ready',
      );
      return new NatsEngine(nc, broker, presence, registry, s);
    } catch (err) {
      await nc.close().catch(() => {});
      throw err;
    }
  }

  startCluster(self: () => NodeInfo, localChannels: () => Map<string, number>): ClusterView {
    this.registry.start(self, localChannels, durationMs(this.settings.node_info_interval));
    const timeout = durationMs(this.settings.request_timeout);
    return {
      nodes: async () => this.registry.nodes(),
      channels: () => this.registry.channels(timeout),
    };
  }

  async close(): Promise<void> {
    this.registry.stop();
    await this.presence.close().catch(() => {});
    await this.broker.close().catch(() => {});
    await this.nc.drain().catch(() => this.nc.close());
  }
}

async function requireJetStream(
  nc: NatsConnection,
  s: NatsSettings,
  timeout: number,
): Promise<JetStreamManager> {
  try {
    const jsm = await jetstreamManager(nc, { timeout });
    await jsm.getAccountInfo();
    return jsm;
  } catch (err) {
    throw new Error(
      `NATS at ${s.urls.join(', ')} has no JetStream (${(err as Error).message}): start nats-server with -js (JetStream enabled)`,
      { cause: err },
    );
  }
}

/** Outages and recoveries show in the log and in /metrics; calls meanwhile answer error 100. */
function watchConnection(
  nc: NatsConnection,
  logger: Logger,
  metrics: NatsEngineOptions['metrics'],
): void {
  metrics?.natsConnected.set(1);
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        logger.warn({ server: s.server }, 'NATS disconnected: reconnecting');
        metrics?.natsConnected.set(0);
        metrics?.natsDisconnects.inc();
      } else if (s.type === 'reconnect') {
        logger.info({ server: s.server }, 'NATS reconnected');
        metrics?.natsConnected.set(1);
      } else if (s.type === 'error') {
        logger.error({ err: String(s.error) }, 'NATS error');
      }
    }
  })();
}
