// The cluster engine: one NATS connection per node, JetStream streams for history, KV
// buckets for presence and stream positions, subjects for fan-out, node announcements and
// control. Created at startup with the configured replica count; a NATS without JetStream
// stops startup with a message that says so.
import { type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { durationMs } from '../../config/index.ts';
import type { Logger, NodeMetrics } from '../../observability/index.ts';
import type { ClusterView, Engine, EngineConnectivity, NodeInfo } from '../types.ts';
import { connectNats, type NatsSettings } from './connection.ts';
import { type HistorySettings, HistoryStreams } from './history-streams.ts';
import { NatsNames } from './names.ts';
import { NatsBroker } from './nats-broker.ts';
import { NatsGate } from './nats-gate.ts';
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

export class NatsEngine implements Engine, EngineConnectivity {
  readonly name = 'nats';
  readonly broker: NatsBroker;
  readonly presence: NatsPresence;
  private readonly nc: NatsConnection;
  private readonly registry: NatsNodeRegistry;
  private readonly settings: NatsSettings;
  private readonly gate: NatsGate;

  private constructor(
    nc: NatsConnection,
    parts: {
      broker: NatsBroker;
      presence: NatsPresence;
      registry: NatsNodeRegistry;
      gate: NatsGate;
    },
    settings: NatsSettings,
  ) {
    this.nc = nc;
    this.broker = parts.broker;
    this.presence = parts.presence;
    this.registry = parts.registry;
    this.gate = parts.gate;
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
      const gate = new NatsGate({ nc, requestTimeoutMs, logger: o.logger, metrics: o.metrics });
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
        gate,
        // A quarter of the call: a try whose answer a leader change lost leaves time for more.
        attemptTimeoutMs: Math.max(100, requestTimeoutMs / 4),
        nodeId: o.nodeId,
        namespaceOf: o.namespaceOf,
        historyOf: o.historyOf,
        onError,
      });
      const presence = new NatsPresence(presenceKv, jsm, names, gate, presenceTtlMs / 3);
      const registry = new NatsNodeRegistry(nc, names, gate, durationMs(s.node_info_ttl));
      o.logger.info(
        {
          urls: s.urls,
          prefix: s.prefix,
          replicas: s.replicas,
          streams: o.historyNamespaces.length,
        },
        'NATS JetStream engine ready',
      );
      return new NatsEngine(nc, { broker, presence, registry, gate }, s);
    } catch (err) {
      await nc.close().catch(() => {});
      throw err;
    }
  }

  startCluster(self: () => NodeInfo, localChannels: () => Map<string, number>): ClusterView {
    this.registry.start(self, localChannels, durationMs(this.settings.node_info_interval));
    return {
      nodes: async () => this.registry.nodes(),
      channels: () => this.registry.channels(),
      isLive: (uid) => this.registry.isLive(uid),
    };
  }

  /** The NATS connection is up (the gate answers calls instead of failing them at once). */
  connected(): boolean {
    return this.gate.up;
  }

  async close(): Promise<void> {
    this.registry.stop();
    await this.presence.close().catch(() => {});
    await this.broker.close().catch(() => {});
    this.gate.close();
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
