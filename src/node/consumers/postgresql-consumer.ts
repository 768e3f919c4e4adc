// The transactional outbox: the application inserts rows (method, payload, partition) in its
// own transaction, and this consumer turns them into API commands, as Centrifugo's
// (internal/consuming/postgresql.go) does, so both can consume the same table:
// - each partition is read in its own transaction holding the advisory lock
//   hashtext('centrifugo_partition_lock_<name><partition>') (the name Centrifugo uses): one
//   node at a time works a partition, in id order; with use_try_lock a node that does not get
//   the lock waits a poll interval instead of queueing for it;
// - up to partition_select_limit rows are dispatched in order; a row whose command fails
//   temporarily stops the batch, and only the rows before it are deleted, in the same
//   transaction that read them: a row is deleted only after its command succeeded;
// - a partition that gave fewer rows than the limit sleeps partition_poll_interval, or until
//   a NOTIFY on partition_notification_channel names it (its payload is the partition).
import pg from 'pg';
import type { PostgresConsumerConfig } from '../config/index.ts';
import { durationMs } from '../config/index.ts';
import { nextBackoffMs } from './backoff.ts';
import { type Consumer, type ConsumerContext, pause } from './consumer.ts';
import { tlsOptions } from './tls-options.ts';

const JSON_OID = 114;
const JSONB_OID = 3802;
const LOCK_NOT_AVAILABLE = '55P03';
const CONNECT_TIMEOUT_MS = 10_000;
/**
 * A worker waiting on a partition's lock gives up after this and asks again, so that close()
 * never waits on another node's transaction; waiting again costs one round trip.
 */
const LOCK_WAIT_MS = 1_000;
const LISTEN_RETRY_MS = 1_000;

/** JSON columns as their text, byte for byte: the payload goes to the API decoder as written. */
const RAW_JSON_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === JSON_OID || oid === JSONB_OID
      ? (value: string) => value
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

interface OutboxRow {
  id: string;
  method: string;
  payload: string | Buffer | null;
}

class LockNotAcquired extends Error {
  override name = 'LockNotAcquired';
}

export class PostgresConsumer implements Consumer {
  private readonly config: PostgresConsumerConfig;
  private readonly ctx: ConsumerContext;
  private readonly key: string;
  private readonly pollMs: number;
  private readonly lockPrefix: string;
  private readonly abort = new AbortController();
  /** Per partition: wakes its worker early (a NOTIFY named it). */
  private readonly wakers: Array<(() => void) | undefined>;
  /**
   * A wake for a partition that was reading, not sleeping: its next sleep returns at once, so
   * a row notified while the partition's query ran is not left for the next poll interval.
   */
  private readonly wokenWhileBusy: boolean[];
  private pool: pg.Pool | undefined;
  private listener: pg.Client | undefined;
  private running: Promise<unknown>[] = [];
  private closing: Promise<void> | undefined;

  constructor(config: PostgresConsumerConfig, ctx: ConsumerContext, key: string) {
    this.config = config;
    this.ctx = ctx;
    this.key = key;
    this.pollMs = durationMs(config.partition_poll_interval) || 300;
    this.lockPrefix = `centrifugo_partition_lock_${ctx.name}`;
    this.wakers = new Array(Math.max(config.num_partitions, 1)).fill(undefined);
    this.wokenWhileBusy = new Array(this.wakers.length).fill(false);
  }

  private get partitions(): number {
    return this.wakers.length;
  }

  private get limit(): number {
    return this.config.partition_select_limit || 100;
  }

  async start(): Promise<void> {
    const ssl = tlsOptions(this.config.tls, `${this.key}.tls`);
    this.pool = new pg.Pool({
      connectionString: this.config.dsn,
      ...(ssl ? { ssl } : {}),
      // One connection per partition worker (each holds its transaction), one spare.
      max: this.partitions + 1,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    this.pool.on('error', (err) =>
      this.ctx.log.warn('pool', 'postgresql connection error', () => ({ err: err.message })),
    );
    try {
      await this.pool.query('SELECT 1');
    } catch (err) {
      await this.pool.end().catch(() => {});
      throw new Error(
        `consumer ${this.ctx.name}: cannot reach PostgreSQL (${this.key}.dsn): ${(err as Error).message}`,
        { cause: err },
      );
    }
    if (this.config.partition_notification_channel !== '') this.running.push(this.listenLoop());
    for (let p = 0; p < this.partitions; p++) this.running.push(this.partitionLoop(p));
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.abort.abort();
      for (const wake of this.wakers) wake?.();
      await Promise.allSettled(this.running);
      await this.listener?.end().catch(() => {});
      await this.pool?.end().catch(() => {});
    })();
    return this.closing;
  }

  private async partitionLoop(partition: number): Promise<void> {
    const signal = this.abort.signal;
    let backoffMs = 0;
    let retries = 0;
    while (!signal.aborted) {
      let rows: number;
      try {
        rows = await this.processOnce(partition);
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof LockWaitExpired) continue;
        if (err instanceof LockNotAcquired) {
          await this.sleep(partition);
          continue;
        }
        retries++;
        backoffMs = nextBackoffMs(backoffMs, retries);
        this.ctx.failed();
        this.ctx.log.warn(`partition-${partition}`, 'error processing postgresql outbox', () => ({
          partition,
          err: (err as Error).message,
          nextAttemptInMs: backoffMs,
        }));
        await pause(backoffMs, signal);
        continue;
      }
      if (retries > 0) this.ctx.logger.info({ partition }, 'postgresql outbox processed again');
      retries = 0;
      backoffMs = 0;
      // A full batch means more rows may wait: read again at once.
      if (rows < this.limit) await this.sleep(partition);
    }
  }

  /** Until the poll interval passes, a NOTIFY names the partition, or close(). */
  private sleep(partition: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers[partition] = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.pollMs);
      this.wakers[partition] = done;
      if (this.abort.signal.aborted || this.wokenWhileBusy[partition]) {
        this.wokenWhileBusy[partition] = false;
        done();
      }
    });
  }

  /** One transaction on one partition; resolves with the rows done (dispatched and deleted). */
  private async processOnce(partition: number): Promise<number> {
    const pool = this.pool as pg.Pool;
    const client = await pool.connect();
    let broken: Error | undefined;
    let finished = false;
    // The pool listens for errors of idle clients only: a connection lost while this one is
    // out (during a dispatch, say) must end up here, not as an uncaught 'error' event.
    const onError = (err: Error) => {
      broken = err;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      try {
        await this.lock(client, partition);
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
      const { rows } = await client.query<OutboxRow>({
        text: `SELECT id, method, payload FROM ${this.config.outbox_table_name} WHERE partition=$1 ORDER BY id ASC LIMIT $2`,
        values: [partition, this.limit],
        types: RAW_JSON_TYPES,
      });
      const done: string[] = [];
      let failure: unknown;
      for (const row of rows) {
        try {
          const payload =
            row.payload === null
              ? Buffer.from('null')
              : typeof row.payload === 'string'
                ? Buffer.from(row.payload)
                : row.payload;
          await this.ctx.dispatcher.dispatchCommand(row.method ?? '', payload);
        } catch (err) {
          // Rows after this one wait too: the partition keeps its order.
          failure = err;
          break;
        }
        done.push(row.id);
      }
      if (done.length > 0) {
        await client.query(`DELETE FROM ${this.config.outbox_table_name} WHERE id = ANY($1)`, [
          done,
        ]);
      }
      await client.query('COMMIT');
      finished = true;
      // Counted only for a batch that ended well, as Centrifugo counts them.
      if (failure !== undefined) throw failure;
      if (done.length > 0) this.ctx.processed(done.length);
      return done.length;
    } catch (err) {
      if (!finished && !(err instanceof LockNotAcquired)) {
        // A failed statement leaves the transaction aborted: roll back before reuse, and drop
        // the connection when even that fails.
        await client.query('ROLLBACK').catch((e: Error) => {
          broken = e;
        });
      }
      throw err;
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  private async lock(client: pg.PoolClient, partition: number): Promise<void> {
    const name = `${this.lockPrefix}${partition}`;
    if (this.config.use_try_lock) {
      const { rows } = await client.query<{ acquired: boolean }>(
        'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS acquired',
        [name],
      );
      if (rows[0]?.acquired !== true) throw new LockNotAcquired();
      return;
    }
    await client.query(`SET LOCAL lock_timeout = ${LOCK_WAIT_MS}`);
    try {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [name]);
    } catch (err) {
      // Another node works the partition: ask again (at once, unless closing).
      if ((err as { code?: string }).code === LOCK_NOT_AVAILABLE) throw new LockWaitExpired();
      throw err;
    }
  }

  private async listenLoop(): Promise<void> {
    const signal = this.abort.signal;
    // The notification DSN serves only with a channel, as in Centrifugo; else the main DSN.
    const dsn =
      this.config.partition_notification_dsn !== ''
        ? this.config.partition_notification_dsn
        : this.config.dsn;
    const ssl = tlsOptions(this.config.tls, `${this.key}.tls`);
    while (!signal.aborted) {
      const client = new pg.Client({
        connectionString: dsn,
        ...(ssl ? { ssl } : {}),
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      });
      this.listener = client;
      const ended = new Promise<Error | undefined>((resolve) => {
        client.on('error', (err) => resolve(err));
        client.on('end', () => resolve(undefined));
      });
      client.on('notification', (msg) => this.notified(msg.payload ?? ''));
      try {
        await client.connect();
        await client.query(`LISTEN ${quoteIdentifier(this.config.partition_notification_channel)}`);
        // Rows inserted before LISTEN took effect (at start, or while reconnecting) sent
        // notifications nobody heard: every partition reads once now.
        for (let p = 0; p < this.partitions; p++) this.wake(p);
        const err = await Promise.race([ended, abortedPromise(signal)]);
        if (err) throw err;
      } catch (err) {
        if (!signal.aborted) {
          this.ctx.log.warn('listen', 'error listening outbox notifications', () => ({
            err: (err as Error).message,
          }));
        }
      } finally {
        await client.end().catch(() => {});
      }
      await pause(LISTEN_RETRY_MS, signal);
    }
  }

  private notified(payload: string): void {
    if (!/^[+-]?\d+$/.test(payload)) {
      this.ctx.log.warn('notify-payload', 'error converting postgresql notification', () => ({
        payload: payload.slice(0, 64),
      }));
      return;
    }
    const partition = Number(payload);
    if (partition < 0 || partition >= this.partitions) {
      this.ctx.log.warn('notify-range', 'outbox partition is out of range', () => ({ partition }));
      return;
    }
    this.wake(partition);
  }

  private wake(partition: number): void {
    const wake = this.wakers[partition];
    if (wake) wake();
    else this.wokenWhileBusy[partition] = true;
  }
}

/** A lock wait that timed out: not an error, the partition loop asks again. */
class LockWaitExpired extends LockNotAcquired {
  override name = 'LockWaitExpired';
}

/** pgx's Identifier.Sanitize: double-quoted, quotes doubled, NUL bytes dropped. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('\u0000', '').replaceAll('"', '""')}"`;
}

function abortedPromise(signal: AbortSignal): Promise<undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(undefined);
    else signal.addEventListener('abort', () => resolve(undefined), { once: true });
  });
}
