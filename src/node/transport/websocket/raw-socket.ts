// The socket under a ws WebSocket, for writes that skip ws's framing (shared-frames.ts).
// ws keeps it in a private field; raw-socket.test.ts fails when a ws release moves it.
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/**
 * The socket under a ws WebSocket (ws 8, pinned in package.json, keeps it as `_socket`).
 * Writing complete frames to it directly is safe when no extension is negotiated: ws's
 * sender then writes every frame synchronously too, so frames never interleave, and
 * ws.bufferedAmount still counts what waits in the socket.
 */
export function rawSocket(ws: WebSocket): Duplex | undefined {
  const socket = (ws as unknown as { _socket?: Duplex })._socket;
  return socket && typeof socket.write === 'function' ? socket : undefined;
}
