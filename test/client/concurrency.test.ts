// client.concurrency through the official SDK: a slow command (a subscribe whose token is
// checked against a JWKS endpoint that answers late) holds up the commands behind it when
// commands run one at a time (the default), not when they may run side by side; the limit
// holds; and every reply reaches the call it answers.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { signHs256 } from '../../src/node/auth/index.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { type Client, dataValue, FORMATS, newClient, once, payload } from './sdk.ts';

const SECRET = 'concurrency-secret';
const JWKS_DELAY_MS = 800;

let jwksUrl = '';
let signSubToken: (channel: string) => Promise<string>;
const jwks = createServer();
before(async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const body = JSON.stringify({
    keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }],
  });
  jwks.on('request', (_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    }, JWKS_DELAY_MS);
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
  signSubToken = (channel) =>
    new SignJWT({ sub: 'u1', channel, exp: Math.floor(Date.now() / 1000) + 600 })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .sign(privateKey as CryptoKey);
});
after(() => {
  jwks.closeAllConnections();
  jwks.close();
});

const nodes: TestNode[] = [];
const clients: Client[] = [];
after(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all(nodes.map((n) => n.close()));
});

/** A fresh node (so its JWKS cache is empty) whose subscription tokens need the slow JWKS. */
async function start(concurrency: number): Promise<TestNode> {
  const node = await startTestNode({
    client: {
      concurrency,
      token: { hmac_secret_key: SECRET },
      subscription_token: { enabled: true, jwks_public_endpoint: jwksUrl },
    },
    rpc: { ping: { enabled: true } },
    channel: {
      namespaces: [
        {
          name: 'hist',
          allow_subscribe_for_client: true,
          allow_history_for_client: true,
          allow_publish_for_client: true,
          history_size: 10,
          history_ttl: '60s',
        },
      ],
    },
  });
  nodes.push(node);
  return node;
}

async function connect(node: TestNode, format: 'json' | 'protobuf'): Promise<Client> {
  const c = newClient(node, format, { token: await signHs256({ sub: 'u1' }, SECRET) });
  clients.push(c);
  const connected = once(c, 'connected');
  c.connect();
  await connected;
  return c;
}

/**
 * Starts `slow` subscribes with JWKS-checked tokens, then an rpc ping, and returns the order
 * in which they finished.
 */
async function finishOrder(concurrency: number, slow: number): Promise<string[]> {
  const node = await start(concurrency);
  const c = await connect(node, 'json');
  const order: string[] = [];
  const done: Array<Promise<unknown>> = [];
  for (let i = 0; i < slow; i++) {
    const sub = c.newSubscription(`private${i}`, { token: await signSubToken(`private${i}`) });
    done.push(once(sub, 'subscribed', 5000).then(() => order.push(`subscribe${i}`)));
    sub.subscribe();
  }
  done.push(c.rpc('ping', {}).then(() => order.push('rpc')));
  await Promise.all(done);
  c.disconnect();
  return order;
}

describe('client.concurrency', () => {
  it('runs commands one at a time by default: the rpc waits for the slow subscribe', async () => {
    assert.deepEqual(await finishOrder(0, 1), ['subscribe0', 'rpc']);
  });

  it('answers the rpc while the slow subscribe still runs', async () => {
    assert.deepEqual(await finishOrder(4, 1), ['rpc', 'subscribe0']);
  });

  it('holds later commands once the limit of commands in flight is reached', async () => {
    const order = await finishOrder(2, 2);
    assert.notEqual(order[0], 'rpc', `order ${order.join(', ')}`);
    assert.equal(order.length, 3);
    assert.deepEqual(await finishOrder(3, 2).then((o) => o[0]), 'rpc');
  });

  for (const format of FORMATS) {
    it(`gives every call its own answer with many commands in flight (${format})`, async () => {
      const node = await start(8);
      const channels = Array.from({ length: 20 }, (_, i) => `hist:c${i}`);
      for (const [i, channel] of channels.entries()) {
        const res = await node.api('publish', { channel, data: { n: i } });
        assert.equal(res.status, 200);
      }
      const c = await connect(node, format);
      const histories = await Promise.all(channels.map((ch) => c.history(ch, { limit: 10 })));
      assert.deepEqual(
        histories.map((h) => h.publications.map((p) => dataValue(format, p.data))),
        channels.map((_, i) => [{ n: i }]),
      );
      // Publishes side by side too: each answers, and lands in the channel it names.
      await Promise.all(channels.map((ch, i) => c.publish(ch, payload(format, { again: i }))));
      const after = await Promise.all(channels.map((ch) => c.history(ch, { limit: 10 })));
      assert.deepEqual(
        after.map((h) => h.publications.map((p) => dataValue(format, p.data))),
        channels.map((_, i) => [{ n: i }, { again: i }]),
      );
      c.disconnect();
    });
  }
});
