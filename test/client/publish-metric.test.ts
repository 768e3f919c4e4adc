// A client's publish counts in centrifugo_node_messages_sent_count{type="publication"} as a
// server API publish does: both go through the Node's one publish (src/node/core/node.ts),
// as both go through node.go's publish in Centrifugo.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { type Client, newClient, once } from './sdk.ts';

let node: TestNode;
let c: Client | undefined;
before(async () => {
  node = await startTestNode({
    prometheus: { enabled: true },
    client: { insecure: true },
    channel: {
      without_namespace: { allow_subscribe_for_client: true, allow_publish_for_client: true },
    },
  });
});
after(async () => {
  c?.disconnect();
  await node?.close();
});

async function published(): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('centrifugo_node_messages_sent_count{type="publication"}'));
  return line ? Number(line.split(' ').pop()) : 0;
}

it('counts client publishes beside API publishes', async () => {
  assert.equal(await published(), 0);
  await node.api('publish', { channel: 'news', data: { from: 'api' } });
  assert.equal(await published(), 1);
  c = newClient(node, 'json');
  const connected = once(c, 'connected');
  c.connect();
  await connected;
  await c.publish('news', { from: 'client' });
  await c.publish('news', { from: 'client' });
  assert.equal(await published(), 3);
});
