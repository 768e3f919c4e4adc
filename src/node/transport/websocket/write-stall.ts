// websocket.write_timeout: Centrifugo gives every write to a connection a deadline (1 s by
// default) and drops the connection when the peer does not take the bytes in time, so a
// client that stopped reading cannot hold the node's memory until its queue limit is hit.
// node's writes never block; the counterpart is a socket whose queued bytes (what the kernel
// has not taken yet) make no progress for write_timeout. Nothing is armed while writes go
// straight to the kernel, which is every write of a healthy connection.
import type { Duplex } from 'node:stream';

export interface StallWatch {
  /** Call after each write to the socket. */
  afterWrite(): void;
  stop(): void;
}

/** Bytes the socket has handed to the kernel (net.Socket's bytesWritten counts queued ones). */
function flushedBytes(socket: Duplex): number {
  const written = (socket as { bytesWritten?: number }).bytesWritten ?? 0;
  return written - socket.writableLength;
}

export function watchWriteStalls(
  socket: Duplex,
  timeoutMs: number,
  onStall: () => void,
): StallWatch {
  let timer: NodeJS.Timeout | undefined;
  let flushedAtArm = 0;
  const check = () => {
    timer = undefined;
    if (socket.destroyed || socket.writableLength === 0) return;
    const flushed = flushedBytes(socket);
    if (flushed > flushedAtArm) {
      // Slow but moving: give the rest another period (a queue that only grows is
      // client.queue_max_size's business).
      flushedAtArm = flushed;
      timer = setTimeout(check, timeoutMs);
      return;
    }
    onStall();
  };
  return {
    afterWrite() {
      if (timer !== undefined || socket.writableLength === 0) return;
      flushedAtArm = flushedBytes(socket);
      timer = setTimeout(check, timeoutMs);
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
