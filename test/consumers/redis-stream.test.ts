// The Redis Streams consumer against a real redis-server (Debian's, started by the test): one
// consumer group shared by two nodes, entries acknowledged after their publish succeeded, a
// node killed mid-stream losing and duplicating nothing (its pending entries are claimed by
// the nodes left once idle for visibility_timeout), and publication data mode.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startTestNode } from '../node/harness.ts';
import { CHANNEL, publishOf, runKillRestart, waitFor } from './kill-restart.ts';
import { startRedis } from './servers.ts';

function consumerOf(url: string, extra: Record<string, unknown> = {}) {
  return {
    name: 'events',
    type: 'redis_stream',
    enabled: true,
    redis_stream: {
      address: [url],
      streams: ['centrifugo:commands'],
      consumer_group: 'centrifugo',
      visibility_timeout: '2s',
      num_workers: 4,
      ...extra,
    },
  };
}

/** Real servers start in each test: bounded, but above the 60 s default on a busy machine. */
const SLOW = { timeout: 150_000 };

describe('redis_stream consumer', () => {
  it('delivers every entry once across a node killed mid-stream', SLOW, async (t) => {
    const server = await startRedis(t);
    if (!server) return;
    const redis = new Redis(server.url);
    t.after(() => redis.disconnect());
    await runKillRestart(t, {
      consumer: () => consumerOf(server.url),
      produce: async (seq) => {
        await redis.xadd(
          'centrifugo:commands',
          '*',
          'method',
          'publish',
          'payload',
          JSON.stringify(publishOf(seq)),
        );
      },
      settleMs: 30_000,
    });
    const pending = (await redis.xpending('centrifugo:commands', 'centrifugo')) as [number];
    assert.equal(pending[0], 0, 'every entry acknowledged');
  });

  it(
    'publishes the payload as-is in publication data mode, fields naming the rest',
    SLOW,
    async (t) => {
      const server = await startRedis(t);
      if (!server) return;
      const redis = new Redis(server.url);
      t.after(() => redis.disconnect());
      const node = await startTestNode({
        channel: { namespaces: [{ name: 'outbox', history_size: 10, history_ttl: '60s' }] },
        consumers: [
          consumerOf(server.url, { publication_data_mode: { enabled: true }, num_workers: 1 }),
        ],
      });
      t.after(() => node.close());
      await redis.xadd(
        'centrifugo:commands',
        '*',
        'payload',
        '{"text":"hi"}',
        'centrifugo-channels',
        `${CHANNEL},outbox:other`,
        'centrifugo-tag-kind',
        'greeting',
      );
      await waitFor(
        async () =>
          (await node.api('history', { channel: 'outbox:other', limit: 1 })).json.result
            .publications.length === 1,
        10_000,
        'the publication in both channels',
      );
      const h = await node.api('history', { channel: CHANNEL, limit: 10 });
      assert.deepEqual(h.json.result.publications[0].data, { text: 'hi' });
      assert.deepEqual(h.json.result.publications[0].tags, { kind: 'greeting' });
    },
  );
});
