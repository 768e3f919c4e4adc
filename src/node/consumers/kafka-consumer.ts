// Consumes Kafka topics in a consumer group, as Centrifugo's (internal/consuming/kafka.go):
// the group spreads partitions over the nodes; each partition's records are processed in
// order, one at a time, a failing one retried with backoff until it succeeds (the partition
// waits, others go on); a record's offset is committed only after its command succeeded.
// A partition with partition_queue_max_size records queued pauses fetching until it drains
// (-1: after every fetch). Offsets come from the group, else the earliest (franz-go's default
// reset). The client is @platformatic/kafka (pure JS, maintained; KafkaJS has had no release
// since 2023), loaded only when a Kafka consumer is enabled.
import {
  Consumer as KafkaClient,
  type Message,
  type MessagesStream,
  type SASLOptions,
} from '@platformatic/kafka';
import type { KafkaConsumerConfig } from '../config/index.ts';
import { clientTlsOptions, durationMs } from '../config/index.ts';
import { nextBackoffMs } from './backoff.ts';
import { type Consumer, type ConsumerContext, pause } from './consumer.ts';
import { TemporaryDispatchError } from './dispatch.ts';
import { BadPublicationField, headerNames, publicationOf } from './publication-fields.ts';

const CLIENT_ID = 'centrifugo';
const FETCH_MAX_BYTES_DEFAULT = 50 * 1024 * 1024;
const READ_COMMITTED = 1;
const READ_UNCOMMITTED = 0;

type Record = Message<Buffer, Buffer, Buffer, Buffer>;

/** One partition's records in hand, processed in order by its own loop. */
class PartitionQueue {
  readonly records: Record[] = [];
  running: Promise<void> | undefined;
  /** Set when the partition left this node: what is queued is dropped. */
  revoked = false;
}

export class KafkaConsumer implements Consumer {
  private readonly config: KafkaConsumerConfig;
  private readonly ctx: ConsumerContext;
  private readonly key: string;
  private readonly abort = new AbortController();
  private readonly queues = new Map<string, PartitionQueue>();
  private readonly queueLimit: number;
  private client: KafkaClient<Buffer, Buffer, Buffer, Buffer> | undefined;
  private stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  private paused = false;
  private closing: Promise<void> | undefined;

  constructor(config: KafkaConsumerConfig, ctx: ConsumerContext, key: string) {
    this.config = config;
    this.ctx = ctx;
    this.key = key;
    // Centrifugo: -1 pauses after every fetch, 0 takes the default 1000.
    this.queueLimit =
      config.partition_queue_max_size === -1 ? 1 : config.partition_queue_max_size || 1000;
  }

  async start(): Promise<void> {
    const c = this.config;
    const tls = clientTlsOptions(c.tls, `${this.key}.tls`);
    const dialMs = durationMs(c.dial_timeout) || 3_000;
    const client = new KafkaClient<Buffer, Buffer, Buffer, Buffer>({
      clientId: CLIENT_ID,
      groupId: c.consumer_group,
      bootstrapBrokers: c.brokers,
      connectTimeout: dialMs,
      ...(tls ? { tls } : {}),
      ...(this.sasl() ? { sasl: this.sasl() } : {}),
      ...(c.instance_id !== '' ? { groupInstanceId: c.instance_id } : {}),
      maxBytes: c.fetch_max_bytes > 0 ? c.fetch_max_bytes : FETCH_MAX_BYTES_DEFAULT,
      maxWaitTime: durationMs(c.fetch_max_wait) || 500,
      isolationLevel: c.fetch_read_uncommitted ? READ_UNCOMMITTED : READ_COMMITTED,
      // Records fetched ahead of processing (max_poll_records per poll in Centrifugo).
      highWaterMark: Math.max(c.max_poll_records || 100, 1),
      autocommit: false,
    });
    this.client = client;
    // Errors the client reports outside a call (a broker connection lost) are logged here;
    // the client reconnects by itself.
    client.on('error', (err: Error) =>
      this.ctx.log.warn('client', 'Kafka client error', () => ({ err: err.message })),
    );
    try {
      // Centrifugo pings the brokers before it runs: an unreachable cluster stops startup.
      await client.metadata({ topics: c.topics });
    } catch (err) {
      await client.close(true).catch(() => {});
      throw new Error(
        `consumer ${this.ctx.name}: error ping Kafka at ${c.brokers.join(', ')}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    client.on(
      'consumer:group:join',
      (payload: { assignments?: Array<{ topic: string; partitions: number[] }> }) =>
        this.assigned(payload.assignments ?? []),
    );
    const stream = await client.consume({
      topics: c.topics,
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: false,
    });
    this.stream = stream;
    stream.on('data', (record: Record) => this.enqueue(record));
    stream.on('error', (err: Error) => {
      this.ctx.failed();
      this.ctx.log.warn('poll', 'error while polling Kafka', () => ({ err: err.message }));
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.abort.abort();
      // The record in hand of each partition finishes first; closing the stream then flushes
      // the offsets committed so far, before the group is left.
      await Promise.allSettled([...this.queues.values()].map((q) => q.running));
      await this.stream?.close().catch(() => {});
      await this.client?.close(true).catch(() => {});
    })();
    return this.closing;
  }

  private sasl(): SASLOptions | undefined {
    const c = this.config;
    const mechanism = (
      {
        plain: 'PLAIN',
        'scram-sha-256': 'SCRAM-SHA-256',
        'scram-sha-512': 'SCRAM-SHA-512',
      } as const
    )[c.sasl_mechanism as 'plain'];
    if (mechanism === undefined) return undefined;
    return { mechanism, username: c.sasl_user, password: c.sasl_password };
  }

  /** The group's new assignment: partitions gone from this node drop what they queued. */
  private assigned(assignments: Array<{ topic: string; partitions: number[] }>): void {
    const mine = new Set(assignments.flatMap((a) => a.partitions.map((p) => `${a.topic}:${p}`)));
    for (const [key, queue] of this.queues) {
      if (mine.has(key)) continue;
      queue.revoked = true;
      queue.records.length = 0;
      this.queues.delete(key);
    }
    this.resumeIfDrained();
  }

  private enqueue(record: Record): void {
    if (this.abort.signal.aborted) return;
    const key = `${record.topic}:${record.partition}`;
    let queue = this.queues.get(key);
    if (queue === undefined) {
      queue = new PartitionQueue();
      this.queues.set(key, queue);
    }
    queue.records.push(record);
    if (queue.records.length >= this.queueLimit && !this.paused) {
      this.paused = true;
      this.stream?.pause();
    }
    const q = queue;
    q.running ??= this.drain(q).finally(() => {
      q.running = undefined;
    });
  }

  private resumeIfDrained(): void {
    if (!this.paused || this.abort.signal.aborted) return;
    for (const q of this.queues.values()) if (q.records.length >= this.queueLimit) return;
    this.paused = false;
    this.stream?.resume();
  }

  private async drain(queue: PartitionQueue): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted && !queue.revoked) {
      const record = queue.records[0];
      if (record === undefined) return;
      const done = await this.processWithRetries(record, queue);
      if (!done) return;
      queue.records.shift();
      this.resumeIfDrained();
    }
  }

  /** Retries until the record is done (true), or the partition is gone or closing (false). */
  private async processWithRetries(record: Record, queue: PartitionQueue): Promise<boolean> {
    const signal = this.abort.signal;
    let backoffMs = 0;
    let retries = 0;
    for (;;) {
      try {
        await this.process(record);
        if (retries > 0) {
          this.ctx.logger.info(
            { topic: record.topic, partition: record.partition },
            'OK processing message after errors',
          );
        }
        this.ctx.processed();
        void Promise.resolve(record.commit()).catch((err: Error) =>
          this.ctx.log.warn('commit', 'error committing offsets', () => ({ err: err.message })),
        );
        return true;
      } catch (err) {
        if (!(err instanceof TemporaryDispatchError) && !(err instanceof Error)) throw err;
        retries++;
        backoffMs = nextBackoffMs(backoffMs, retries);
        this.ctx.failed();
        this.ctx.log.warn(
          `partition-${record.topic}-${record.partition}`,
          'error processing consumed record',
          () => ({
            topic: record.topic,
            partition: record.partition,
            err: err.message,
            nextAttemptInMs: backoffMs,
          }),
        );
        await pause(backoffMs, signal);
        if (signal.aborted || queue.revoked) return false;
      }
    }
  }

  private async process(record: Record): Promise<void> {
    const headers = new Map<string, string>();
    for (const [k, v] of record.headerEntries ?? record.headers ?? []) {
      // The first header of a name counts, as Centrifugo's getHeaderValue takes it.
      const name = k.toString();
      if (!headers.has(name)) headers.set(name, v.toString());
    }
    const get = (name: string) => headers.get(name) ?? '';
    const value = record.value ?? Buffer.alloc(0);
    const mode = this.config.publication_data_mode;
    if (!mode.enabled)
      return this.ctx.dispatcher.dispatchCommand(get(this.config.method_header), value);
    let parsed: ReturnType<typeof publicationOf>;
    try {
      parsed = publicationOf(headerNames(mode), value, get, () => headers.entries());
    } catch (err) {
      if (!(err instanceof BadPublicationField)) throw err;
      this.ctx.log.warn('bad-header', 'error parsing header value, skip message', () => ({
        topic: record.topic,
        partition: record.partition,
        err: err.message,
      }));
      return;
    }
    if (parsed.channels.length === 0) {
      this.ctx.log.warn('no-channels', 'no channels found, skip message', () => ({
        topic: record.topic,
        partition: record.partition,
      }));
      return;
    }
    return this.ctx.dispatcher.dispatchPublication(parsed.channels, parsed.publication);
  }
}
