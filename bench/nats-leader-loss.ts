// How long publishing stops when the NATS server that leads a history stream dies. A node on
// a 3-server cluster (R3) gets publications through its HTTP API from a backend that
// publishes one after another; the script kills (SIGKILL) the server leading the channel's
// stream and measures, from the kill, the first successful publish of a call started after
// it, beside JetStream's own election: the first moment stream info, asked of the surviving
// servers, names a new leader. Also counts the calls answered 100 meanwhile and the bytes the
// node logged. The killed server is restarted and caught up between rounds; rounds alternate
// between the node connected to the doomed leader and to a follower.
//
//   node bench/nats-leader-loss.ts [--rounds 6] [--out bench/results/<date>-nats-leader-loss.md]
//
// Needs nats-server (scripts/ensure-nats.sh). Goal: publishing resumes at most 2 s after the
// election.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { validateConfig } from '../src/node/config/index.ts';
import { startNode } from '../src/node/start-node.ts';
import { type NatsServer, startNatsCluster } from '../test/nats/harness.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    // kill: SIGKILL, a crash; term: SIGTERM, a graceful shutdown (a rolling restart).
    signal: { type: 'string', default: 'kill' },
    out: { type: 'string' },
  },
});
const ROUNDS = Number(values.rounds);
const SIGNAL = values.signal === 'term' ? 'SIGTERM' : 'SIGKILL';
const API_KEY = 'bench-key';
const CHANNEL = 'loss:one';
const ROUND_LIMIT_MS = 30_000;

interface Round {
  nodeOn: 'leader' | 'follower';
  electionMs: number;
  firstPublishMs: number;
  failedCalls: number;
  logBytes: number;
  reconnectMs: number;
}

const cluster = await startNatsCluster(3);
const prefix = `ll${randomBytes(3).toString('hex')}`;
const stream = `${prefix}_history_${Buffer.from('loss').toString('base64url')}`;
let logBytes = 0;
/** How long the node's own connection was down in the round (its server may be the one killed). */
let reconnectMs = 0;
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logBytes += chunk.length;
    const outage = /"outageMs":(\d+)/.exec(chunk.toString('utf8'));
    if (outage) reconnectMs = Number(outage[1]);
    done();
  },
});
const rounds: Round[] = [];
const before = loadavg()[0] ?? 0;
const version = await natsVersion();
const nodeConfig = (urls: string[]) =>
  validateConfig({
    engine: { type: 'nats', nats: { urls, prefix, replicas: 3 } },
    http_server: { address: '127.0.0.1', port: 0 },
    http_api: { key: API_KEY },
    channel: { namespaces: [{ name: 'loss', history_size: 100, history_ttl: '300s' }] },
  });
// The first node start creates the stream; each round then knows its leader up front.
await (await startNode(nodeConfig(cluster.urls), pino({ level: 'silent' }))).close();

try {
  for (let round = 0; round < ROUNDS; round++) {
    const monitor = await connect({ servers: cluster.urls, maxReconnectAttempts: -1 });
    const leaderName = await currentLeader(monitor, stream);
    const nodeOn: Round['nodeOn'] = round % 2 === 0 ? 'leader' : 'follower';
    // One URL, as behind a Service: the node connects there and learns the other servers
    // from it (NATS cluster gossip), where it reconnects when that one dies.
    const first = cluster.servers.find((s) =>
      nodeOn === 'leader' ? s.name === leaderName : s.name !== leaderName,
    ) as NatsServer;
    const node = await startNode(
      nodeConfig([first.url]),
      pino({ level: 'info', base: undefined }, sink),
    );
    const api = `http://127.0.0.1:${node.addresses[0]?.port}/api/publish`;
    const publish = async () => {
      const res = await fetch(api, {
        method: 'POST',
        headers: { 'X-API-Key': API_KEY },
        body: JSON.stringify({ channel: CHANNEL, data: { round } }),
        signal: AbortSignal.timeout(10_000),
      }).catch(() => undefined);
      const body = (await res?.json().catch(() => undefined)) as { result?: unknown } | undefined;
      return body?.result !== undefined;
    };
    // Warm: the stream exists and has a leader.
    while (!(await publish())) await sleep(100);
    const leader = await currentLeader(monitor, stream);
    if (leader !== leaderName) throw new Error(`leader moved from ${leaderName} to ${leader}`);
    const victim = cluster.servers.find((s) => s.name === leader) as NatsServer;

    if (SIGNAL === 'SIGKILL') await victim.kill();
    else await terminate(victim);
    const killedAt = Date.now();
    logBytes = 0;
    reconnectMs = 0;
    const survivors = await connect({
      servers: cluster.servers.filter((s) => s !== victim).map((s) => s.url),
    });
    let electionMs = -1;
    const election = (async () => {
      while (Date.now() - killedAt < ROUND_LIMIT_MS) {
        const now = await currentLeader(survivors, stream, 500).catch(() => undefined);
        if (now && now !== leader) {
          electionMs = Date.now() - killedAt;
          return;
        }
        await sleep(20);
      }
    })();
    let firstPublishMs = -1;
    let failedCalls = 0;
    while (Date.now() - killedAt < ROUND_LIMIT_MS) {
      if (await publish()) {
        firstPublishMs = Date.now() - killedAt;
        break;
      }
      failedCalls++;
    }
    await election;
    rounds.push({ nodeOn, electionMs, firstPublishMs, failedCalls, logBytes, reconnectMs });
    console.log(
      `round ${round + 1} (node on the ${nodeOn}'s server): election ${electionMs} ms, first publish ${firstPublishMs} ms, ${failedCalls} calls answered 100, ${logBytes} log bytes, node reconnected after ${reconnectMs} ms`,
    );
    await node.close();
    await survivors.close();
    await monitor.close();
    await victim.restart();
    await cluster.waitForMetaLeader();
    await waitCaughtUp(cluster.urls, stream);
  }
} finally {
  await cluster.stop();
}

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? -1;
const rows = rounds.map(
  (r, i) =>
    `| ${i + 1} | ${r.nodeOn} | ${r.electionMs} | ${r.firstPublishMs} | ${r.firstPublishMs - r.electionMs} | ${r.reconnectMs} | ${r.failedCalls} | ${r.logBytes} |`,
);
const gaps = rounds.map((r) => r.firstPublishMs - r.electionMs);
const report = `# NATS stream leader loss: publish resumption beside JetStream's election

${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, nats-server ${version}; load average ${before.toFixed(2)} before, ${(loadavg()[0] ?? 0).toFixed(2)} after.

Command: \`node bench/nats-leader-loss.ts --rounds ${ROUNDS} --signal ${values.signal}\`, machine: 2-core polyglot

A node on a 3-server cluster (R3, request_timeout 2 s), a backend publishing through its HTTP
API one call after another; ${SIGNAL} of the server leading the channel's stream. Times from
the signal: JetStream's election (stream info from the survivors names a new leader) and the
first successful publish of a call started after the kill.

| round | node connected to | election (ms) | first publish (ms) | publish − election (ms) | node reconnected (ms) | calls answered 100 | node log bytes |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Median: election ${med(rounds.map((r) => r.electionMs))} ms, first publish ${med(rounds.map((r) => r.firstPublishMs))} ms, publish − election ${med(gaps)} ms (max ${Math.max(...gaps)} ms; goal ≤ 2000 ms).
`;
console.log(report);
if (values.out) writeFileSync(values.out, report);
process.exit(0);

/** SIGTERM, keeping the store; waits for the exit (restart() starts it again). */
async function terminate(server: NatsServer): Promise<void> {
  if (server.pid === undefined) return;
  process.kill(server.pid, 'SIGTERM');
  const deadline = Date.now() + 20_000;
  while (server.pid !== undefined && Date.now() < deadline) await sleep(20);
}

async function currentLeader(nc: NatsConnection, name: string, timeout = 2_000) {
  const jsm = await jetstreamManager(nc, { timeout });
  return (await jsm.streams.info(name)).cluster?.leader;
}

/** Every replica current again, so the next round starts from a healthy stream. */
async function waitCaughtUp(urls: string[], name: string): Promise<void> {
  const nc = await connect({ servers: urls });
  try {
    const jsm = await jetstreamManager(nc);
    const deadline = Date.now() + ROUND_LIMIT_MS;
    while (Date.now() < deadline) {
      const info = await jsm.streams.info(name).catch(() => undefined);
      const replicas = info?.cluster?.replicas ?? [];
      if (info?.cluster?.leader && replicas.length === 2 && replicas.every((r) => r.current))
        return;
      await sleep(200);
    }
    throw new Error(`stream ${name} did not catch up`);
  } finally {
    await nc.close();
  }
}

async function natsVersion(): Promise<string> {
  const nc = await connect({ servers: cluster.urls }).catch(() => undefined);
  const version = nc?.info?.version ?? '?';
  await nc?.close();
  return version;
}
