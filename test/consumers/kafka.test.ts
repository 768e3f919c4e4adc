// The Kafka consumer against a real Apache Kafka (KRaft mode, one JVM that is broker and
// controller, from its Maven Central jars): one consumer group shared by two nodes, offsets
// committed after the publish succeeded, a node killed mid-stream losing and duplicating
// nothing (static membership: the restarted node takes its partitions back at once), and
// publication data mode from headers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Admin, Producer } from '@platformatic/kafka';
import { startTestNode } from '../node/harness.ts';
import { CHANNEL, publishOf, runKillRestart, waitFor } from './kill-restart.ts';
import { KAFKA_SASL_USER, startKafka } from './servers.ts';

const TOPIC = 'centrifugo-commands';

function consumerOf(broker: string, extra: Record<string, unknown> = {}) {
  return {
    name: 'kafka',
    type: 'kafka',
    enabled: true,
    kafka: { brokers: [broker], topics: [TOPIC], consumer_group: 'centrifugo', ...extra },
  };
}

async function topic(broker: string, partitions: number) {
  const admin = new Admin({ clientId: 'test', bootstrapBrokers: [broker] });
  try {
    await admin.createTopics({ topics: [TOPIC], partitions, replicas: 1 });
  } finally {
    await admin.close();
  }
}

/** Real servers start in each test: bounded, but above the 60 s default on a busy machine. */
const SLOW = { timeout: 150_000 };

describe('kafka consumer', () => {
  it('delivers every record once across a node killed mid-stream', SLOW, async (t) => {
    const kafka = await startKafka(t);
    if (!kafka) return;
    await topic(kafka.url, 4);
    const producer = new Producer({ clientId: 'test', bootstrapBrokers: [kafka.url] });
    t.after(() => producer.close());
    await runKillRestart(t, {
      consumer: (node) => consumerOf(kafka.url, { instance_id: `node-${node}` }),
      produce: async (seq) => {
        await producer.send({
          messages: [
            {
              topic: TOPIC,
              partition: seq % 4,
              value: Buffer.from(JSON.stringify(publishOf(seq))),
              headers: new Map([[Buffer.from('centrifugo-method'), Buffer.from('publish')]]),
            },
          ],
        });
      },
      settleMs: 90_000,
    });
  });

  it('publishes record values as-is into the channels a header names', SLOW, async (t) => {
    const kafka = await startKafka(t);
    if (!kafka) return;
    await topic(kafka.url, 1);
    const node = await startTestNode({
      channel: { namespaces: [{ name: 'outbox', history_size: 10, history_ttl: '60s' }] },
      consumers: [consumerOf(kafka.url, { publication_data_mode: { enabled: true } })],
    });
    t.after(() => node.close());
    const producer = new Producer({ clientId: 'test', bootstrapBrokers: [kafka.url] });
    t.after(() => producer.close());
    const h = (pairs: Record<string, string>) =>
      new Map(Object.entries(pairs).map(([k, v]) => [Buffer.from(k), Buffer.from(v)]));
    await producer.send({
      messages: [
        {
          topic: TOPIC,
          value: Buffer.from('{"v":1}'),
          headers: h({ 'centrifugo-channels': CHANNEL, 'centrifugo-version': 'x' }),
        },
        {
          topic: TOPIC,
          value: Buffer.from('{"v":2}'),
          headers: h({ 'centrifugo-channels': CHANNEL, 'centrifugo-tag-k': 'v' }),
        },
      ],
    });
    await waitFor(
      async () =>
        (await node.api('history', { channel: CHANNEL, limit: 10 })).json.result.publications
          .length >= 1,
      30_000,
      'the publication',
    );
    const history = await node.api('history', { channel: CHANNEL, limit: 10 });
    // A version header that is no number skips its record, as in Centrifugo.
    assert.deepEqual(
      history.json.result.publications.map((p: { data: unknown; tags?: unknown }) => [
        p.data,
        p.tags,
      ]),
      [[{ v: 2 }, { k: 'v' }]],
    );
  });

  it(
    'authenticates with SASL PLAIN and SCRAM-SHA-256, and refuses to start on a wrong password',
    SLOW,
    async (t) => {
      const kafka = await startKafka(t);
      if (!kafka) return;
      await topic(kafka.url, 1);
      const producer = new Producer({ clientId: 'test', bootstrapBrokers: [kafka.url] });
      t.after(() => producer.close());
      for (const [i, mechanism] of ['plain', 'scram-sha-256'].entries()) {
        const node = await startTestNode({
          channel: { namespaces: [{ name: 'outbox', history_size: 10, history_ttl: '60s' }] },
          consumers: [
            consumerOf(kafka.saslUrl, {
              consumer_group: `sasl-${mechanism}`,
              sasl_mechanism: mechanism,
              sasl_user: KAFKA_SASL_USER.name,
              sasl_password: KAFKA_SASL_USER.password,
            }),
          ],
        });
        t.after(() => node.close());
        await producer.send({
          messages: [
            {
              topic: TOPIC,
              value: Buffer.from(JSON.stringify(publishOf(i + 1))),
              headers: new Map([[Buffer.from('centrifugo-method'), Buffer.from('publish')]]),
            },
          ],
        });
        await waitFor(
          async () =>
            (await node.api('history', { channel: CHANNEL, limit: 10 })).json.result.publications
              .length >= 1,
          30_000,
          `a record through SASL ${mechanism}`,
        );
        await node.close();
      }
      await assert.rejects(
        startTestNode({
          consumers: [
            consumerOf(kafka.saslUrl, {
              sasl_mechanism: 'scram-sha-256',
              sasl_user: KAFKA_SASL_USER.name,
              sasl_password: 'wrong',
            }),
          ],
        }),
        /consumer kafka: error ping Kafka/,
      );
    },
  );
});
