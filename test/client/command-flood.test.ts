// A WebSocket client that sends commands faster than they run: the node stops reading it
// once MAX_QUEUED_COMMANDS wait (src/node/client/session.ts) and reads on when half have
// run, so the commands held in memory stay bounded while the kernel's socket buffers, then
// the client's own, take the rest. Nothing sent is lost: every command is answered, in order.
// The commands are RPCs answered by a real HTTP backend (the RPC proxy), one at a time.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_QUEUED_COMMANDS } from '../../src/node/client/session.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { HttpBackend } from '../proxy/http-backend.ts';
import { RawClient } from './raw.ts';
import { wsUrl } from './sdk.ts';

const COMMANDS = 4 * MAX_QUEUED_COMMANDS;
const PER_FRAME = 100;

describe('a client flooding commands', () => {
  const backend = new HttpBackend();
  let node: TestNode;

  before(async () => {
    await backend.start();
    backend.answer('/rpc', (body) => ({ result: { data: body.data } }));
    node = await startTestNode({
      client: { insecure: true },
      rpc: { proxy: { endpoint: backend.url('/rpc') }, without_namespace: { proxy_enabled: true } },
    });
  });

  after(async () => {
    await node?.close();
    await backend.close();
  });

  async function pauses(): Promise<number> {
    const text = await node.running.metrics.registry.metrics();
    const line = text
      .split('\n')
      .find((l) => l.startsWith('centrifugo_client_reads_paused_total{transport="websocket"}'));
    return line === undefined ? 0 : Number(line.split(' ').at(-1));
  }

  it('is read in bounded steps and gets every answer, in order', async () => {
    const before = await pauses();
    const c = await RawClient.open(wsUrl(node));
    try {
      c.send(JSON.stringify({ id: 1, connect: {} }));
      assert.ok((await c.reply(1)).connect);
      for (let first = 2; first < COMMANDS + 2; first += PER_FRAME) {
        const frame = Array.from({ length: PER_FRAME }, (_, i) =>
          JSON.stringify({ id: first + i, rpc: { method: 'm', data: { n: first + i } } }),
        ).join('\n');
        c.send(frame);
      }
      await c.waitFor((m) => m.id === COMMANDS + 1, 'the last answer', 50_000);
      const ids = c.messages.map((m) => m.id).filter((id) => typeof id === 'number');
      assert.deepEqual(
        ids,
        Array.from({ length: COMMANDS + 1 }, (_, i) => i + 1),
        'every command answered once, in order',
      );
      // Each pause lets half the bound run before reading on: a queue held to the bound
      // pauses about COMMANDS / (MAX / 2) times; an unbounded one never.
      const paused = (await pauses()) - before;
      assert.ok(paused >= 3, `reading paused ${paused} times`);
      assert.equal(backend.to('/rpc').length, COMMANDS);
    } finally {
      c.ws.terminate();
    }
  });
});
