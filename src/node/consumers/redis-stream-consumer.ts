// Consumes Redis streams through a consumer group, as Centrifugo's
// (internal/consuming/redis_stream.go with internal/redisqueue) does: every node reads the
// group under its own node ID, so the cluster handles each entry once; an entry is XACKed
// only after its command succeeded. One that failed stays pending, and any node claims it
// (XAUTOCLAIM) once it has been idle for visibility_timeout, which is also how entries a
// crashed node held come back. num_workers entries are in hand at a time per stream.
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisStreamConsumerConfig } from '../config/index.ts';
import { clientTlsOptions, durationMs } from '../config/index.ts';
import { type Consumer, type ConsumerContext, pause } from './consumer.ts';
import { publicationOf } from './publication-fields.ts';

/** How long one XREADGROUP blocks, so close() and a freed worker never wait longer. */
const BLOCK_MS = 5_000;
const RECLAIM_INTERVAL_MS = 5_000;
const READ_ERROR_PAUSE_MS = 200;
const DEFAULT_VISIBILITY_MS = 30_000;

type Entry = [id: string, fields: string[] | null];

export class RedisStreamConsumer implements Consumer {
  private readonly config: RedisStreamConsumerConfig;
  private readonly ctx: ConsumerContext;
  private readonly key: string;
  private readonly abort = new AbortController();
  private client: Redis | undefined;
  private readonly readers: Redis[] = [];
  /** CLIENT ID of each reader's connection, to unblock its XREADGROUP on close(). */
  private readonly readerIds = new Map<Redis, number>();
  private loops: Promise<void>[] = [];
  private closing: Promise<void> | undefined;

  constructor(config: RedisStreamConsumerConfig, ctx: ConsumerContext, key: string) {
    this.config = config;
    this.ctx = ctx;
    this.key = key;
  }

  private options(extraTimeoutMs = 0): RedisOptions {
    const c = this.config;
    const tls = clientTlsOptions(c.tls, `${this.key}.tls`);
    return {
      db: c.db,
      // RESP3 unless forced down, as Centrifugo's client does.
      protocol: c.force_resp2 ? 2 : 3,
      ...(c.user !== '' ? { username: c.user } : {}),
      ...(c.password !== '' ? { password: c.password } : {}),
      ...(c.client_name !== '' ? { connectionName: c.client_name } : {}),
      connectTimeout: durationMs(c.connect_timeout) || 1_000,
      commandTimeout: (durationMs(c.io_timeout) || 4_000) + extraTimeoutMs,
      ...(tls ? { tls } : {}),
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      // Reconnect forever with a capped delay: an outage must not end the consumer.
      retryStrategy: (times) => Math.min(times * 100, 2_000),
    };
  }

  private newClient(extraTimeoutMs = 0): Redis {
    const address = this.config.address[0] as string;
    const url = /^[a-z]+:\/\//.test(address) ? address : `redis://${address}`;
    const client = new Redis(url, this.options(extraTimeoutMs));
    client.on('error', (err: Error) =>
      this.ctx.log.warn('connection', 'redis connection error', () => ({ err: err.message })),
    );
    return client;
  }

  async start(): Promise<void> {
    const client = this.newClient();
    this.client = client;
    try {
      await client.connect();
      await client.ping();
      for (const stream of this.config.streams) await this.createGroup(stream);
    } catch (err) {
      client.disconnect();
      throw new Error(
        `consumer ${this.ctx.name}: Redis at ${this.config.address[0]}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    for (const stream of this.config.streams) {
      const reader = this.newClient(BLOCK_MS);
      this.readers.push(reader);
      const slots = new Slots(Math.max(this.config.num_workers, 1));
      this.loops.push(this.poll(stream, reader, slots));
      this.loops.push(this.reclaim(stream, slots));
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.abort.abort();
      // A blocked XREADGROUP returns at once when unblocked; entries in hand finish first.
      await Promise.allSettled(
        [...this.readerIds.values()].map((id) => this.client?.client('UNBLOCK', id)),
      );
      await Promise.allSettled(this.loops);
      for (const reader of this.readers) reader.disconnect();
      await this.client?.quit().catch(() => this.client?.disconnect());
    })();
    return this.closing;
  }

  private async createGroup(stream: string): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', stream, this.config.consumer_group, '$', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
  }

  private get redis(): Redis {
    return this.client as Redis;
  }

  private async poll(stream: string, reader: Redis, slots: Slots): Promise<void> {
    const signal = this.abort.signal;
    const group = this.config.consumer_group;
    await reader.connect().catch(() => {});
    const id = await reader.client('ID').catch(() => undefined);
    if (typeof id === 'number') this.readerIds.set(reader, id);
    while (!signal.aborted) {
      const free = await slots.free(signal);
      if (signal.aborted) break;
      let reply: unknown;
      try {
        reply = await reader.call(
          'XREADGROUP',
          'GROUP',
          group,
          this.ctx.nodeId,
          'COUNT',
          String(free),
          'BLOCK',
          String(BLOCK_MS),
          'STREAMS',
          stream,
          '>',
        );
      } catch (err) {
        if (signal.aborted) break;
        const message = (err as Error).message;
        if (message.includes('NOGROUP')) {
          await this.createGroup(stream).catch((e: Error) =>
            this.ctx.log.warn('group', 'error creating consumer group', () => ({ err: e.message })),
          );
          continue;
        }
        this.ctx.log.warn(`read-${stream}`, 'error reading redis stream', () => ({
          stream,
          err: message,
        }));
        await pause(READ_ERROR_PAUSE_MS, signal);
        continue;
      }
      for (const entry of entriesOf(reply)) slots.run(() => this.work(stream, entry));
    }
    await slots.drain();
  }

  /** Claims entries idle longer than visibility_timeout: failed ones, and a dead node's. */
  private async reclaim(stream: string, slots: Slots): Promise<void> {
    const signal = this.abort.signal;
    // Zero takes the default, as every zero key with a default does in Centrifugo's config.
    const idleMs = durationMs(this.config.visibility_timeout) || DEFAULT_VISIBILITY_MS;
    while (!signal.aborted) {
      await pause(RECLAIM_INTERVAL_MS, signal);
      let start = '0-0';
      while (!signal.aborted) {
        const free = await slots.free(signal);
        if (signal.aborted) return;
        let reply: [string, Entry[], ...unknown[]];
        try {
          reply = (await this.redis.xautoclaim(
            stream,
            this.config.consumer_group,
            this.ctx.nodeId,
            idleMs,
            start,
            'COUNT',
            free,
          )) as [string, Entry[]];
        } catch (err) {
          this.ctx.log.warn(`claim-${stream}`, 'error listing pending messages', () => ({
            stream,
            err: (err as Error).message,
          }));
          break;
        }
        const [next, entries] = reply;
        for (const entry of entries) slots.run(() => this.work(stream, entry));
        if (entries.length === 0 || next === '0-0') break;
        start = next;
      }
    }
  }

  private async work(stream: string, [id, fields]: Entry): Promise<void> {
    if (fields !== null) {
      try {
        await this.process(fieldsOf(fields));
        this.ctx.processed();
      } catch (err) {
        // Not acknowledged: pending until claimed again after visibility_timeout.
        this.ctx.failed();
        this.ctx.log.warn('process', 'error processing redis stream message', () => ({
          stream,
          id,
          err: (err as Error).message,
        }));
        return;
      }
    }
    // An entry without fields was deleted from the stream while pending: ack it away.
    try {
      await this.redis.xack(stream, this.config.consumer_group, id);
    } catch (err) {
      this.ctx.log.warn('ack', 'error acknowledging message', () => ({
        stream,
        id,
        err: (err as Error).message,
      }));
    }
  }

  private async process(values: Map<string, string>): Promise<void> {
    const c = this.config;
    const data = values.get(c.payload_value);
    if (data === undefined) {
      this.ctx.log.warn('no-payload', 'payload value not found in redis stream message', () => ({
        expectedValue: c.payload_value,
      }));
      return;
    }
    const payload = Buffer.from(data);
    const mode = c.publication_data_mode;
    if (!mode.enabled) {
      return this.ctx.dispatcher.dispatchCommand(values.get(c.method_value) ?? '', payload);
    }
    // A field that does not parse is an error here, as in Centrifugo: the entry stays pending.
    const { channels, publication } = publicationOf(
      {
        channels: mode.channels_value,
        idempotencyKey: mode.idempotency_key_value,
        delta: mode.delta_value,
        version: mode.version_value,
        versionEpoch: mode.version_epoch_value,
        tagsPrefix: mode.tags_value_prefix,
      },
      payload,
      (name) => values.get(name) ?? '',
      () => values.entries(),
    );
    if (channels.length === 0) {
      this.ctx.log.warn('no-channels', 'no channels found, skipping message');
      return;
    }
    return this.ctx.dispatcher.dispatchPublication(channels, publication);
  }
}

/**
 * The entries of an XREADGROUP reply for one stream: `[[stream, entries]]` in RESP2, the
 * map `{stream: entries}` (flattened to `[stream, entries]`) in RESP3; null when none came.
 */
function entriesOf(reply: unknown): Entry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  if (typeof reply[0] === 'string' || Buffer.isBuffer(reply[0])) return (reply[1] ?? []) as Entry[];
  return ((reply[0] as [string, Entry[]])[1] ?? []) as Entry[];
}

function fieldsOf(flat: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i] as string, flat[i + 1] as string);
  return out;
}

/** At most `size` entries in hand at once per stream (Centrifugo's num_workers). */
class Slots {
  private inHand = 0;
  private readonly size: number;
  private readonly tasks = new Set<Promise<void>>();
  private waiters: Array<() => void> = [];

  constructor(size: number) {
    this.size = size;
  }

  /** Waits for a free slot; resolves with how many are free. */
  async free(signal: AbortSignal): Promise<number> {
    while (this.inHand >= this.size && !signal.aborted) {
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    return this.size - this.inHand;
  }

  run(task: () => Promise<void>): void {
    this.inHand++;
    const p = task().finally(() => {
      this.inHand--;
      this.tasks.delete(p);
      const waiting = this.waiters;
      this.waiters = [];
      for (const wake of waiting) wake();
    });
    this.tasks.add(p);
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.tasks]);
  }
}
