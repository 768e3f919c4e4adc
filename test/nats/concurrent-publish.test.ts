// Many nodes publishing into the same history channels at once, on a 3-server NATS cluster
// (R3) and on one server: every publish succeeds, and each channel's history holds every
// acknowledged publication exactly once at gap-free offsets 1..n. Then the same load across
// a stream leader change. Each "node" is an engine with its own NATS connection, as a node
// has; the HTTP layer above adds nothing to this race.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { validateConfig } from '../../src/node/config/index.ts';
import type { PublishOptions } from '../../src/node/engine/index.ts';
import { NatsEngine } from '../../src/node/engine/nats/index.ts';
import { NatsNames } from '../../src/node/engine/nats/names.ts';
import { createLogger } from '../../src/node/observability/index.ts';
import { type NatsCluster, type NatsServer, startNatsCluster, startNatsServer } from './harness.ts';

const NODES = 3;
const CHANNELS = 10;
/** Per node and channel: 3 nodes x 40/s = 120 publishes/s into each channel, 1,200/s in all. */
const RATE_PER_NODE = 40;
const SECONDS = 3;
const HISTORY: PublishOptions = {
  historySize: 100_000,
  historyTtlMs: 600_000,
  historyMetaTtlMs: 0,
};

async function startNodes(
  urls: string[],
  replicas: number,
  prefix: string,
  count = NODES,
): Promise<NatsEngine[]> {
  const engines: NatsEngine[] = [];
  for (let i = 0; i < count; i++) {
    // The client picks one of the URLs at random, so nodes enter the cluster through
    // different servers, as nodes spread over a NATS cluster do.
    const ordered = [...urls.slice(i % urls.length), ...urls.slice(0, i % urls.length)];
    // The race under test ends in "wrong last sequence" refusals, not in slowness: a 10 s
    // request timeout keeps a loaded machine's late answers from counting as failures.
    const settings = validateConfig({
      engine: { type: 'nats', nats: { urls: ordered, prefix, replicas, request_timeout: '10s' } },
    }).engine.nats;
    const engine = await NatsEngine.create({
      settings: { ...settings, urls: ordered },
      nodeId: `node-${i}`,
      nodeName: `node-${i}`,
      namespaceOf: () => '',
      historyOf: () => ({ size: HISTORY.historySize, ttlMs: HISTORY.historyTtlMs }),
      historyNamespaces: [''],
      metaTtlMs: 3_600_000,
      logger: createLogger({ level: 'none', file: '' }),
    });
    await engine.broker.start({
      handlePublication() {},
      handleJoin() {},
      handleLeave() {},
      handleControl() {},
    });
    engines.push(engine);
  }
  return engines;
}

interface LoadResult {
  acked: Map<string, Array<{ payload: string; offset: number }>>;
  failures: string[];
  published: number;
}

/**
 * A server that is no leader: not of JetStream's meta group (which needs the system account
 * to move), and not of the engine's streams, whose leaders are asked to step down from it.
 */
async function followerOfEverything(
  nc: NatsConnection,
  cluster: NatsCluster,
  prefix: string,
): Promise<NatsServer> {
  const names = new NatsNames(prefix);
  const streams = [
    names.historyStream(''),
    `KV_${names.metaBucket()}`,
    `KV_${names.presenceBucket()}`,
  ];
  const jsm = await jetstreamManager(nc);
  const metaLeader = await cluster.waitForMetaLeader();
  const victim = cluster.servers.find((s) => s.name !== metaLeader) as NatsServer;
  for (const stream of streams) {
    for (let tries = 0; (await jsm.streams.info(stream)).cluster?.leader === victim.name; tries++) {
      assert.ok(tries < 5, `${stream} keeps its leader on ${victim.name}`);
      await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.${stream}`, '', { timeout: 5_000 });
      await sleep(500);
    }
  }
  return victim;
}

/** Open loop: each node publishes into each channel at a fixed rate, not waiting for answers. */
async function publishLoad(
  engines: NatsEngine[],
  channels: string[],
  seconds: number,
  midway?: () => Promise<void>,
  label = '',
): Promise<LoadResult> {
  const acked = new Map(
    channels.map((ch) => [ch, [] as Array<{ payload: string; offset: number }>]),
  );
  const failures: string[] = [];
  const pending: Promise<void>[] = [];
  const intervalMs = 1000 / RATE_PER_NODE;
  const started = Date.now();
  const ticks = Math.round(seconds * RATE_PER_NODE);
  let disruption: Promise<void> | undefined;
  for (let tick = 0; tick < ticks; tick++) {
    if (midway && !disruption && tick === Math.floor(ticks / 3)) disruption = midway();
    for (const [n, engine] of engines.entries()) {
      for (const channel of channels) {
        const payload = `${label}${n}:${tick}`;
        pending.push(
          engine.broker
            .publish(channel, new TextEncoder().encode(payload), HISTORY)
            .then((res) => {
              acked.get(channel)?.push({ payload, offset: res.position.offset });
            })
            .catch((err: Error) => {
              failures.push(`${channel} ${payload}: ${err.message}`);
            }),
        );
      }
    }
    const wait = started + (tick + 1) * intervalMs - Date.now();
    if (wait > 0) await sleep(wait);
  }
  await Promise.all(pending);
  await disruption;
  return { acked, failures, published: pending.length };
}

/** Every acknowledged publication once in history, offsets 1..n with no gap, nothing else. */
async function checkHistory(engine: NatsEngine, result: LoadResult, allAcked: boolean) {
  for (const [channel, acks] of result.acked) {
    const hist = await engine.broker.history(channel, {
      filter: { limit: -1, reverse: false },
      metaTtlMs: 0,
    });
    const offsets = hist.publications.map((p) => p.offset);
    const payloads = hist.publications.map((p) => new TextDecoder().decode(p.data));
    assert.deepEqual(
      offsets,
      Array.from({ length: offsets.length }, (_, i) => i + 1),
      `${channel}: history offsets are 1..n without a gap`,
    );
    assert.equal(new Set(payloads).size, payloads.length, `${channel}: no publication twice`);
    const stored = new Map(hist.publications.map((p, i) => [payloads[i], p.offset]));
    for (const { payload, offset } of acks) {
      assert.equal(stored.get(payload), offset, `${channel}: ${payload} acknowledged at ${offset}`);
    }
    if (allAcked) assert.equal(payloads.length, acks.length, `${channel}: only acknowledged ones`);
    assert.equal(hist.position.offset, offsets.length, `${channel}: top is the last offset`);
  }
}

function summary(result: LoadResult): string {
  const sample = result.failures.slice(0, 3).join('; ');
  return `${result.failures.length} of ${result.published} publishes failed${sample ? `: ${sample}` : ''}`;
}

for (const servers of [3, 1]) {
  describe(`${NODES} nodes publish into ${CHANNELS} channels on ${servers} NATS server(s)`, () => {
    let cluster: NatsCluster | undefined;
    let stopSingle: (() => Promise<void>) | undefined;
    let engines: NatsEngine[] = [];
    let urls: string[] = [];
    const prefix = `cp${randomBytes(3).toString('hex')}`;

    before(async () => {
      if (servers === 1) {
        const server = await startNatsServer();
        stopSingle = () => server.stop();
        urls = [server.url];
      } else {
        cluster = await startNatsCluster(servers);
        urls = cluster.urls;
      }
      engines = await startNodes(urls, servers, prefix);
    });
    after(async () => {
      for (const e of engines) await e.close();
      await cluster?.stop();
      await stopSingle?.();
    });

    it(`succeeds every time at ${NODES * RATE_PER_NODE}/s per channel, gap-free, once each`, async () => {
      const channels = Array.from({ length: CHANNELS }, (_, i) => `steady_${i}`);
      const result = await publishLoad(engines, channels, SECONDS);
      console.log(`${servers} server(s), steady: ${summary(result)}`);
      assert.deepEqual(result.failures, [], summary(result));
      await checkHistory(engines[0] as NatsEngine, result, true);
    });

    if (servers === 3) {
      it('succeeds every time while a replica lags behind and answers a node', async () => {
        // A server that leads nothing (losing a leader means a 4-9 s election) goes down while
        // two nodes publish, comes back behind, and a third node that talks only to it joins:
        // its reads go to replicas still catching up.
        const channels = Array.from({ length: CHANNELS }, (_, i) => `lag_${i}`);
        const nc = await connect({ servers: urls });
        const victim = await followerOfEverything(nc, cluster as NatsCluster, prefix);
        await nc.close();
        const others = urls.filter((u) => u !== victim.url);
        const early = await startNodes(others, servers, prefix, 2);
        const late: NatsEngine[] = [];
        try {
          await victim.kill();
          const behind = await publishLoad(early, channels, 1, undefined, 'behind ');
          await victim.restart();
          late.push(...(await startNodes([victim.url], servers, prefix, 1)));
          const result = await publishLoad([...early, ...late], channels, SECONDS - 1);
          const both: LoadResult = {
            acked: new Map(
              channels.map((ch) => [
                ch,
                [...(behind.acked.get(ch) ?? []), ...(result.acked.get(ch) ?? [])],
              ]),
            ),
            failures: [...behind.failures, ...result.failures],
            published: behind.published + result.published,
          };
          console.log(`3 servers, a replica lagging: ${summary(both)}`);
          assert.deepEqual(both.failures, [], summary(both));
          await checkHistory(engines[0] as NatsEngine, both, true);
        } finally {
          for (const e of [...early, ...late]) await e.close();
        }
      });

      it('keeps every acknowledged publish, gap-free, across a stream leader change', async () => {
        const channels = Array.from({ length: CHANNELS }, (_, i) => `stepdown_${i}`);
        const nc = await connect({ servers: urls });
        const stream = new NatsNames(prefix).historyStream('');
        let stepdown = '';
        const result = await publishLoad(engines, channels, SECONDS, async () => {
          const reply = await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.${stream}`, '', {
            timeout: 5_000,
          });
          stepdown = reply.string();
        });
        await nc.close();
        assert.match(stepdown, /"success":true/, `stepdown answered: ${stepdown}`);
        console.log(`3 servers, leader stepdown mid-run: ${summary(result)}`);
        await checkHistory(engines[0] as NatsEngine, result, false);
        assert.deepEqual(result.failures, [], summary(result));
      });
    }
  });
}
