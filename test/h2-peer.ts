// An HTTP/2 client written frame by frame, for tests of what no well-behaved client sends:
// floods, broken frames, clients that never read. It speaks to any HTTP/2 server on loopback
// (the connection in unit tests, a node process in the attack suite) and parses what comes
// back into frames.
import { connect, type Socket } from 'node:net';
import {
  ErrorCode,
  Flag,
  FRAME_HEADER_SIZE,
  FrameType,
  frame,
  settingsFrame,
} from '../src/node/transport/grpc/h2/frames.ts';
import { encodeHeaderBlock } from '../src/node/transport/grpc/h2/hpack.ts';

export { ErrorCode, Flag, FrameType, settingsFrame };

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/** The client preface, empty SETTINGS and the ACK of the server's: a connection ready for streams. */
export const HANDSHAKE = Buffer.concat([
  PREFACE,
  settingsFrame([]),
  frame(FrameType.SETTINGS, Flag.ACK, 0, 0),
]);

export interface ParsedFrame {
  type: number;
  flags: number;
  streamId: number;
  length: number;
  /** RST_STREAM and GOAWAY: the error code. */
  code?: number;
  /** GOAWAY: the debug data as text. */
  debug?: string;
}

/** A frame with `payload` after its header. */
export function rawFrame(
  type: number,
  flags: number,
  streamId: number,
  payload: Buffer = Buffer.alloc(0),
): Buffer {
  const out = frame(type, flags, streamId, payload.length);
  payload.copy(out, FRAME_HEADER_SIZE);
  return out;
}

/** A request's header block; gRPC's by default. */
export function requestBlock(path: string, extra: [string, string][] = []): Buffer {
  return encodeHeaderBlock([
    [':method', 'POST'],
    [':scheme', 'http'],
    [':path', path],
    ['content-type', 'application/grpc'],
    ['te', 'trailers'],
    ...extra,
  ]);
}

export function headersFrame(
  streamId: number,
  block: Buffer,
  flags: number = Flag.END_HEADERS,
): Buffer {
  return rawFrame(FrameType.HEADERS, flags, streamId, block);
}

export function dataFrame(streamId: number, data: Buffer, endStream = true): Buffer {
  return rawFrame(FrameType.DATA, endStream ? Flag.END_STREAM : 0, streamId, data);
}

export function rstFrame(streamId: number, code = ErrorCode.CANCEL): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(code);
  return rawFrame(FrameType.RST_STREAM, 0, streamId, payload);
}

export function pingFrame(n = 0): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(n, 4);
  return rawFrame(FrameType.PING, 0, 0, payload);
}

export function windowUpdate(streamId: number, increment: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(increment);
  return rawFrame(FrameType.WINDOW_UPDATE, 0, streamId, payload);
}

/** A gRPC message: the 5-byte prefix and the bytes. */
export function grpcMessage(bytes: Buffer): Buffer {
  const out = Buffer.alloc(5 + bytes.length);
  out.writeUInt32BE(bytes.length, 1);
  bytes.copy(out, 5);
  return out;
}

/** Frames in `bytes`, as far as they are complete. */
export function framesOf(bytes: Buffer): ParsedFrame[] {
  const out: ParsedFrame[] = [];
  for (let at = 0; at + FRAME_HEADER_SIZE <= bytes.length; ) {
    const length = bytes.readUIntBE(at, 3);
    if (at + FRAME_HEADER_SIZE + length > bytes.length) break;
    const type = bytes[at + 3] as number;
    const f: ParsedFrame = {
      type,
      flags: bytes[at + 4] as number,
      streamId: bytes.readUInt32BE(at + 5) & 0x7fffffff,
      length,
    };
    const p = at + FRAME_HEADER_SIZE;
    if (type === FrameType.RST_STREAM) f.code = bytes.readUInt32BE(p);
    if (type === FrameType.GOAWAY) {
      f.code = bytes.readUInt32BE(p + 4);
      f.debug = bytes.subarray(p + 8, p + length).toString('utf8');
    }
    out.push(f);
    at = p + length;
  }
  return out;
}

/**
 * A raw connection. Reads what the server sends unless `read: false` (a client that never
 * reads: the kernel's buffers fill and the server's writes back up).
 */
export class RawPeer {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  private chunks: Buffer[] = [];
  private isClosed = false;

  constructor(port: number, options: { read?: boolean; host?: string } = {}) {
    this.socket = connect(port, options.host ?? '127.0.0.1');
    this.socket.on('error', () => {});
    if (options.read === false) this.socket.pause();
    else this.socket.on('data', (c: Buffer) => this.chunks.push(c));
    this.closed = new Promise((resolve) => {
      this.socket.on('close', () => {
        this.isClosed = true;
        resolve();
      });
    });
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.socket.connecting) resolve();
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
  }

  /** Writes; resolves once the kernel took the bytes (false: the server stopped reading). */
  write(bytes: Buffer): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.isClosed) {
        resolve(false);
        return;
      }
      this.socket.write(bytes, (err) => resolve(!err));
    });
  }

  received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  frames(): ParsedFrame[] {
    return framesOf(this.received());
  }

  goaway(): ParsedFrame | undefined {
    return this.frames().find((f) => f.type === FrameType.GOAWAY);
  }

  /** Waits until `check` holds, or the time is up; says which. */
  async waitFor(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > until) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  }

  /** Resolves when the server closed the connection, or false after `timeoutMs`. */
  async closedWithin(timeoutMs: number): Promise<boolean> {
    return this.waitFor(() => this.isClosed, timeoutMs);
  }

  destroy(): void {
    this.socket.destroy();
  }
}
