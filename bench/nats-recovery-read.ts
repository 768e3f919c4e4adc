// What a recovering subscribe and a stream position check cost a node on NATS, against a
// channel with 10,000 retained publications (another channel's 5,000 fall between them in
// the namespace's stream): time, and bytes the node read from NATS, counted on the wire by a
// TCP proxy between the node and nats-server.
// - Position check: `history` with limit 0 through the HTTP API, the engine call the node
//   makes per channel every client.channel_position_check_delay (core/node.ts checkPositions).
// - Recovering subscribe: the official SDK subscribes with `since` 10 publications behind
//   the top (force_recovery), until `subscribed` with recovered: true and the 10 delivered.
//
//   node bench/nats-recovery-read.ts [--retained 10000] [--missed 10] [--rounds 20] [--out file.md]
//
// Needs nats-server (scripts/ensure-nats.sh). Run it in another tree for a before/after.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Centrifuge } from 'centrifuge';
import { pino } from 'pino';
import { validateConfig } from '../src/node/config/index.ts';
import { NatsEngine } from '../src/node/engine/nats/index.ts';
import { createLogger } from '../src/node/observability/index.ts';
import { startNode } from '../src/node/start-node.ts';
import { startNatsServer } from '../test/nats/harness.ts';
import { startTcpProxy } from '../test/nats/tcp-proxy.ts';

const { values } = parseArgs({
  options: {
    retained: { type: 'string', default: '10000' },
    missed: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '20' },
    out: { type: 'string' },
  },
});
const RETAINED = Number(values.retained);
const MISSED = Number(values.missed);
const ROUNDS = Number(values.rounds);
const API_KEY = 'bench-key';
const CHANNEL = 'rec:big';
const HISTORY = { size: RETAINED, ttlMs: 600_000 };

const nats = await startNatsServer();
const proxy = await startTcpProxy(() => [nats.port]);
const prefix = `rr${randomBytes(3).toString('hex')}`;
const loadBefore = loadavg()[0] ?? 0;

// Fill straight into NATS (not through the proxy), as other nodes would have.
const filler = await NatsEngine.create({
  settings: validateConfig({ engine: { type: 'nats', nats: { urls: [nats.url], prefix } } }).engine
    .nats,
  nodeId: 'filler',
  nodeName: 'filler',
  namespaceOf: () => 'rec',
  historyOf: () => HISTORY,
  historyNamespaces: ['rec'],
  metaTtlMs: 3_600_000,
  logger: createLogger({ level: 'none', file: '' }),
});
const options = { historySize: HISTORY.size, historyTtlMs: HISTORY.ttlMs, historyMetaTtlMs: 0 };
const pad = 'x'.repeat(80);
const pending: Array<Promise<unknown>> = [];
for (let n = 1; n <= RETAINED; n++) {
  const data = new TextEncoder().encode(JSON.stringify({ n, pad }));
  pending.push(filler.broker.publish(CHANNEL, data, options));
  if (n % 2 === 0) pending.push(filler.broker.publish('rec:other', data, options));
  if (pending.length >= 64) await Promise.all(pending.splice(0));
}
await Promise.all(pending);

const config = validateConfig({
  engine: { type: 'nats', nats: { urls: [`nats://127.0.0.1:${proxy.port}`], prefix } },
  http_server: { address: '127.0.0.1', port: 0 },
  http_api: { key: API_KEY },
  client: { allow_anonymous_connect_without_token: true },
  channel: {
    namespaces: [
      {
        name: 'rec',
        allow_subscribe_for_anonymous: true,
        allow_subscribe_for_client: true,
        history_size: HISTORY.size,
        history_ttl: '600s',
        force_recovery: true,
      },
    ],
  },
});
const node = await startNode(config, pino({ level: 'silent' }));
const base = `http://127.0.0.1:${node.addresses[0]?.port}`;
const api = async (method: string, body: unknown) => {
  const res = await fetch(`${base}/api/${method}`, {
    method: 'POST',
    headers: { 'X-API-Key': API_KEY },
    body: JSON.stringify(body),
  });
  return (await res.json()) as { result?: { offset: number; epoch: string } };
};

interface Sample {
  ms: number;
  bytes: number;
}
const measure = async (task: () => Promise<void>): Promise<Sample> => {
  const bytes = proxy.received();
  const started = performance.now();
  await task();
  return { ms: performance.now() - started, bytes: proxy.received() - bytes };
};

const top = (await api('history', { channel: CHANNEL, limit: 0 })).result;
if (!top || top.offset !== RETAINED) throw new Error(`top is ${JSON.stringify(top)}`);

const checks: Sample[] = [];
for (let i = 0; i < ROUNDS; i++) {
  checks.push(
    await measure(async () => {
      const res = await api('history', { channel: CHANNEL, limit: 0 });
      if (res.result?.offset !== RETAINED) throw new Error('wrong top');
    }),
  );
}

const client = new Centrifuge(`${base.replace('http', 'ws')}/connection/websocket`, {
  timeout: 10_000,
});
client.connect();
await client.ready(10_000);
const subscribes: Sample[] = [];
for (let i = 0; i < ROUNDS; i++) {
  subscribes.push(
    await measure(async () => {
      const since = { offset: RETAINED - MISSED, epoch: top.epoch };
      const sub = client.newSubscription(CHANNEL, { since });
      let delivered = 0;
      sub.on('publication', () => delivered++);
      const subscribed = new Promise<{ recovered: boolean }>((resolve, reject) => {
        sub.once('subscribed', resolve);
        sub.once('error', reject);
        setTimeout(() => reject(new Error('no subscribed within 10 s')), 10_000).unref();
      });
      sub.subscribe();
      const ctx = await subscribed;
      while (delivered < MISSED) await new Promise((r) => setTimeout(r, 1));
      if (!ctx.recovered) throw new Error('not recovered');
      sub.unsubscribe();
      client.removeSubscription(sub);
    }),
  );
}
client.disconnect();
await node.close();
await filler.close();
await proxy.close();
await nats.stop();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const row = (what: string, samples: Sample[]) =>
  `| ${what} | ${median(samples.map((s) => s.ms)).toFixed(1)} | ${Math.max(...samples.map((s) => s.ms)).toFixed(1)} | ${median(samples.map((s) => s.bytes))} | ${Math.max(...samples.map((s) => s.bytes))} |`;
const report = `${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}; load average ${loadBefore.toFixed(2)} before, ${(loadavg()[0] ?? 0).toFixed(2)} after.

Command: \`node bench/nats-recovery-read.ts --retained ${RETAINED} --missed ${MISSED} --rounds ${ROUNDS}\`

| call (channel with ${RETAINED} retained, ${RETAINED / 2} of another between) | median ms | max ms | median bytes read from NATS | max bytes |
|---|---|---|---|---|
${row('position check (history limit 0)', checks)}
${row(`recovering subscribe, ${MISSED} missed (SDK, until recovered and delivered)`, subscribes)}
`;
console.log(report);
if (values.out) writeFileSync(values.out, report);
process.exit(0);
