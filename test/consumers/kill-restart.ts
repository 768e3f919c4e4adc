// The scenario every consumer type is held to: two nodes on one NATS JetStream engine both
// run the consumer (so partitions, groups or the durable are shared); an official
// `centrifuge` SDK client subscribes on node B; messages numbered 1..N go into the source
// while node A, a real process, is killed (SIGKILL) mid-stream and started again. The
// subscriber must see every number exactly once: nothing lost (a message is marked done only
// after its publish succeeded), nothing duplicated (a redelivered message repeats its
// idempotency key, which the engine deduplicates).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Centrifuge } from 'centrifuge';
import { startNatsServer } from '../nats/harness.ts';
import { startTestNode } from '../node/harness.ts';
import { type Started, startBinary } from '../node/node-process.ts';

export const CHANNEL = 'outbox:seq';

export interface KillRestartOptions {
  /** The consumers[] item both nodes run (with enabled: true). */
  consumer: (node: 'a' | 'b', natsUrl: string) => Record<string, unknown>;
  /** Runs once the engine's nats-server is up, before the nodes start. */
  prepare?: (natsUrl: string) => Promise<void>;
  /** Writes message number seq into the source: a publish into CHANNEL of {seq}. */
  produce: (seq: number) => Promise<void>;
  total?: number;
  /** Pause between two produced messages. */
  everyMs?: number;
  /** How long the subscriber may take to see everything after the last message. */
  settleMs?: number;
}

/** The server API request each produced message carries. */
export function publishOf(seq: number): {
  channel: string;
  data: { seq: number };
  idempotency_key: string;
} {
  return { channel: CHANNEL, data: { seq }, idempotency_key: `seq-${seq}` };
}

export async function runKillRestart(t: TestContext, o: KillRestartOptions): Promise<void> {
  const total = o.total ?? 300;
  const nats = await startNatsServer({ t });
  await o.prepare?.(nats.url);
  const base = (node: 'a' | 'b') => ({
    engine: { type: 'nats', nats: { urls: [nats.url] } },
    client: { insecure: true },
    channel: {
      namespaces: [
        {
          name: 'outbox',
          history_size: 10_000,
          history_ttl: '600s',
          allow_subscribe_for_client: true,
        },
      ],
    },
    prometheus: { enabled: true },
    consumers: [o.consumer(node, nats.url)],
  });
  const dir = await mkdtemp(join(tmpdir(), 'centrifugo-ts-consumers-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const configA = join(dir, 'a.json');
  await writeFile(
    configA,
    JSON.stringify({
      ...base('a'),
      http_server: { address: '127.0.0.1', port: 0 },
      http_api: { key: 'k' },
      log: { level: 'info' },
    }),
  );
  let a: Started = await startBinary(['-c', configA], dir);
  t.after(() => a.child.kill('SIGKILL'));
  const b = await startTestNode(base('b'));
  t.after(() => b.close());

  const seen: number[] = [];
  const client = new Centrifuge(`${b.url.replace('http', 'ws')}/connection/websocket`, {
    minReconnectDelay: 50,
    maxReconnectDelay: 300,
  });
  t.after(() => client.disconnect());
  const sub = client.newSubscription(CHANNEL);
  sub.on('publication', (ctx) => seen.push((ctx.data as { seq: number }).seq));
  const subscribed = new Promise<void>((resolve) => sub.once('subscribed', () => resolve()));
  sub.subscribe();
  client.connect();
  await withTimeout(subscribed, 10_000, 'subscribed on node B');

  let produced = 0;
  const producing = (async () => {
    for (let seq = 1; seq <= total; seq++) {
      await o.produce(seq);
      produced = seq;
      await sleep(o.everyMs ?? 10);
    }
  })();

  // Node A takes part before it dies: its processed counter moves.
  await waitFor(async () => (await processedBy(a.apiUrl)) > 0, 30_000, 'node A processing');
  const processedByA = await processedBy(a.apiUrl);
  a.child.kill('SIGKILL');
  await a.exited;
  const killedAt = produced;
  a = await startBinary(['-c', configA], dir);
  await producing;

  const deadline = Date.now() + (o.settleMs ?? 45_000);
  while (new Set(seen).size < total && Date.now() < deadline) await sleep(50);
  // Late duplicates, if any, would arrive now.
  await sleep(1_500);
  const missing = [...Array(total).keys()].map((i) => i + 1).filter((s) => !seen.includes(s));
  assert.deepEqual(missing, [], `lost after killing node A at message ${killedAt}`);
  const counts = new Map<number, number>();
  for (const s of seen) counts.set(s, (counts.get(s) ?? 0) + 1);
  const twice = [...counts].filter(([, n]) => n > 1).map(([s]) => s);
  assert.deepEqual(twice, [], 'delivered more than once');
  assert.equal(seen.length, total);
  assert.ok(
    processedByA > 0 && killedAt < total,
    `A processed ${processedByA}, killed at ${killedAt}`,
  );
  // The restarted node A runs the consumer again, and both nodes count under one name.
  await waitFor(
    async () =>
      (await metricsText(a.apiUrl)).includes('centrifugo_consumers_messages_processed_total'),
    10_000,
    'metrics of the restarted node A',
  );
}

async function metricsText(apiUrl: string): Promise<string> {
  const res = await fetch(new URL('/metrics', apiUrl), { signal: AbortSignal.timeout(5_000) });
  return res.text();
}

/** centrifugo_consumers_messages_processed_total of a node, summed over consumers. */
export async function processedBy(apiUrl: string): Promise<number> {
  const text = await metricsText(apiUrl);
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('centrifugo_consumers_messages_processed_total{')) {
      sum += Number(line.split(' ').pop());
    }
  }
  return sum;
}

export async function waitFor(check: () => Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    sleep(ms).then(() => {
      throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    }),
  ]);
}
