// Publish `version` and `version_epoch` with the official centrifuge SDK as the subscriber,
// JSON and Protobuf: a publication older than the channel's last version is neither
// delivered nor kept, on the memory engine and across two nodes on NATS (each publish made
// on the other node than the one before).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it, type TestContext } from 'node:test';
import { findNatsServer, type NatsServer, startNatsServer } from '../nats/harness.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { type Client, dataValue, FORMATS, newClient, waitUntil } from './sdk.ts';

function config(engine: Record<string, unknown> = {}) {
  return {
    ...engine,
    client: { allow_anonymous_connect_without_token: true },
    channel: {
      namespaces: [
        {
          name: 'ver',
          allow_subscribe_for_anonymous: true,
          allow_subscribe_for_client: true,
          history_size: 20,
          history_ttl: '300s',
        },
      ],
    },
  };
}

/** [n, version, version_epoch]: n is what the subscriber sees of a publication it gets. */
const STEPS: Array<[number, number, string]> = [
  [1, 2, ''],
  [2, 1, ''], // older: dropped
  [3, 2, ''], // not newer: dropped
  [4, 3, ''],
  [5, 1, 'e2'], // another epoch: passes
  [6, 2, 'e2'],
  [7, 1, 'e2'], // dropped
];
const DELIVERED = [1, 4, 5, 6];

function versionCases(nodes: () => TestNode[] | undefined) {
  const clients: Client[] = [];
  after(() => {
    for (const c of clients) c.disconnect();
  });
  for (const format of FORMATS) {
    it(`drops publications older than the channel's last version (${format})`, async (t: TestContext) => {
      const list = nodes();
      if (!list) return t.skip('no NATS server (see the skip message above)');
      const channel = `ver:v_${format}_${randomBytes(3).toString('hex')}`;
      const subscribeOn = list[0] as TestNode;
      const client = newClient(subscribeOn, format);
      clients.push(client);
      const sub = client.newSubscription(channel);
      const got: number[] = [];
      sub.on('publication', (ctx) => got.push((dataValue(format, ctx.data) as { n: number }).n));
      client.connect();
      sub.subscribe();
      await sub.ready(5000);
      for (const [i, [n, version, version_epoch]] of STEPS.entries()) {
        const on = list[i % list.length] as TestNode;
        const res = await on.api('publish', { channel, data: { n }, version, version_epoch });
        assert.equal(res.json.error, undefined, res.text);
      }
      await waitUntil(() => got.length >= DELIVERED.length, 'the publications that pass');
      await new Promise((r) => setTimeout(r, 150));
      assert.deepEqual(got, DELIVERED);
      const history = await subscribeOn.api('history', { channel, limit: -1 });
      const kept = (history.json.result.publications as Array<{ data: { n: number } }>).map(
        (p) => p.data.n,
      );
      assert.deepEqual(kept, DELIVERED);
      client.disconnect();
    });
  }
}

describe('publication versions with the SDK, memory engine', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode(config());
  });
  after(async () => {
    await node?.close();
  });
  versionCases(() => [node]);
});

describe('publication versions with the SDK, across two nodes on NATS', () => {
  let nats: NatsServer | undefined;
  let a: TestNode | undefined;
  let b: TestNode | undefined;
  before(async () => {
    if (process.env.CENTRIFUGO_TS_NATS_SERVER === undefined) {
      try {
        findNatsServer();
      } catch (err) {
        console.log(`skipping the NATS cases: ${(err as Error).message}`);
        return;
      }
    }
    nats = await startNatsServer();
    const prefix = `v${randomBytes(3).toString('hex')}`;
    const engine = { engine: { type: 'nats', nats: { urls: [nats.url], prefix } } };
    a = await startTestNode(config(engine));
    b = await startTestNode(config(engine));
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await nats?.stop();
  });
  versionCases(() => (a && b ? [a, b] : undefined));
});
