// The NATS JetStream consumer against a real nats-server: one durable pull consumer shared
// by two nodes, messages acked after their publish succeeded, a node killed mid-stream
// losing and duplicating nothing (what it held unacked is redelivered after the ack wait),
// the durable created from the config or taken as it exists, and publication data mode.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers, nanos } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { startNatsServer } from '../nats/harness.ts';
import { startTestNode } from '../node/harness.ts';
import { CHANNEL, publishOf, runKillRestart, waitFor } from './kill-restart.ts';

const STREAM = 'SOURCE';

async function natsSource(t: TestContext, url: string) {
  const nc = await connect({ servers: url });
  t.after(() => nc.close());
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: STREAM, subjects: ['src.>'] });
  return { nc, jsm, js: jetstream(nc) };
}

const consumerOf = (url: string, extra: Record<string, unknown> = {}) => ({
  name: 'jetstream',
  type: 'nats_jetstream',
  enabled: true,
  nats_jetstream: {
    url,
    stream_name: STREAM,
    durable_consumer_name: 'centrifugo',
    subjects: ['src.>'],
    ...extra,
  },
});

/** Real servers start in each test: bounded, but above the 60 s default on a busy machine. */
const SLOW = { timeout: 150_000 };

describe('nats_jetstream consumer', () => {
  it('delivers every message once across a node killed mid-stream', SLOW, async (t) => {
    let source: Awaited<ReturnType<typeof natsSource>> | undefined;
    await runKillRestart(t, {
      // The durable exists beforehand with a short ack wait, so what the killed node held is
      // redelivered within the test (Centrifugo creates its durables with 30 s).
      prepare: async (url) => {
        source = await natsSource(t, url);
        await source.jsm.consumers.add(STREAM, {
          durable_name: 'centrifugo',
          ack_policy: AckPolicy.Explicit,
          ack_wait: nanos(2_000),
          max_ack_pending: 50,
        });
      },
      consumer: (_node, url) => consumerOf(url, { use_existing_consumer: true }),
      produce: async (seq) => {
        const h = headers();
        h.set('centrifugo-method', 'publish');
        await source?.js.publish(`src.${seq}`, JSON.stringify(publishOf(seq)), { headers: h });
      },
    });
  });

  it(
    'creates the durable from the config, and publishes data as-is from headers',
    SLOW,
    async (t) => {
      const nats = await startNatsServer({ t });
      const source = await natsSource(t, nats.url);
      const node = await startTestNode({
        channel: { namespaces: [{ name: 'outbox', history_size: 10, history_ttl: '60s' }] },
        consumers: [
          consumerOf(nats.url, {
            deliver_policy: 'all',
            max_ack_pending: 7,
            publication_data_mode: { enabled: true },
          }),
        ],
      });
      t.after(() => node.close());
      const info = await source.jsm.consumers.info(STREAM, 'centrifugo');
      assert.equal(info.config.max_ack_pending, 7);
      assert.equal(info.config.deliver_policy, 'all');
      assert.deepEqual(info.config.filter_subjects ?? [info.config.filter_subject], ['src.>']);
      const h = headers();
      h.set('centrifugo-channels', CHANNEL);
      h.set('centrifugo-idempotency-key', 'once');
      await source.js.publish('src.a', '{"n":1}', { headers: h });
      await source.js.publish('src.b', '{"n":1}', { headers: h });
      const bad = headers();
      bad.set('centrifugo-channels', CHANNEL);
      bad.set('centrifugo-delta', 'maybe');
      await source.js.publish('src.c', '{"n":2}', { headers: bad });
      await waitFor(
        async () =>
          (await source.jsm.consumers.info(STREAM, 'centrifugo')).num_ack_pending === 0 &&
          (await source.jsm.consumers.info(STREAM, 'centrifugo')).num_pending === 0,
        10_000,
        'all three acked',
      );
      const history = await node.api('history', { channel: CHANNEL, limit: 10 });
      // The same idempotency key publishes once; a delta header that is no boolean is skipped.
      assert.deepEqual(
        history.json.result.publications.map((p: { data: unknown }) => p.data),
        [{ n: 1 }],
      );
    },
  );
});
