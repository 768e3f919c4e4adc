// rpc.ping through the official SDK, JSON and Protobuf: the built-in method answers with an
// empty result, another method is 104 (method not found), and without rpc.ping the node has
// no RPC handler at all: every rpc is 108 (not available), as in Centrifugo v6.9.1.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { type Client, FORMATS, newClient, once, payload, type WireFormat } from './sdk.ts';

const nodes: TestNode[] = [];
const clients: Client[] = [];
after(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all(nodes.map((n) => n.close()));
});

async function connect(rpc: Record<string, unknown>, format: WireFormat): Promise<Client> {
  const node = await startTestNode({
    client: { allow_anonymous_connect_without_token: true },
    rpc,
  });
  nodes.push(node);
  const c = newClient(node, format);
  clients.push(c);
  const connected = once(c, 'connected');
  c.connect();
  await connected;
  return c;
}

/** The error code an rpc call is refused with (undefined when it is answered). */
async function refusal(c: Client, method: string, format: WireFormat) {
  try {
    await c.rpc(method, payload(format, {}));
    return undefined;
  } catch (err) {
    return (err as { code?: number }).code;
  }
}

describe('rpc.ping', () => {
  for (const format of FORMATS) {
    it(`answers the ping method and refuses others with 104 (${format})`, async () => {
      const c = await connect({ ping: { enabled: true } }, format);
      const answer = await c.rpc('ping', payload(format, {}));
      assert.ok(answer, 'an rpc result');
      assert.equal(await refusal(c, 'pong', format), 104);
      assert.equal(await refusal(c, '', format), 104);
      c.disconnect();
    });

    it(`has no rpc at all without it: 108 (${format})`, async () => {
      const c = await connect({}, format);
      assert.equal(await refusal(c, 'ping', format), 108);
      c.disconnect();
    });
  }

  it('answers under the name rpc.ping.method gives, and only that', async () => {
    const c = await connect({ ping: { enabled: true, method: 'health' } }, 'json');
    assert.equal(await refusal(c, 'health', 'json'), undefined);
    assert.equal(await refusal(c, 'ping', 'json'), 104);
    c.disconnect();
  });
});
