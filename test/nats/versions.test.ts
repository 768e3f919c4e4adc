// Publish versions across nodes (PublishOptions.version): the drop of an outdated version
// must hold when several nodes publish into one channel at once, each with its own NATS
// connection and its own memory of the channel's top. On one server and on a 3-server
// cluster (R3), where the stream leader decides.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { validateConfig } from '../../src/node/config/index.ts';
import type { PublishOptions, PublishResult } from '../../src/node/engine/index.ts';
import { NatsEngine } from '../../src/node/engine/nats/index.ts';
import { createLogger } from '../../src/node/observability/index.ts';
import { type NatsCluster, startNatsCluster, startNatsServer } from './harness.ts';

const HISTORY: PublishOptions = { historySize: 1_000, historyTtlMs: 600_000, historyMetaTtlMs: 0 };
const VERSIONS = 60;
const CHANNELS = 4;
const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

async function startNode(urls: string[], prefix: string, id: string): Promise<NatsEngine> {
  const settings = validateConfig({
    engine: { type: 'nats', nats: { urls, prefix, replicas: urls.length, request_timeout: '10s' } },
  }).engine.nats;
  const engine = await NatsEngine.create({
    settings,
    nodeId: id,
    nodeName: id,
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
  return engine;
}

for (const servers of [1, 3]) {
  describe(`publish versions from two nodes on ${servers} NATS server(s)`, () => {
    let cluster: NatsCluster | undefined;
    let stopSingle: (() => Promise<void>) | undefined;
    const nodes: NatsEngine[] = [];
    const prefix = `ver${randomBytes(3).toString('hex')}`;

    before(async () => {
      let urls: string[];
      if (servers === 1) {
        const server = await startNatsServer();
        stopSingle = () => server.stop();
        urls = [server.url];
      } else {
        cluster = await startNatsCluster(servers);
        urls = cluster.urls;
      }
      // Each node enters through another server, as nodes spread over a cluster do.
      nodes.push(await startNode(urls, prefix, 'node-a'));
      nodes.push(await startNode([...urls].reverse(), prefix, 'node-b'));
    });
    after(async () => {
      for (const n of nodes) await n.close();
      await cluster?.stop();
      await stopSingle?.();
    });

    it('stores each version exactly once, in order, when both nodes publish every version', async () => {
      // For each version in turn, both nodes publish it into the same channels at the same
      // moment: exactly one of the two may be stored, the other must be dropped, and the
      // history is 1..n in order. A check that is not atomic with the append stores a
      // version twice (both saw the older top).
      const channels = Array.from({ length: CHANNELS }, (_, i) => `race_${i}`);
      const results = new Map<string, PublishResult[]>(channels.map((c) => [c, []]));
      await Promise.all(
        channels.map(async (channel) => {
          for (let version = 1; version <= VERSIONS; version++) {
            const pair = await Promise.all(
              nodes.map((node, n) =>
                node.broker.publish(channel, text(`${version}:${n}`), { ...HISTORY, version }),
              ),
            );
            results.get(channel)?.push(...pair);
          }
        }),
      );
      for (const channel of channels) {
        const hist = await (nodes[0] as NatsEngine).broker.history(channel, {
          filter: { limit: -1, reverse: false },
          metaTtlMs: 0,
        });
        const versions = hist.publications.map((p) => Number(decode(p.data).split(':')[0]));
        assert.deepEqual(
          versions,
          Array.from({ length: VERSIONS }, (_, i) => i + 1),
          `${channel}: every version once, in order`,
        );
        const answered = results.get(channel) ?? [];
        const dropped = answered.filter((r) => r.suppressed);
        assert.equal(dropped.length, VERSIONS, `${channel}: one of each pair dropped`);
        assert.ok(dropped.every((r) => r.suppressReason === 'version'));
        const byA = hist.publications.filter((p) => decode(p.data).endsWith(':0')).length;
        console.log(
          `${servers} server(s), ${channel}: node a stored ${byA}, node b ${VERSIONS - byA}`,
        );
      }
    });

    it('lets a version through that only this node thinks outdated', async () => {
      // Node B remembers version 10 as the top; node A then stores a publication without a
      // version, which sets the channel's version back to 0 (as Centrifugo's memory engine).
      // B's version 7 is not outdated any more: B must not drop it from its stale memory.
      const [a, b] = nodes as [NatsEngine, NatsEngine];
      const channel = 'stale_memory';
      await b.broker.publish(channel, text('10'), { ...HISTORY, version: 10 });
      await a.broker.publish(channel, text('none'), HISTORY);
      const res = await b.broker.publish(channel, text('7'), { ...HISTORY, version: 7 });
      assert.deepEqual([res.suppressed, res.position.offset], [false, 3]);
      const late = await a.broker.publish(channel, text('6'), { ...HISTORY, version: 6 });
      assert.deepEqual([late.suppressReason, late.position.offset], ['version', 3]);
    });
  });
}
