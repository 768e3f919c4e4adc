// Fossil delta compression through the official centrifuge SDK (`delta: 'fossil'`), JSON and
// Protobuf: a 10 KiB document changing a little with each of 100 publications is rebuilt by
// the SDK byte for byte, most of them from deltas, live and in recovery, on the memory
// engine and across two nodes on NATS.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it, type TestContext } from 'node:test';
import { signHs256 } from '../../src/node/auth/index.ts';
import { findNatsServer, type NatsServer, startNatsServer } from '../nats/harness.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { type Client, FORMATS, newClient, type WireFormat, waitUntil } from './sdk.ts';

const SECRET = 'sdk-delta-secret';
const token = (sub: string) => signHs256({ sub, exp: Math.floor(Date.now() / 1000) + 600 }, SECRET);
const PUBLICATIONS = 100;
const ROWS = 128;

function config(engine: Record<string, unknown> = {}) {
  return {
    ...engine,
    client: { token: { hmac_secret_key: SECRET } },
    channel: {
      namespaces: [
        {
          name: 'doc',
          allowed_delta_types: ['fossil'],
          delta_publish: true,
          allow_subscribe_for_client: true,
          history_size: 200,
          history_ttl: '300s',
          force_recovery: true,
        },
      ],
    },
  };
}

/** A JSON document of about 10 KiB; each step changes its revision and three rows. */
class Document {
  private readonly rows = Array.from({ length: ROWS }, (_, i) => ({
    id: i,
    name: `row-${i}-${'x'.repeat(40)}`,
    value: i * 7,
  }));
  private rev = 0;

  next(): string {
    this.rev++;
    for (let k = 0; k < 3; k++) {
      const row = this.rows[(this.rev * 37 + k * 11) % ROWS] as { value: number };
      row.value = this.rev * 1000 + k;
    }
    return JSON.stringify({ rev: this.rev, rows: this.rows });
  }
}

/** What the SDK gave for one publication, as the JSON text the node stored. */
function textOf(format: WireFormat, data: unknown): string {
  return format === 'json'
    ? JSON.stringify(data)
    : Buffer.from(data as Uint8Array).toString('utf8');
}

interface Received {
  texts: string[];
  offsets: number[];
}

function collect(sub: ReturnType<Client['newSubscription']>, format: WireFormat): Received {
  const got: Received = { texts: [], offsets: [] };
  sub.on('publication', (ctx) => {
    got.texts.push(textOf(format, ctx.data));
    got.offsets.push(Number(ctx.offset ?? 0));
  });
  return got;
}

/** Publishes the document's next versions through `node`'s API, data as its raw JSON text. */
async function publishSteps(node: TestNode, channel: string, doc: Document, n: number) {
  const sent: string[] = [];
  for (let i = 0; i < n; i++) {
    const text = doc.next();
    assert.ok(text.length > 10_000 && text.length < 11_000, `document of ${text.length} bytes`);
    const res = await node.api('publish', null, {
      raw: `{"channel":${JSON.stringify(channel)},"data":${text}}`,
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.error, undefined, res.text);
    sent.push(text);
  }
  return sent;
}

/** One subscriber on `subscribeOn`, publications through `publishOn`; both nodes may be one. */
function deltaCases(nodes: () => { publishOn: TestNode; subscribeOn: TestNode } | undefined) {
  const clients: Client[] = [];
  after(() => {
    for (const c of clients) c.disconnect();
  });

  for (const format of FORMATS) {
    it(`rebuilds ${PUBLICATIONS} publications of a changing 10 KiB document from deltas (${format})`, async (t: TestContext) => {
      const pair = nodes();
      if (!pair) return t.skip('no NATS server (see the skip message above)');
      const channel = `doc:live_${format}_${randomBytes(3).toString('hex')}`;
      const client = newClient(pair.subscribeOn, format, { token: await token('reader') });
      clients.push(client);
      const sub = client.newSubscription(channel, { delta: 'fossil' });
      const got = collect(sub, format);
      client.connect();
      sub.subscribe();
      await sub.ready(5000);
      const sent = await publishSteps(pair.publishOn, channel, new Document(), PUBLICATIONS);
      await waitUntil(() => got.texts.length >= PUBLICATIONS, `${PUBLICATIONS} publications`);
      assert.equal(got.texts.length, PUBLICATIONS);
      for (let i = 0; i < PUBLICATIONS; i++) {
        assert.equal(got.texts[i], sent[i], `publication ${i + 1} rebuilt byte for byte`);
      }
      const stats = sub.deltaStats();
      // The first has nothing to apply a delta to; every next one is a delta.
      assert.equal(stats.numFullPayloads, 1, JSON.stringify(stats));
      assert.equal(stats.numDeltaPayloads, PUBLICATIONS - 1, JSON.stringify(stats));
      assert.ok(stats.bytesReceived < stats.bytesDecoded / 10, JSON.stringify(stats));
      client.disconnect();
    });

    it(`rebuilds recovered publications sent as deltas, then live ones (${format})`, async (t: TestContext) => {
      const pair = nodes();
      if (!pair) return t.skip('no NATS server (see the skip message above)');
      const channel = `doc:recover_${format}_${randomBytes(3).toString('hex')}`;
      const doc = new Document();
      const client = newClient(pair.subscribeOn, format, { token: await token('reader') });
      clients.push(client);
      const sub = client.newSubscription(channel, { delta: 'fossil' });
      const got = collect(sub, format);
      client.connect();
      sub.subscribe();
      await sub.ready(5000);
      const before = await publishSteps(pair.publishOn, channel, doc, 3);
      await waitUntil(() => got.texts.length >= 3, 'the first 3 publications');
      // Offline while 10 more are published: the resubscribe recovers them.
      client.disconnect();
      await waitUntil(() => client.state === 'disconnected', 'disconnected');
      const missed = await publishSteps(pair.publishOn, channel, doc, 10);
      client.connect();
      await waitUntil(() => got.texts.length >= 13, 'recovered publications');
      const live = await publishSteps(pair.publishOn, channel, doc, 5);
      await waitUntil(() => got.texts.length >= 18, 'live publications after recovery');
      assert.deepEqual(got.texts, [...before, ...missed, ...live]);
      assert.deepEqual(
        got.offsets,
        Array.from({ length: 18 }, (_, i) => i + 1),
      );
      const stats = sub.deltaStats();
      // Whole: the first live one, and the first recovered one (as Centrifugo sends them).
      assert.equal(stats.numFullPayloads, 2, JSON.stringify(stats));
      assert.equal(stats.numDeltaPayloads, 16, JSON.stringify(stats));
      client.disconnect();
    });
  }
}

describe('delta compression with the SDK, memory engine', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode(config());
  });
  after(async () => {
    await node?.close();
  });
  deltaCases(() => ({ publishOn: node, subscribeOn: node }));
});

describe('delta compression with the SDK, across two nodes on NATS', () => {
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
    const prefix = `d${randomBytes(3).toString('hex')}`;
    const engine = { engine: { type: 'nats', nats: { urls: [nats.url], prefix } } };
    a = await startTestNode(config(engine));
    b = await startTestNode(config(engine));
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await nats?.stop();
  });
  deltaCases(() => (a && b ? { publishOn: a, subscribeOn: b } : undefined));
});
