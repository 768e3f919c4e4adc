// The official SDK's `tagsFilter` reaches the node as the filter it was given, in both wire
// formats: the subscribe frame the SDK writes is decoded with the node's own codecs.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { FilterNode } from 'centrifuge';
import { decodeCommands, encodeReply } from '../../src/node/protocol/encoding.ts';
import type { CommandMsg } from '../../src/node/protocol/messages.ts';
import { InProcessSocket, inProcessClient, type SdkFormat } from './in-process-sdk.ts';

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
