// client.presence_update_interval through the official SDK: a connection re-adds its presence
// in its channels every interval with what it knows now, so the connection info of a refreshed
// token shows in presence from the next update on, as in Centrifugo (the refresh itself does
// not touch presence).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { signHs256 } from '../../src/node/auth/index.ts';
import { validateConfig } from '../../src/node/config/index.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { type Client, FORMATS, newClient, once } from './sdk.ts';

const SECRET = 'presence-update-secret';
const nodes: TestNode[] = [];
const clients: Client[] = [];
after(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all(nodes.map((n) => n.close()));
});

async function start(interval: string): Promise<TestNode> {
  const node = await startTestNode({
    client: { token: { hmac_secret_key: SECRET }, presence_update_interval: interval },
    channel: { without_namespace: { presence: true, allow_subscribe_for_client: true } },
  });
  nodes.push(node);
  return node;
}

/** Presence's conn_info in `channel`, by client. */
async function connInfos(node: TestNode, channel: string): Promise<unknown[]> {
  const res = await node.api('presence', { channel });
  assert.equal(res.status, 200);
  return Object.values(res.json.result.presence).map(
    (p) => (p as { conn_info?: unknown }).conn_info,
  );
}

/**
 * Connects with a token that expires in 2 s, carrying info {v: 1}; the SDK then refreshes it
 * with one carrying {v: 2}. Resolves once the refresh went out, with the channel subscribed.
 */
async function connectAndRefresh(node: TestNode, format: 'json' | 'protobuf', channel: string) {
  const exp = (s: number) => Math.floor(Date.now() / 1000) + s;
  let refreshed!: () => void;
  const refreshedOnce = new Promise<void>((r) => {
    refreshed = r;
  });
  const c = newClient(node, format, {
    token: await signHs256({ sub: 'pu', exp: exp(2), info: { v: 1 } }, SECRET),
    getToken: async () => {
      const token = await signHs256({ sub: 'pu', exp: exp(600), info: { v: 2 } }, SECRET);
      // The refresh command leaves after this resolves; give it a moment to be handled.
      setTimeout(refreshed, 200);
      return token;
    },
  });
  clients.push(c);
  const sub = c.newSubscription(channel);
  const subscribed = once(sub, 'subscribed');
  sub.subscribe();
  c.connect();
  await subscribed;
  assert.deepEqual(await connInfos(node, channel), [{ v: 1 }]);
  await Promise.race([
    refreshedOnce,
    new Promise((_, reject) => setTimeout(() => reject(new Error('no refresh in 5 s')), 5000)),
  ]);
  return c;
}

describe('client.presence_update_interval', () => {
  for (const format of FORMATS) {
    it(`puts the refreshed connection info in presence at the next update (${format})`, async () => {
      const node = await start('300ms');
      const channel = `pres-${randomBytes(3).toString('hex')}`;
      const c = await connectAndRefresh(node, format, channel);
      // The first update comes within one interval; poll a bounded number of times.
      let infos: unknown[] = [];
      for (let i = 0; i < 30; i++) {
        infos = await connInfos(node, channel);
        if ((infos[0] as { v?: number } | undefined)?.v === 2) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(infos, [{ v: 2 }]);
      c.disconnect();
    });
  }

  it('refuses a negative interval at startup (Centrifugo then stops answering connections)', () => {
    assert.throws(
      () => validateConfig({ client: { presence_update_interval: '-1s' } }),
      /client\.presence_update_interval" must not be negative/,
    );
  });

  it('leaves presence as it was until the next update (in 25 s here)', async () => {
    const node = await start('25s');
    const channel = `pres-${randomBytes(3).toString('hex')}`;
    const c = await connectAndRefresh(node, 'json', channel);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await connInfos(node, channel), [{ v: 1 }]);
    c.disconnect();
  });
});
