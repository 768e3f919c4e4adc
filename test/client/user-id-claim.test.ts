// client.token.user_id_claim and client.subscription_token.user_id_claim: the user ID comes
// from that claim instead of `sub`, read as Centrifugo v6.9.1 reads it (a number as its
// text), for connection and subscription tokens; checked here through the official SDK and
// the user the node then reports in presence.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Centrifuge } from 'centrifuge';
import { signHs256 } from '../../src/node/auth/index.ts';
import { validateConfig } from '../../src/node/config/index.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { once } from './sdk.ts';

const SECRET = 'user-id-claim-secret';
const SUB_SECRET = 'user-id-claim-sub-secret';

describe('user_id_claim', () => {
  const nodes: TestNode[] = [];
  after(() => Promise.all(nodes.map((n) => n.close())));

  async function presenceUsers(
    client: { token: Record<string, unknown>; subToken?: Record<string, unknown> },
    channel: string,
  ): Promise<string[]> {
    const node = await startTestNode({
      client: {
        token: { hmac_secret_key: SECRET, user_id_claim: 'user_id' },
        subscription_token: { enabled: true, hmac_secret_key: SUB_SECRET, user_id_claim: 'uid' },
      },
      channel: {
        namespaces: [
          { name: 'open', presence: true, allow_subscribe_for_client: true },
          { name: 'private', presence: true },
        ],
      },
    });
    nodes.push(node);
    const token = await signHs256(client.token, SECRET);
    const sdk = new Centrifuge(`${node.url.replace('http://', 'ws://')}/connection/websocket`, {
      token,
      timeout: 3000,
    });
    try {
      const subToken = client.subToken ? await signHs256(client.subToken, SUB_SECRET) : undefined;
      const sub = sdk.newSubscription(channel, subToken ? { token: subToken } : {});
      const subscribed = once(sub, 'subscribed');
      sub.subscribe();
      sdk.connect();
      await subscribed;
      const res = await node.api('presence', { channel });
      const clients = res.json.result.presence as Record<string, { user: string }>;
      return Object.values(clients).map((c) => c.user);
    } finally {
      sdk.disconnect();
    }
  }

  it('takes the connection user from the configured claim, not sub', async () => {
    assert.deepEqual(
      await presenceUsers({ token: { sub: 'ignored', user_id: 'alice' } }, 'open:a'),
      ['alice'],
    );
    assert.deepEqual(await presenceUsers({ token: { sub: 'ignored', user_id: 42 } }, 'open:b'), [
      '42',
    ]);
  });

  it('checks a subscription token against its own claim', async () => {
    const users = await presenceUsers(
      {
        token: { user_id: 'bob' },
        subToken: { sub: 'someone-else', uid: 'bob', channel: 'private:room' },
      },
      'private:room',
    );
    assert.deepEqual(users, ['bob']);
  });

  it('refuses a claim name Centrifugo refuses', () => {
    assert.throws(
      () => validateConfig({ client: { token: { user_id_claim: 'user.id' } } }),
      /invalid custom user ID claim: user\.id, must match \^\[a-zA-Z_\]\+\$/,
    );
  });
});
