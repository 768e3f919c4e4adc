// One streaming HTTP response that carries a client connection: the response of a
// uni_sse, uni_http_stream, sse or http_stream request, kept open while the connection
// lives. What the session writes before the response is opened (a unidirectional connect
// is answered first, then the headers go, as Centrifugo's handlers write them after the
// connect) waits here; closing ends the response. As on WebSocket, a write that makes no
// progress for the write timeout drops the connection (Centrifugo gives each streamed write
// 1 s), and what waits unsent counts toward client.queue_max_size (bufferedAmount).
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type StallWatch, watchWriteStalls } from '../websocket/write-stall.ts';
import type { FrameEncoder } from './framing.ts';

/** Centrifugo's streamWriteTimeout and streamingResponseWriteTimeout. */
export const STREAM_WRITE_TIMEOUT_MS = 1000;

/**
 * Centrifugo's headers of every streamed answer (it sets Content-Type for SSE; Go's
 * content sniffing names JSON text/plain, the framing says which).
 */
const STREAM_HEADERS: OutgoingHttpHeaders = {
  'x-accel-buffering': 'no',
  'cache-control': 'private, no-cache, no-store, must-revalidate, max-age=0',
  pragma: 'no-cache',
  expire: '0',
};

export class HttpStream {
  private readonly res: ServerResponse;
  private readonly encoder: FrameEncoder;
  private opened = false;
  private ended = false;
  /** Written before open(): sent right after the headers. */
  private early: Buffer[] = [];
  private stalls: StallWatch | undefined;

  constructor(req: IncomingMessage, res: ServerResponse, encoder: FrameEncoder) {
    this.res = res;
    this.encoder = encoder;
    // No idle timeout on a stream that may be quiet between pings.
    (req.socket as Socket).setTimeout(0);
  }

  /** Writes the 200 and what waited; ends at once if the connection closed meanwhile. */
  open(headers: OutgoingHttpHeaders): void {
    if (this.opened || this.res.destroyed) return;
    this.opened = true;
    this.res.writeHead(200, {
      ...headers,
      ...STREAM_HEADERS,
      'content-type': this.encoder.contentType,
    });
    const preamble = this.encoder.preamble;
    if (preamble !== undefined) this.res.write(preamble);
    for (const chunk of this.early) this.res.write(chunk);
    this.early = [];
    // A response with its headers is flushed now, not at its first write.
    if (preamble === undefined && this.res.writableLength === 0) this.res.flushHeaders();
    if (this.ended) this.res.end();
  }

  /** Drops the connection when a write makes no progress within timeoutMs. */
  watchStalls(timeoutMs: number, onStall: () => void): void {
    const socket = this.res.socket;
    if (socket) this.stalls = watchWriteStalls(socket, timeoutMs, onStall);
  }

  write(frame: string | Uint8Array): void {
    if (this.ended || this.res.destroyed) return;
    const bytes = this.encoder.encode(frame);
    if (!this.opened) {
      this.early.push(bytes);
      return;
    }
    this.res.write(bytes);
    this.stalls?.afterWrite();
  }

  bufferedAmount(): number {
    let early = 0;
    for (const chunk of this.early) early += chunk.length;
    return this.res.writableLength + early;
  }

  /** Ends the response (after what was written); before open(), once it opens. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.stalls?.stop();
    if (this.opened) this.res.end();
  }

  /** Cuts the connection at once (a client that takes no bytes). */
  destroy(): void {
    this.ended = true;
    this.stalls?.stop();
    this.res.destroy();
  }

  /** Calls back once the client is gone or the response ended. */
  onClose(callback: () => void): void {
    this.res.on('close', () => {
      this.stalls?.stop();
      callback();
    });
  }
}
