// Cache recovery mode (force_recovery_mode: cache, auto_cache_recover) through the official
// centrifuge SDK, JSON and Protobuf: a subscriber gets the channel's latest publication on
// subscribe and on every resubscribe, not the ones it missed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signHs256 } from '../../src/node/auth/index.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { type Client, dataValue, FORMATS, newClient, waitUntil } from './sdk.ts';

const SECRET = 'sdk-cache-secret';
const token = (sub: string, extra: Record<string, unknown> = {}) =>
  signHs256({ sub, exp: Math.floor(Date.now() / 1000) + 600, ...extra }, SECRET);
const CACHE = {
  history_size: 10,
  history_ttl: '300s',
  force_recovery: true,
  force_recovery_mode: 'cache',
};

const CONFIG = {
  client: { token: { hmac_secret_key: SECRET } },
  channel: {
    namespaces: [
      { name: 'cache', allow_subscribe_for_client: true, ...CACHE },
      { name: 'auto', allow_subscribe_for_client: true, auto_cache_recover: true, ...CACHE },
    ],
  },
};

let node: TestNode;
const clients: Client[] = [];
before(async () => {
  node = await startTestNode(CONFIG);
});
after(async () => {
  for (const c of clients) c.disconnect();
  await node?.close();
});

async function publish(channel: string, n: number) {
  const res = await node.api('publish', { channel, data: { n } });
  assert.equal(res.json.error, undefined, res.text);
  return res.json.result as { offset: number; epoch: string };
}

interface Seen {
  ns: number[];
  recovered: boolean[];
}

function watch(sub: ReturnType<Client['newSubscription']>, format: 'json' | 'protobuf'): Seen {
  const seen: Seen = { ns: [], recovered: [] };
  sub.on('publication', (ctx) => seen.ns.push((dataValue(format, ctx.data) as { n: number }).n));
  sub.on('subscribed', (ctx) => seen.recovered.push(ctx.recovered));
  return seen;
}

describe('cache recovery mode with the SDK', () => {
  for (const format of FORMATS) {
    it(`gives the latest publication to a subscriber that asks with since, then only the latest on resubscribe (${format})`, async () => {
      const channel = `cache:since_${format}`;
      await publish(channel, 1);
      await publish(channel, 2);
      const client = newClient(node, format, { token: await token('u1') });
      clients.push(client);
      const sub = client.newSubscription(channel, { since: { offset: 0, epoch: '' } });
      const seen = watch(sub, format);
      client.connect();
      sub.subscribe();
      await sub.ready(5000);
      await waitUntil(() => seen.ns.length >= 1, 'the latest publication');
      client.disconnect();
      await waitUntil(() => client.state === 'disconnected', 'disconnected');
      for (let n = 3; n <= 6; n++) await publish(channel, n);
      client.connect();
      await waitUntil(() => seen.ns.length >= 2, 'the latest publication again');
      await new Promise((r) => setTimeout(r, 100));
      // Stream mode would have given 3, 4, 5, 6; cache mode gives the latest only.
      assert.deepEqual(seen.ns, [2, 6]);
      assert.deepEqual(seen.recovered, [true, true]);
      client.disconnect();
    });

    it(`recovers with auto_cache_recover though the subscriber never asks (${format})`, async () => {
      const channel = `auto:plain_${format}`;
      await publish(channel, 1);
      await publish(channel, 2);
      const client = newClient(node, format, { token: await token('u2') });
      clients.push(client);
      const sub = client.newSubscription(channel);
      const seen = watch(sub, format);
      client.connect();
      sub.subscribe();
      await sub.ready(5000);
      await waitUntil(() => seen.ns.length >= 1, 'the latest publication');
      await publish(channel, 3);
      await waitUntil(() => seen.ns.length >= 2, 'a live publication');
      assert.deepEqual(seen.ns, [2, 3]);
      client.disconnect();
    });

    it(`recovers a token's server-side channel with auto_cache_recover (${format})`, async () => {
      const channel = `auto:server_${format}`;
      await publish(channel, 7);
      const got: number[] = [];
      const client = newClient(node, format, {
        token: await token('u3', { channels: [channel] }),
      });
      clients.push(client);
      client.on('publication', (ctx) => {
        if (ctx.channel === channel) got.push((dataValue(format, ctx.data) as { n: number }).n);
      });
      client.connect();
      await waitUntil(() => got.length >= 1, 'the latest publication of the server-side channel');
      assert.deepEqual(got, [7]);
      client.disconnect();
    });
  }
});
