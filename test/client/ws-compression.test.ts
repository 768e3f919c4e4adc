// WebSocket compression and message limits as Centrifugo v6.9.1 applies them (the close codes
// and reasons below are what its binary answered to the same frames): permessage-deflate
// answered without context takeover, compression_min_size, compression_level, and
// decompressed_message_size_limit (default ten times message_size_limit) next to the wire
// limit message_size_limit.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import WebSocket from 'ws';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { RawClient } from './raw.ts';

const CONNECT = JSON.stringify({ id: 1, connect: {} });
const started: TestNode[] = [];
after(async () => {
  await Promise.all(started.map((n) => n.close()));
});

async function node(websocket: Record<string, unknown>): Promise<TestNode> {
  const n = await startTestNode({
    client: { insecure: true },
    websocket: { compression: true, ...websocket },
  });
  started.push(n);
  return n;
}

const url = (n: TestNode) => `${n.url.replace('http://', 'ws://')}/connection/websocket`;

/** The server frames of a connection as they arrive: RSV1 (compressed) and payload size. */
function watchFrames(ws: WebSocket): Array<{ compressed: boolean; size: number }> {
  const frames: Array<{ compressed: boolean; size: number }> = [];
  let pending = Buffer.alloc(0);
  const socket = (ws as unknown as { _socket: NodeJS.EventEmitter })._socket;
  socket.prependListener('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      if (pending.length < 2) return;
      const len7 = (pending[1] as number) & 0x7f;
      const header = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
      if (pending.length < header) return;
      const size =
        len7 === 126
          ? pending.readUInt16BE(2)
          : len7 === 127
            ? Number(pending.readBigUInt64BE(2))
            : len7;
      if (pending.length < header + size) return;
      frames.push({ compressed: ((pending[0] as number) & 0x40) !== 0, size });
      pending = pending.subarray(header + size);
    }
  });
  return frames;
}

async function publish(n: TestNode, data: unknown) {
  const res = await n.api('publish', { channel: 'news', data });
  assert.equal(res.status, 200, res.text);
}

async function subscribed(n: TestNode, options: WebSocket.ClientOptions) {
  const client = await RawClient.open(url(n), undefined, options);
  const frames = watchFrames(client.ws);
  client.send(CONNECT);
  await client.reply(1);
  client.send(JSON.stringify({ id: 2, subscribe: { channel: 'news' } }));
  await client.reply(2);
  return { client, frames };
}

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('WebSocket compression', () => {
  it('negotiates permessage-deflate as Centrifugo answers it, and compresses above compression_min_size', async () => {
    const n = await node({ compression_min_size: 100 });
    const answered = new Promise<string | undefined>((resolve) => {
      const probe = new WebSocket(url(n), { perMessageDeflate: true });
      probe.on('upgrade', (res) => resolve(res.headers['sec-websocket-extensions']));
      probe.on('open', () => probe.close());
      probe.on('error', () => resolve(undefined));
    });
    assert.equal(
      await answered,
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
    );
    const { client, frames } = await subscribed(n, { perMessageDeflate: true });
    try {
      const before = frames.length;
      await publish(n, { s: 'x' });
      await publish(n, { s: 'y'.repeat(300) });
      await until(() => frames.length >= before + 2, 'two pushes');
      const [small, large] = frames.slice(before);
      assert.equal(small?.compressed, false, 'a push of 100 bytes or fewer goes as is');
      assert.equal(large?.compressed, true);
      assert.ok((large?.size ?? 0) < 100, `300 repeated bytes deflate small, got ${large?.size}`);
    } finally {
      client.ws.close();
    }
  });

  it('compresses every message with compression_min_size 0, at compression_level', async () => {
    const sizes: Record<string, number> = {};
    for (const level of [0, 9]) {
      const n = await node({ compression_level: level });
      const { client, frames } = await subscribed(n, { perMessageDeflate: true });
      try {
        const before = frames.length;
        await publish(n, { s: 'z'.repeat(2000) });
        await until(() => frames.length > before, 'the push');
        const push = frames[before];
        assert.equal(push?.compressed, true, `level ${level}`);
        sizes[level] = push?.size ?? 0;
      } finally {
        client.ws.close();
      }
    }
    // Level 0 stores (larger than the 2 KB push), level 9 deflates it to almost nothing.
    assert.ok((sizes[0] ?? 0) > 2000, JSON.stringify(sizes));
    assert.ok((sizes[9] ?? 0) < 100, JSON.stringify(sizes));
  });

  it('closes 1009 past decompressed_message_size_limit, and past message_size_limit on the wire', async () => {
    const n = await node({ message_size_limit: 1000, decompressed_message_size_limit: 3000 });
    const frame = (bytes: number) =>
      JSON.stringify({ id: 3, rpc: { data: { s: 'a'.repeat(bytes) } } });

    // Compressed to a few dozen bytes, inflated within the limit: read as usual.
    const fits = await RawClient.open(url(n), undefined, { perMessageDeflate: { threshold: 0 } });
    fits.send(CONNECT);
    await fits.reply(1);
    fits.send(frame(2500));
    await fits.reply(3);
    fits.ws.close();

    const inflated = await RawClient.open(url(n), undefined, {
      perMessageDeflate: { threshold: 0 },
    });
    inflated.send(CONNECT);
    await inflated.reply(1);
    inflated.send(frame(5000));
    assert.deepEqual(await inflated.closed, {
      code: 1009,
      reason: 'message too big after decompression',
    });

    // The same connection kind sending it uncompressed: over the wire limit.
    const raw = await RawClient.open(url(n), undefined, { perMessageDeflate: { threshold: 1e9 } });
    raw.send(CONNECT);
    await raw.reply(1);
    raw.send(frame(1500));
    assert.deepEqual(await raw.closed, { code: 1009, reason: '' });
  });

  it('takes ten times message_size_limit when decompressed_message_size_limit is 0', async () => {
    const n = await node({ message_size_limit: 1000 });
    const c = await RawClient.open(url(n), undefined, { perMessageDeflate: { threshold: 0 } });
    c.send(CONNECT);
    await c.reply(1);
    c.send(JSON.stringify({ id: 3, rpc: { data: { s: 'a'.repeat(9000) } } }));
    await c.reply(3);
    c.send(JSON.stringify({ id: 4, rpc: { data: { s: 'a'.repeat(11000) } } }));
    assert.deepEqual(await c.closed, { code: 1009, reason: 'message too big after decompression' });
  });
});
