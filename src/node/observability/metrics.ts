// Prometheus metrics under Centrifugo's `centrifugo_*` names, so dashboards and alerts
// written for Centrifugo read a centrifugo-ts node unchanged. One registry per node
// (never the global one), so several nodes can live in one process during tests.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type SummaryChild, WindowedSummary } from './windowed-summary.ts';

const LINT_FAILING_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

// Centrifugo's summary objectives for command durations.
const OBJECTIVES = [0.5, 0.99, 0.999];

// Series Centrifugo's registry holds from its start, at zero: a dashboard (or `info`'s
// metrics, info-metrics.ts) finds the same keys on either server before anything happened.
const COMMAND_METHODS = [
  'connect',
  'subscribe',
  'unsubscribe',
  'publish',
  'presence',
  'presence_stats',
  'history',
  'send',
  'rpc',
  'refresh',
  'sub_refresh',
  'unknown',
];
const MESSAGE_TYPES = ['publication', 'join', 'leave', 'control'];
const NATS_METRICS = [
  'centrifugo_engine_nats_connected',
  'centrifugo_engine_nats_disconnects_total',
];

export class NodeMetrics {
  readonly registry = new Registry();

  readonly numClients = this.gauge('node_num_clients', 'Number of clients connected.');
  readonly numUsers = this.gauge('node_num_users', 'Number of unique users connected.');
  readonly numSubscriptions = this.gauge('node_num_subscriptions', 'Number of subscriptions.');
  readonly numChannels = this.gauge(
    'node_num_channels',
    'Number of channels with one or more subscribers.',
  );
  readonly numNodes = this.gauge('node_num_nodes', 'Number of nodes in the cluster.');
  readonly build = new Gauge({
    name: 'centrifugo_node_build',
    help: 'Node build info.',
    labelNames: ['version'],
    registers: [this.registry],
  });
  readonly messagesSent = new Counter({
    name: 'centrifugo_node_messages_sent_count',
    help: 'Number of messages sent by node to broker.',
    labelNames: ['type'],
    registers: [this.registry],
  });
  readonly messagesReceived = new Counter({
    name: 'centrifugo_node_messages_received_count',
    help: 'Number of messages received from broker.',
    labelNames: ['type'],
    registers: [this.registry],
  });
  readonly clientConnectionLimit = new Counter({
    name: 'centrifugo_node_client_connection_limit',
    help: 'Number of refused requests due to node client connection limit.',
    registers: [this.registry],
  });
  readonly apiCommandDuration = new WindowedSummary({
    name: 'centrifugo_api_command_duration_seconds',
    help: 'Duration of API per command.',
    labelNames: ['protocol', 'method'],
    quantiles: OBJECTIVES,
    maxAgeSeconds: 60,
    ageBuckets: 5,
    registers: [this.registry],
  });
  readonly apiCommandErrors = new Counter({
    name: 'centrifugo_api_command_errors_total',
    help: 'Number of errors in API commands.',
    labelNames: ['protocol', 'method', 'error'],
    registers: [this.registry],
  });

  // --- client protocol; names as Centrifugo's, counters included --------------------------
  readonly clientReplyErrors = new Counter({
    name: 'centrifugo_client_num_reply_errors',
    help: 'Number of errors in replies sent to clients.',
    labelNames: ['method', 'code'],
    registers: [this.registry],
  });
  readonly clientServerDisconnects = new Counter({
    name: 'centrifugo_client_num_server_disconnects',
    help: 'Number of server side client disconnects.',
    labelNames: ['code'],
    registers: [this.registry],
  });
  readonly clientCommandDuration = new WindowedSummary({
    name: 'centrifugo_client_command_duration_seconds',
    help: 'Client command duration summary.',
    labelNames: ['method'],
    quantiles: OBJECTIVES,
    maxAgeSeconds: 60,
    ageBuckets: 5,
    registers: [this.registry],
  });
  readonly clientRecover = new Counter({
    name: 'centrifugo_client_recover',
    help: 'Count of recover operations.',
    labelNames: ['recovered'],
    registers: [this.registry],
  });
  readonly clientConnectionsAccepted = new Counter({
    name: 'centrifugo_client_connections_accepted',
    help: 'Number of accepted client connections.',
    labelNames: ['transport'],
    registers: [this.registry],
  });
  readonly transportMessagesSent = new Counter({
    name: 'centrifugo_transport_messages_sent',
    help: 'Number of messages sent to client connections over specific transport.',
    labelNames: ['transport'],
    registers: [this.registry],
  });
  readonly transportMessagesSentSize = new Counter({
    name: 'centrifugo_transport_messages_sent_size',
    help: 'Size in bytes of messages sent to client connections over specific transport.',
    labelNames: ['transport'],
    registers: [this.registry],
  });
  readonly transportMessagesReceived = new Counter({
    name: 'centrifugo_transport_messages_received',
    help: 'Number of messages received from client connections over specific transport.',
    labelNames: ['transport'],
    registers: [this.registry],
  });
  readonly transportMessagesReceivedSize = new Counter({
    name: 'centrifugo_transport_messages_received_size',
    help: 'Size in bytes of messages received from client connections over specific transport.',
    labelNames: ['transport'],
    registers: [this.registry],
  });

  // --- HTTP server limits (not in Centrifugo, whose limits are fixed and not counted) -----
  readonly httpLimitHits = new Counter({
    name: 'centrifugo_http_limit_hits_total',
    help: 'Number of HTTP requests refused or connections closed by a limit, by the key that sets it.',
    labelNames: ['limit'],
    registers: [this.registry],
  });
  // --- client command backpressure (not in Centrifugo, whose read loop blocks instead) ------
  readonly clientReadsPaused = new Counter({
    name: 'centrifugo_client_reads_paused_total',
    help: 'Number of times a client connection stopped being read because it had too many commands waiting to run.',
    labelNames: ['transport'],
    registers: [this.registry],
  });
  // --- the gRPC server API's own HTTP/2 (not in Centrifugo, whose grpc-go counts none) -----
  readonly grpcH2LimitHits = new Counter({
    name: 'centrifugo_grpc_h2_limit_hits_total',
    help: 'Number of times an HTTP/2 client of the gRPC API hit a limit (grpc_api.http2.*).',
    labelNames: ['limit'],
    registers: [this.registry],
  });
  readonly grpcRefusedRequests = new Counter({
    name: 'centrifugo_grpc_refused_requests_total',
    help: 'Number of gRPC API calls refused before reaching the API (not gRPC, bad framing, key).',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  // --- Centrifugo's Redis brokers and shared poll: this node has neither, so these stay at
  // zero (no message dropped, no shared-poll channel); Centrifugo registers them whatever
  // its engine, and readers of its metrics expect them.
  readonly redisPubSubDropped = new Counter({
    name: 'centrifugo_broker_redis_pub_sub_dropped_messages',
    help: 'Number of dropped messages on application side in Redis PUB/SUB.',
    labelNames: ['broker_name', 'channel_type'],
    registers: [this.registry],
  });
  readonly mapRedisPubSubDropped = new Counter({
    name: 'centrifugo_map_broker_redis_pub_sub_dropped_messages',
    help: 'Number of dropped messages on application side in Redis PUB/SUB.',
    labelNames: ['broker_name', 'channel_type'],
    registers: [this.registry],
  });
  readonly sharedPollNumChannels = this.gauge(
    'shared_poll_num_channels',
    'Number of active shared poll channels.',
  );
  readonly sharedPollNumKeys = this.gauge(
    'shared_poll_num_keys',
    'Number of tracked shared poll keys.',
  );

  // --- NATS engine (not in Centrifugo, whose NATS broker has no JetStream) ---------------
  readonly natsConnected = this.gauge('engine_nats_connected', '1 while connected to NATS.');
  readonly natsDisconnects = new Counter({
    name: 'centrifugo_engine_nats_disconnects_total',
    help: 'Number of times the NATS connection was lost.',
    registers: [this.registry],
  });

  // --- event proxies (src/node/proxy/), labelled {protocol, type, name} as Centrifugo's -----
  readonly proxyDuration = new WindowedSummary({
    name: 'centrifugo_proxy_duration_seconds',
    help: 'Duration of proxy call.',
    labelNames: ['protocol', 'type', 'name'],
    quantiles: OBJECTIVES,
    maxAgeSeconds: 60,
    ageBuckets: 5,
    registers: [this.registry],
  });
  readonly proxyDurationHistogram = new Histogram({
    name: 'centrifugo_proxy_duration_seconds_histogram',
    help: 'Histogram of duration of proxy call.',
    labelNames: ['protocol', 'type', 'name'],
    // Prometheus' default buckets, which Centrifugo's histogram uses.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly proxyErrors = new Counter({
    name: 'centrifugo_proxy_errors',
    help: 'Proxy call error count.',
    labelNames: ['protocol', 'type', 'name'],
    registers: [this.registry],
  });
  readonly proxyInflight = new Gauge({
    name: 'centrifugo_proxy_inflight_requests',
    help: 'Number of inflight proxy requests.',
    labelNames: ['protocol', 'type', 'name'],
    registers: [this.registry],
  });

  constructor(version: string) {
    this.build.labels(version).set(1);
    for (const method of COMMAND_METHODS) this.clientCommandDuration.labels({ method });
    for (const type of MESSAGE_TYPES) {
      this.messagesSent.labels({ type }).inc(0);
      this.messagesReceived.labels({ type }).inc(0);
    }
    this.redisPubSubDropped.labels({ broker_name: '', channel_type: 'client' }).inc(0);
    this.redisPubSubDropped.labels({ broker_name: '', channel_type: 'control' }).inc(0);
    this.mapRedisPubSubDropped.labels({ broker_name: '', channel_type: 'client' }).inc(0);
    collectDefaultMetrics({ register: this.registry });
    // prom-client names these gauges *_total, which Prometheus' linter rejects; the same
    // counts are in the per-type gauges nodejs_active_handles/requests/resources.
    for (const name of LINT_FAILING_DEFAULTS) this.registry.removeSingleMetric(name);
  }

  /** The NATS series exist only on the NATS engine (nothing would ever set them otherwise). */
  forEngine(type: string): void {
    if (type === 'nats') return;
    for (const name of NATS_METRICS) this.registry.removeSingleMetric(name);
  }

  /** The node's connection counts are read at scrape time, never kept in step by hand. */
  countsFrom(
    counts: () => { numClients: number; numUsers: number; numSubs: number; numChannels: number },
  ): void {
    this.counts = counts;
  }

  private counts:
    | (() => { numClients: number; numUsers: number; numSubs: number; numChannels: number })
    | undefined;

  /** The cluster's live node count, read at scrape time. */
  nodesFrom(count: () => Promise<number>): void {
    this.nodeCount = count;
  }

  private nodeCount: (() => Promise<number>) | undefined;

  /** Prometheus text of this node's registry. */
  async text(): Promise<string> {
    await this.refreshGauges();
    return this.registry.metrics();
  }

  /** The registry's metric families as values (what `info` aggregates, info-metrics.ts). */
  async families() {
    await this.refreshGauges();
    return this.registry.getMetricsAsJSON();
  }

  private async refreshGauges(): Promise<void> {
    if (this.nodeCount) this.numNodes.set(await this.nodeCount().catch(() => 0));
    const c = this.counts?.();
    if (c) {
      this.numClients.set(c.numClients);
      this.numUsers.set(c.numUsers);
      this.numSubscriptions.set(c.numSubs);
      this.numChannels.set(c.numChannels);
    }
  }

  private gauge(name: string, help: string): Gauge {
    return new Gauge({ name: `centrifugo_${name}`, help, registers: [this.registry] });
  }

  /** Times one API command; call the returned function when it finished. */
  startApiCommand(protocol: string, method: string): (errorCode?: number) => void {
    const series = this.apiCommandSeries(protocol, method);
    const start = process.hrtime.bigint();
    return (errorCode) => {
      series.observe(Number(process.hrtime.bigint() - start) / 1e9);
      if (errorCode !== undefined) {
        this.apiCommandErrors.inc({ protocol, method, error: String(errorCode) });
      }
    };
  }

  // The duration series of each protocol and method, looked up once: every API call times
  // itself, and a lookup by label values costs more than the observation.
  private readonly apiCommandSeriesOf = new Map<string, Map<string, SummaryChild>>();

  private apiCommandSeries(protocol: string, method: string): SummaryChild {
    let byMethod = this.apiCommandSeriesOf.get(protocol);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.apiCommandSeriesOf.set(protocol, byMethod);
    }
    let series = byMethod.get(method);
    if (series === undefined) {
      series = this.apiCommandDuration.labels({ protocol, method });
      byMethod.set(method, series);
    }
    return series;
  }
}
