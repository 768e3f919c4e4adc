// The proxies on a cluster of two nodes sharing one NATS: each node asks the backend for
// its own connections, and what the publish proxy makes of a publication on one node is
// what subscribers on the other get.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { newClient, once } from '../client/sdk.ts';
import { type NatsServer, startNatsServer } from '../nats/harness.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { HttpBackend } from './http-backend.ts';

describe('proxies on a NATS cluster', () => {
  const backend = new HttpBackend();
  let nats: NatsServer;
  let a: TestNode;
  let b: TestNode;

  before(async () => {
    await backend.start();
    backend.answer('/connect', (body) => ({
      result: { user: `u-${String(body.client).slice(0, 4)}` },
    }));
    backend.answer('/subscribe', { json: { result: {} } });
    backend.answer('/publish', (body) => ({
      result: { data: { ...(body.data as object), by: body.user } },
    }));
    nats = await startNatsServer();
    const prefix = `p${randomBytes(3).toString('hex')}`;
    const config = {
      engine: { type: 'nats', nats: { urls: [nats.url], prefix } },
      client: { proxy: { connect: { enabled: true, endpoint: backend.url('/connect') } } },
      channel: {
        proxy: {
          subscribe: { endpoint: backend.url('/subscribe') },
          publish: { endpoint: backend.url('/publish') },
        },
        namespaces: [{ name: 'sp', subscribe_proxy_enabled: true, publish_proxy_enabled: true }],
      },
    };
    a = await startTestNode(config);
    b = await startTestNode(config);
  });

  after(async () => {
    await a?.close();
    await b?.close();
    await nats?.stop();
    await backend.close();
  });

  it('connects through the backend on both nodes and delivers the proxied publication across them', async () => {
    const onA = newClient(a, 'json');
    const onB = newClient(b, 'json');
    try {
      onA.connect();
      onB.connect();
      await Promise.all([once(onA, 'connected'), once(onB, 'connected')]);
      const sub = onB.newSubscription('sp:x');
      sub.subscribe();
      await once(sub, 'subscribed');
      const got = once<{ data: unknown }>(sub, 'publication');
      await onA.publish('sp:x', { n: 1 });
      const publisher = backend.to('/publish').at(-1)?.body.user;
      assert.match(String(publisher), /^u-/);
      assert.deepEqual((await got).data, { n: 1, by: publisher });
      assert.equal(backend.to('/connect').length, 2, 'each node asked for its own connection');
    } finally {
      onA.disconnect();
      onB.disconnect();
    }
  });
});
