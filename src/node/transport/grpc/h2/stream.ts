// One request stream of a server connection (RFC 9113 §5.1, the server's side): the request
// reaches its handler through onData/onEnd, the reply goes out through respond/write/end,
// within the peer's flow-control windows. A stream closes once both sides have ended, or
// when either resets it.
import { dataFrames, ErrorCode, headersFrames, rstStreamFrame } from './frames.ts';
import type { RequestHeaders } from './request-headers.ts';

/** What a stream needs of its connection. */
export interface StreamOwner {
  /** Largest frame payload the peer accepts. */
  readonly peerMaxFrameSize: number;
  /** The connection's send window, shared by its streams. */
  sendWindow: number;
  /** Response HEADERS and DATA. */
  queueReply(bytes: Buffer): void;
  /** RST_STREAM: a control frame, bounded while the client reads nothing. */
  queueControl(bytes: Buffer): void;
  /** This stream waits for window to send its data. */
  blocked(stream: H2Stream): void;
  /** Reply bytes held for window grew (or shrank, negative) by `delta`. */
  pending(delta: number): void;
  /** The client ended its side; call deliverEnd() once the frames read with it are in. */
  ended(stream: H2Stream): void;
  /** The handler of a stream that closed while it worked is done. */
  workDone(): void;
  closed(stream: H2Stream): void;
}

const noop = () => {};

export class H2Stream {
  readonly id: number;
  readonly headers: RequestHeaders;
  private readonly owner: StreamOwner;
  private readonly peerAddress: string;

  /** Request bytes as they arrive (DATA payloads). */
  onData: (chunk: Buffer) => void = noop;
  /** The client has sent all of its request. */
  onEnd: () => void = noop;
  /** Reset (by the client, or by the connection for a fault) or cut with the connection. */
  onAbort: () => void = noop;

  headersSent = false;
  remoteEnded = false;
  localEnded = false;
  closed = false;
  /** Its handler runs (beginWork() to endWork()): the stream holds a slot until then. */
  working = false;

  /** How much the peer lets this stream send. */
  sendWindow: number;
  /** Request bytes this stream holds against the connection's limit. */
  buffered = 0;
  /** Received bytes not yet given back with WINDOW_UPDATE. */
  unacknowledged = 0;
  /** What the client may still send before a WINDOW_UPDATE (the receive window). */
  receiveWindow: number;

  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The header block that ends the stream once pending data is out (undefined: empty DATA). */
  private finalBlock: Buffer | undefined;
  private ending = false;

  constructor(
    id: number,
    headers: RequestHeaders,
    owner: StreamOwner,
    windows: { send: number; receive: number },
    peerAddress: string,
  ) {
    this.id = id;
    this.headers = headers;
    this.owner = owner;
    this.sendWindow = windows.send;
    this.receiveWindow = windows.receive;
    this.peerAddress = peerAddress;
  }

  /** Reply bytes written and still waiting for the peer's flow-control window. */
  get pendingReplyBytes(): number {
    return this.pendingBytes;
  }

  /** `host:port` of the client. */
  peer(): string {
    return this.peerAddress;
  }

  /** Response headers, as an encoded header block; `endStream` for a headers-only reply. */
  respond(block: Buffer, endStream: boolean): void {
    if (this.closed || this.headersSent) return;
    this.headersSent = true;
    this.owner.queueReply(headersFrames(this.id, block, endStream, this.owner.peerMaxFrameSize));
    if (endStream) this.endLocal();
  }

  write(data: Buffer): void {
    if (this.closed || this.ending || !this.headersSent) return;
    this.pending.push(data);
    this.pendingBytes += data.length;
    this.owner.pending(data.length);
    this.flush();
  }

  /**
   * The handler starts. A client that resets the stream does not free its slot until
   * endWork(): the work goes on, and a client may not pile it up by resetting (grpc-go
   * counts streams against the limit until their handlers return, for the same reason).
   */
  beginWork(): void {
    this.working = true;
  }

  endWork(): void {
    if (!this.working) return;
    this.working = false;
    if (this.closed) this.owner.workDone();
  }

  /** Ends the reply: with trailers (an encoded header block), or with an empty DATA frame. */
  end(trailers?: Buffer): void {
    if (this.closed || this.ending || !this.headersSent) return;
    this.ending = true;
    this.finalBlock = trailers;
    this.flush();
  }

  /** Sends what the windows allow; true when nothing is left waiting for window. */
  flush(): boolean {
    if (this.closed) return true;
    const owner = this.owner;
    while (this.pending.length > 0) {
      const chunk = this.pending[0] as Buffer;
      const n = Math.min(chunk.length, this.sendWindow, owner.sendWindow);
      if (n <= 0 && chunk.length > 0) {
        owner.blocked(this);
        return false;
      }
      if (n === chunk.length) this.pending.shift();
      else this.pending[0] = chunk.subarray(n);
      this.sendWindow -= n;
      owner.sendWindow -= n;
      this.pendingBytes -= n;
      owner.pending(-n);
      owner.queueReply(dataFrames(this.id, chunk.subarray(0, n), false, owner.peerMaxFrameSize));
    }
    if (this.ending && !this.localEnded) {
      owner.queueReply(
        this.finalBlock === undefined
          ? dataFrames(this.id, Buffer.alloc(0), true, owner.peerMaxFrameSize)
          : headersFrames(this.id, this.finalBlock, true, owner.peerMaxFrameSize),
      );
      this.endLocal();
    }
    return true;
  }

  /** The client's END_STREAM: its side is over, the handler hears it in deliverEnd(). */
  endRemote(): void {
    if (this.closed || this.remoteEnded) return;
    this.remoteEnded = true;
    this.owner.ended(this);
  }

  /** Tells the handler the request is complete, unless the stream is gone meanwhile. */
  deliverEnd(): void {
    if (this.closed) return;
    this.onEnd();
    if (this.localEnded) this.close();
  }

  /** Resets the stream from this side: the client learns why by the code. */
  reset(code: number): void {
    if (this.closed) return;
    this.owner.queueControl(rstStreamFrame(this.id, code));
    this.abort();
  }

  /** The stream is gone (reset by either side, or its connection closed). */
  abort(): void {
    if (this.closed) return;
    this.close();
    this.onAbort();
  }

  private endLocal(): void {
    this.localEnded = true;
    if (this.remoteEnded) {
      this.close();
      return;
    }
    // Replied before the request was over (a refusal): the client need not send the rest
    // (RFC 9113 §8.1).
    this.owner.queueControl(rstStreamFrame(this.id, ErrorCode.NO_ERROR));
    this.close();
  }

  private close(): void {
    this.closed = true;
    this.pending = [];
    if (this.pendingBytes !== 0) this.owner.pending(-this.pendingBytes);
    this.pendingBytes = 0;
    this.owner.closed(this);
  }
}
