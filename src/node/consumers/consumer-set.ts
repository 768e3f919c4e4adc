// The node's consumers (config `consumers[]`), each enabled one started on start() and
// stopped on close(). A consumer's client library is loaded only when one of its type is
// enabled, so a node without Kafka never loads a Kafka client. Every node of a cluster may
// run the same consumers: partitions (PostgreSQL), groups (Kafka, Redis) and durable
// consumers (NATS) are shared, so each message is handled by one node.
import type { Registry } from 'prom-client';
import type { ApiExecutor } from '../api/index.ts';
import type { ConsumerConfig } from '../config/index.ts';
import { type Logger, RateLimitedLog } from '../observability/index.ts';
import type { Consumer, ConsumerContext } from './consumer.ts';
import { ConsumerMetrics } from './consumer-metrics.ts';
import { Dispatcher } from './dispatch.ts';

/** How often the log says how many messages each consumer handled since its last line. */
const PROGRESS_INTERVAL_MS = 60_000;

export interface ConsumerSetOptions {
  configs: readonly ConsumerConfig[];
  /** The node's API executor; commands run under the metric label protocol="consuming". */
  executor: ApiExecutor;
  registry: Registry;
  logger: Logger;
  nodeId: string;
  progressIntervalMs?: number;
}

interface Running {
  ctx: ConsumerContext;
  consumer: Consumer;
  counts: { processed: number; errors: number; loggedProcessed: number; loggedErrors: number };
}

export class ConsumerSet {
  private readonly options: ConsumerSetOptions;
  private readonly metrics: ConsumerMetrics | undefined;
  private readonly running: Running[] = [];
  private progress: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: ConsumerSetOptions) {
    this.options = options;
    // Centrifugo registers the two counters only when consumers are configured.
    this.metrics = options.configs.length > 0 ? new ConsumerMetrics(options.registry) : undefined;
  }

  /** Starts every enabled consumer; if one cannot start, stops the others and rejects. */
  async start(): Promise<void> {
    const executor = this.options.executor.forProtocol('consuming');
    try {
      for (const [i, config] of this.options.configs.entries()) {
        const logger = this.options.logger.child({ consumer: config.name });
        if (!config.enabled) {
          logger.info({ type: config.type }, 'consumer is not enabled, skip');
          continue;
        }
        this.metrics?.init(config.name);
        const run = this.contextOf(config.name, logger, executor);
        const consumer = await createConsumer(config, run.ctx, `consumers.${i}.${config.type}`);
        await consumer.start();
        this.running.push({ ...run, consumer });
        logger.info({ type: config.type }, 'running consumer');
      }
    } catch (err) {
      await this.close();
      throw err;
    }
    if (this.running.length > 0) {
      const ms = this.options.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
      this.progress = setInterval(() => this.logProgress(), ms);
      this.progress.unref();
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.progress);
      await Promise.allSettled(this.running.map((r) => r.consumer.close()));
      this.logProgress();
      this.metrics?.unregister(this.options.registry);
    })();
    return this.closing;
  }

  private contextOf(
    name: string,
    logger: Logger,
    executor: ApiExecutor,
  ): Omit<Running, 'consumer'> {
    const log = new RateLimitedLog(logger);
    const counts = { processed: 0, errors: 0, loggedProcessed: 0, loggedErrors: 0 };
    const label = { consumer_name: name };
    const ctx: ConsumerContext = {
      name,
      nodeId: this.options.nodeId,
      dispatcher: new Dispatcher(executor, log),
      logger,
      log,
      processed: (count = 1) => {
        counts.processed += count;
        this.metrics?.processed.inc(label, count);
      },
      failed: () => {
        counts.errors++;
        this.metrics?.errors.inc(label);
      },
    };
    return { ctx, counts };
  }

  private logProgress(): void {
    for (const { ctx, counts } of this.running) {
      const processed = counts.processed - counts.loggedProcessed;
      const errors = counts.errors - counts.loggedErrors;
      if (processed === 0 && errors === 0) continue;
      counts.loggedProcessed = counts.processed;
      counts.loggedErrors = counts.errors;
      ctx.logger.info(
        { processed, errors, processedTotal: counts.processed },
        'consumer progress since the last line',
      );
    }
  }
}

async function createConsumer(
  config: ConsumerConfig,
  ctx: ConsumerContext,
  key: string,
): Promise<Consumer> {
  switch (config.type) {
    case 'postgresql': {
      const { PostgresConsumer } = await import('./postgresql-consumer.ts');
      return new PostgresConsumer(config.postgresql, ctx, key);
    }
    case 'kafka': {
      const { KafkaConsumer } = await import('./kafka-consumer.ts');
      return new KafkaConsumer(config.kafka, ctx, key);
    }
    case 'nats_jetstream': {
      const { NatsJetStreamConsumer } = await import('./nats-jetstream-consumer.ts');
      return new NatsJetStreamConsumer(config.nats_jetstream, ctx, key);
    }
    case 'redis_stream': {
      const { RedisStreamConsumer } = await import('./redis-stream-consumer.ts');
      return new RedisStreamConsumer(config.redis_stream, ctx, key);
    }
    default:
      // The config refuses these types enabled (consumers-check.ts).
      throw new Error(`consumer ${config.name}: type ${config.type} is not supported yet`);
  }
}
