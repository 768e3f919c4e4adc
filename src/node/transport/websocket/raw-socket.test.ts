import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { rawSocket } from './raw-socket.ts';
import { frameBytes } from './shared-frames.ts';

it('finds the socket under a ws connection, and a frame written to it arrives whole', async (t) => {
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  t.after(async () => {
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const port = (server.address() as AddressInfo).port;
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  t.after(() => client.terminate());
  const got = new Promise<string>((resolve) => client.once('message', (d) => resolve(String(d))));
  const socket = rawSocket(await accepted);
  assert.ok(socket, 'ws keeps its socket where rawSocket looks (a ws release moved it?)');
  socket.write(frameBytes('{"push":{}}', false));
  assert.equal(await got, '{"push":{}}');
});
