// The PostgreSQL outbox consumer against a real PostgreSQL (Debian's, started by the test):
// partitions shared by two nodes through advisory locks, LISTEN/NOTIFY wake-up, rows deleted
// after their publish succeeded, a node killed mid-stream losing and duplicating nothing.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import pg from 'pg';
import { freePorts, startNatsServer } from '../nats/harness.ts';
import { startTestNode } from '../node/harness.ts';
import { publishOf, runKillRestart, waitFor } from './kill-restart.ts';
import { startPostgres } from './servers.ts';

const PARTITIONS = 4;

/** The outbox table of the README, and the trigger that wakes consumers on insert. */
const SCHEMA = `
CREATE TABLE centrifugo_outbox (
  id BIGSERIAL PRIMARY KEY,
  method TEXT NOT NULL,
  payload JSONB NOT NULL,
  partition INTEGER NOT NULL DEFAULT 0,
  created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL
);
CREATE OR REPLACE FUNCTION centrifugo_notify_partition_change() RETURNS TRIGGER AS $$
BEGIN
  PERFORM pg_notify('centrifugo_partition_change', NEW.partition::text);
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER centrifugo_notify_partition_trigger AFTER INSERT ON centrifugo_outbox
  FOR EACH ROW EXECUTE FUNCTION centrifugo_notify_partition_change();
`;

function consumerOf(dsn: string, extra: Record<string, unknown> = {}) {
  return {
    name: 'outbox',
    type: 'postgresql',
    enabled: true,
    postgresql: {
      dsn,
      outbox_table_name: 'centrifugo_outbox',
      num_partitions: PARTITIONS,
      partition_select_limit: 50,
      partition_poll_interval: '300ms',
      partition_notification_channel: 'centrifugo_partition_change',
      ...extra,
    },
  };
}

/** A pool for the test's own writes; the server stops first, so idle clients may error. */
function testPool(url: string, t: TestContext): pg.Pool {
  const db = new pg.Pool({ connectionString: url, max: 2 });
  db.on('error', () => {});
  t.after(() => db.end());
  return db;
}

/** Real servers start in each test: bounded, but above the 60 s default on a busy machine. */
const SLOW = { timeout: 150_000 };

describe('postgresql consumer', () => {
  it('delivers every outbox row once across a node killed mid-stream', SLOW, async (t) => {
    const server = await startPostgres(t);
    if (!server) return;
    const db = testPool(server.url, t);
    await db.query(SCHEMA);
    await runKillRestart(t, {
      consumer: () => consumerOf(server.url),
      produce: async (seq) => {
        // As an application would: the row commits with the application's own writes.
        const client = await db.connect();
        try {
          await client.query('BEGIN');
          await client.query(
            'INSERT INTO centrifugo_outbox (method, payload, partition) VALUES ($1, $2, $3)',
            ['publish', JSON.stringify(publishOf(seq)), seq % PARTITIONS],
          );
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      },
    });
    const left = await db.query('SELECT count(*)::int AS n FROM centrifugo_outbox');
    assert.equal(left.rows[0].n, 0, 'every row deleted once done');
  });

  it(
    'wakes on NOTIFY, skips rows that cannot succeed, reads the method from the payload',
    SLOW,
    async (t) => {
      const server = await startPostgres(t);
      if (!server) return;
      const db = testPool(server.url, t);
      await db.query(SCHEMA);
      // A poll interval longer than the test: only a notification brings rows in quickly.
      const node = await startTestNode({
        channel: { namespaces: [{ name: 'outbox', history_size: 10, history_ttl: '60s' }] },
        consumers: [consumerOf(server.url, { partition_poll_interval: '60s', use_try_lock: true })],
      });
      t.after(() => node.close());
      const insert = (method: string, payload: unknown, partition = 0) =>
        db.query('INSERT INTO centrifugo_outbox (method, payload, partition) VALUES ($1, $2, $3)', [
          method,
          JSON.stringify(payload),
          partition,
        ]);
      await insert('publish', publishOf(1), 1);
      // An unknown namespace (102) and a method consumers do not run are skipped, not retried.
      await insert('publish', { channel: 'nope:x', data: {} }, 2);
      await insert('presence', { channel: 'outbox:seq' }, 2);
      // The method in the payload, with the request as a JSON string (Debezium's JSONB).
      await insert('', { method: 'publish', payload: JSON.stringify(publishOf(2)) }, 3);
      await waitFor(
        async () =>
          (await db.query('SELECT count(*)::int AS n FROM centrifugo_outbox')).rows[0].n === 0,
        10_000,
        'rows consumed after NOTIFY',
      );
      const history = await node.api('history', { channel: 'outbox:seq', limit: 10 });
      assert.deepEqual(
        history.json.result.publications.map((p: { data: { seq: number } }) => p.data.seq).sort(),
        [1, 2],
      );
      // Skipped rows are done too (deleted, counted as processed), as in Centrifugo.
      const processed = await node.running.metrics.registry
        .getSingleMetric('centrifugo_consumers_messages_processed_total')
        ?.get();
      assert.deepEqual(
        processed?.values.map((v) => [v.labels.consumer_name, v.value]),
        [['outbox', 4]],
      );
    },
  );

  it(
    'keeps a row while its publish fails (engine down), and delivers it once back',
    SLOW,
    async (t) => {
      const server = await startPostgres(t);
      if (!server) return;
      const db = testPool(server.url, t);
      await db.query(SCHEMA);
      const nats = await startNatsServer({ t });
      const node = await startTestNode({
        engine: { type: 'nats', nats: { urls: [nats.url], request_timeout: '300ms' } },
        channel: { namespaces: [{ name: 'outbox', history_size: 10, history_ttl: '60s' }] },
        consumers: [consumerOf(server.url)],
      });
      t.after(() => node.close());
      const errors = async () =>
        (
          await node.running.metrics.registry
            .getSingleMetric('centrifugo_consumers_errors_total')
            ?.get()
        )?.values[0]?.value ?? 0;
      await nats.kill();
      await db.query(
        'INSERT INTO centrifugo_outbox (method, payload, partition) VALUES ($1, $2, 1)',
        ['publish', JSON.stringify(publishOf(7))],
      );
      // The publish answers 100 while NATS is down: the row stays, retried with backoff.
      await waitFor(async () => (await errors()) >= 2, 15_000, 'retries counted as errors');
      const kept = await db.query('SELECT count(*)::int AS n FROM centrifugo_outbox');
      assert.equal(kept.rows[0].n, 1);
      await nats.restart();
      await waitFor(
        async () =>
          (await db.query('SELECT count(*)::int AS n FROM centrifugo_outbox')).rows[0].n === 0,
        20_000,
        'the row consumed once NATS is back',
      );
      const history = await node.api('history', { channel: 'outbox:seq', limit: 10 });
      assert.deepEqual(
        history.json.result.publications.map((p: { data: { seq: number } }) => p.data.seq),
        [7],
      );
    },
  );

  it('stops startup naming the consumer when PostgreSQL cannot be reached', async () => {
    const [port] = await freePorts(1);
    await assert.rejects(
      startTestNode({ consumers: [consumerOf(`postgres://postgres@127.0.0.1:${port}/postgres`)] }),
      /consumer outbox: cannot reach PostgreSQL \(consumers\.0\.postgresql\.dsn\)/,
    );
  });
});
