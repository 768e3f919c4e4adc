// PostgreSQL outbox to delivered publications, side by side: one outbox table (4 partitions,
// a NOTIFY trigger, Centrifugo's documented layout) consumed by centrifugo-ts, then by real
// Centrifugo v6.9.1, round by round in the same run, each alone on the table. Each round
// commits N publish rows in one transaction and times until a subscriber (the official
// `centrifuge` SDK, over WebSocket) has received all N; the server's CPU seconds over that
// window give rows per server core-second. Server pinned to CPU 0; PostgreSQL and this
// generator share CPU 1.
//
//   node bench/consumers-outbox.ts [--rows 20000] [--rounds 3] [--partitions 4] [--limit 100]
//     [--no-wait] [--out file] [--node-flags="--cpu-prof --cpu-prof-dir=/tmp/prof"]
import { parseArgs } from 'node:util';
import { Centrifuge } from 'centrifuge';
import pg from 'pg';
import { startPostgres } from '../test/consumers/servers.ts';
import {
  metric,
  newResult,
  prepare,
  RESULTS_DIR,
  SERVER_CPU,
  sleep,
  today,
  writeResult,
} from './lib/scenario.ts';
import { type BenchServer, SERVER_KINDS, type ServerKind, startServer } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '4' },
    limit: { type: 'string', default: '100' },
    'no-wait': { type: 'boolean', default: false },
    out: { type: 'string' },
    // node flags for centrifugo-ts only, e.g. --node-flags="--cpu-prof --cpu-prof-dir=/tmp/p"
    'node-flags': { type: 'string', default: '' },
  },
});
const ROWS = Number(values.rows);
const ROUNDS = Number(values.rounds);
const PARTITIONS = Number(values.partitions);
const LIMIT = Number(values.limit);
const CHANNEL = 'outbox_bench';

// The test harness's PostgreSQL (initdb into a temporary folder, a free port), driven
// without a test: its cleanup hooks run at the end of this script.
const cleanups: Array<() => Promise<void>> = [];
const context = {
  after: (fn: () => Promise<void>) => cleanups.push(fn),
  skip: (why: string) => {
    throw new Error(why);
  },
};

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

interface Round {
  kind: ServerKind;
  round: number;
  seconds: number;
  serverCpuSeconds: number;
  rowsPerSecond: number;
  rowsPerCoreSecond: number;
}

async function subscriber(server: BenchServer) {
  let received = 0;
  const client = new Centrifuge(`ws://127.0.0.1:${server.httpPort}/connection/websocket`);
  const sub = client.newSubscription(CHANNEL);
  sub.on('publication', () => {
    received++;
  });
  const ready = new Promise<void>((resolve) => sub.once('subscribed', () => resolve()));
  sub.subscribe();
  client.connect();
  await ready;
  return { count: () => received, close: () => client.disconnect() };
}

async function oneRound(kind: ServerKind, round: number, dsn: string, db: pg.Pool): Promise<Round> {
  const server = await startServer(kind, {
    cpu: SERVER_CPU,
    nodeFlags: (values['node-flags'] as string).split(' ').filter(Boolean),
    extra: {
      consumers: [
        {
          name: 'outbox',
          type: 'postgresql',
          enabled: true,
          postgresql: {
            dsn,
            outbox_table_name: 'centrifugo_outbox',
            num_partitions: PARTITIONS,
            partition_select_limit: LIMIT,
            partition_poll_interval: '300ms',
            partition_notification_channel: 'centrifugo_partition_change',
          },
        },
      ],
    },
  });
  try {
    const sub = await subscriber(server);
    await sleep(500);
    const cpuBefore = server.cpuSeconds();
    const started = performance.now();
    await db.query(
      `INSERT INTO centrifugo_outbox (method, payload, partition)
       SELECT 'publish', jsonb_build_object('channel', $1::text, 'data', jsonb_build_object('i', i)), i % $2
       FROM generate_series(1, $3) AS i`,
      [CHANNEL, PARTITIONS, ROWS],
    );
    const deadline = Date.now() + 300_000;
    while (sub.count() < ROWS && Date.now() < deadline) await sleep(5);
    const seconds = (performance.now() - started) / 1000;
    const serverCpuSeconds = server.cpuSeconds() - cpuBefore;
    if (sub.count() < ROWS) throw new Error(`${kind}: ${sub.count()} of ${ROWS} delivered`);
    sub.close();
    // A row is deleted after its publish, so the last batch's commit may still be on its way.
    let left = -1;
    for (const until = Date.now() + 10_000; left !== 0 && Date.now() < until; await sleep(50)) {
      left = (await db.query('SELECT count(*)::int AS n FROM centrifugo_outbox')).rows[0].n;
    }
    if (left !== 0) throw new Error(`${kind}: ${left} rows left`);
    const r: Round = {
      kind,
      round,
      seconds: Number(seconds.toFixed(3)),
      serverCpuSeconds: Number(serverCpuSeconds.toFixed(3)),
      rowsPerSecond: Math.round(ROWS / seconds),
      rowsPerCoreSecond: Math.round(ROWS / serverCpuSeconds),
    };
    console.error(JSON.stringify(r));
    return r;
  } finally {
    await server.stop();
  }
}

const { placement, loadBefore } = await prepare({ wait: !values['no-wait'] });
const pgServer = await startPostgres(context as never);
if (!pgServer) throw new Error('no PostgreSQL');
const db = new pg.Pool({ connectionString: pgServer.url, max: 2 });
db.on('error', () => {});
try {
  await db.query(SCHEMA);
  const runs: Round[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate who goes first, so neither always meets a freshly vacuumed table.
    const order = round % 2 === 1 ? SERVER_KINDS : [...SERVER_KINDS].reverse();
    for (const kind of order) runs.push(await oneRound(kind, round, pgServer.url, db));
  }
  const median = (kind: ServerKind, key: 'rowsPerSecond' | 'rowsPerCoreSecond' | 'seconds') => {
    const xs = runs
      .filter((r) => r.kind === kind)
      .map((r) => r[key])
      .sort((a, b) => a - b);
    return xs[Math.floor(xs.length / 2)] as number;
  };
  const result = newResult(
    'consumers-outbox',
    'PostgreSQL outbox rows to delivered publications',
    `node bench/consumers-outbox.ts --rows ${ROWS} --rounds ${ROUNDS} --partitions ${PARTITIONS} --limit ${LIMIT}`,
    placement,
    loadBefore,
    { rows: ROWS, rounds: ROUNDS, partitions: PARTITIONS, partition_select_limit: LIMIT },
  );
  result.metrics.push(
    metric(
      'rows delivered per second',
      'rows/s',
      'higher',
      median('centrifugo-ts', 'rowsPerSecond'),
      median('centrifugo', 'rowsPerSecond'),
      { headline: true },
    ),
    metric(
      'rows per server core-second',
      'rows/core-s',
      'higher',
      median('centrifugo-ts', 'rowsPerCoreSecond'),
      median('centrifugo', 'rowsPerCoreSecond'),
      { headline: true },
    ),
    metric(
      'time to deliver all rows',
      's',
      'lower',
      median('centrifugo-ts', 'seconds'),
      median('centrifugo', 'seconds'),
    ),
  );
  result.notes.push(
    `${ROWS} rows committed in one transaction per round; medians of ${ROUNDS} rounds; each server alone on the table, started fresh per round.`,
    'PostgreSQL 15 (Debian) on the same machine, unpinned, with fsync off; it shares CPU 1 with this generator.',
  );
  result.runs = runs;
  writeResult(
    result,
    'consumers-outbox',
    values.out ?? `${RESULTS_DIR}/${today()}-consumers-outbox`,
  );
} finally {
  await db.end();
  for (const fn of cleanups.reverse()) await fn();
}
