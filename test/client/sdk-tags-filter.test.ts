// The official SDK's `tagsFilter` reaches the node as the filter it was given, in both wire
// formats: the subscribe frame the SDK writes is decoded with the node's own codecs. Then,
// against a real node (allow_tags_filter), the SDK gets only the publications the filter
// lets through, live and recovered.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FilterNode } from 'centrifuge';
import { signHs256 } from '../../src/node/auth/index.ts';
import { decodeCommands, encodeReply } from '../../src/node/protocol/encoding.ts';
import type { CommandMsg } from '../../src/node/protocol/messages.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { InProcessSocket, inProcessClient, type SdkFormat } from './in-process-sdk.ts';
import { type Client, dataValue, FORMATS, newClient, waitUntil } from './sdk.ts';

const filter: FilterNode = {
  op: 'or',
  nodes: [
    { key: 'ticker', cmp: 'in', vals: ['BTC', 'ETH'] },
    {
      op: 'and',
      nodes: [
        { key: 'price', cmp: 'gte', val: '100.5' },
        { key: 'debug', cmp: 'nex' },
      ],
    },
  ],
};

async function subscribeFrame(format: SdkFormat): Promise<CommandMsg> {
  const seen = new Promise<CommandMsg>((resolve) => {
    InProcessSocket.onOpen = (socket) => {
      socket.onFrame = (frame) => {
        const { commands, error } = decodeCommands(format, frame);
        assert.equal(error, undefined);
        for (const cmd of commands as CommandMsg[]) {
          if (cmd.connect) {
            const part = encodeReply(format, {
              id: cmd.id,
              connect: { client: 'c', version: 't' },
            });
            socket.deliver(part);
          }
          if (cmd.subscribe) resolve(cmd);
        }
      };
    };
  });
  const client = inProcessClient(format);
  try {
    client.newSubscription('prices', { tagsFilter: filter }).subscribe();
    client.connect();
    return await seen;
  } finally {
    client.disconnect();
    InProcessSocket.onOpen = undefined;
  }
}

for (const format of ['json', 'protobuf'] as const) {
  it(`decodes the SDK's tagsFilter from its ${format} subscribe`, async () => {
    const cmd = await subscribeFrame(format);
    assert.equal(cmd.subscribe?.channel, 'prices');
    assert.deepEqual(cmd.subscribe?.tf, filter);
  });
}

describe('the tags filter on a real node', () => {
  const SECRET = 'sdk-tags-secret';
  let node: TestNode;
  const clients: Client[] = [];
  before(async () => {
    node = await startTestNode({
      client: { token: { hmac_secret_key: SECRET } },
      channel: {
        namespaces: [
          {
            name: 'prices',
            allow_tags_filter: true,
            allow_subscribe_for_client: true,
            history_size: 20,
            history_ttl: '300s',
            force_recovery: true,
          },
        ],
      },
    });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await node?.close();
  });

  const publish = async (channel: string, n: number, tags: Record<string, string>) => {
    const res = await node.api('publish', { channel, data: { n }, tags });
    assert.equal(res.json.error, undefined, res.text);
  };
  const tick = (n: number): Record<string, string> =>
    n % 3 === 0
      ? { ticker: 'BTC' }
      : n % 3 === 1
        ? { ticker: 'DOGE', price: String(n * 50) }
        : { ticker: 'XRP', debug: '1' };

  for (const format of FORMATS) {
    it(`delivers only what the filter lets through, live and recovered (${format})`, async () => {
      const channel = `prices:p_${format}`;
      const token = await signHs256(
        { sub: 'trader', exp: Math.floor(Date.now() / 1000) + 600 },
        SECRET,
      );
      const client = newClient(node, format, { token });
      clients.push(client);
      const sub = client.newSubscription(channel, { tagsFilter: filter });
      const got: number[] = [];
      sub.on('publication', (ctx) => got.push((dataValue(format, ctx.data) as { n: number }).n));
      client.connect();
      sub.subscribe();
      await sub.ready(5000);
      // BTC passes (in); DOGE at price >= 100.5 without debug passes (and); XRP has debug.
      for (let n = 1; n <= 6; n++) await publish(channel, n, tick(n));
      await waitUntil(() => got.length >= 3, 'the live publications the filter passes');
      client.disconnect();
      await waitUntil(() => client.state === 'disconnected', 'disconnected');
      for (let n = 7; n <= 12; n++) await publish(channel, n, tick(n));
      client.connect();
      await waitUntil(() => got.length >= 7, 'the recovered publications the filter passes');
      await publish(channel, 13, tick(13));
      await waitUntil(() => got.length >= 8, 'a live publication after recovery');
      await new Promise((r) => setTimeout(r, 100));
      // n = 1 is DOGE at 50, below 100.5.
      assert.deepEqual(got, [3, 4, 6, 7, 9, 10, 12, 13]);
      client.disconnect();
    });
  }
});
