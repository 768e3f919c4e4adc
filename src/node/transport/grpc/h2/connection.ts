// The server side of one HTTP/2 connection (RFC 9113), as much of it as a gRPC server
// needs: frames in, streams to a handler, replies out within the peer's windows. Written
// here rather than on node:http2 because node's per-stream objects (a Duplex each, header
// objects, nghttp2 callbacks) cost more CPU than the publish they carry
// (bench/results/2026-12-01-ab-api-raw-h2.md). Everything a reply writes in one turn of the
// event loop goes out in one socket write. What a client can make a connection hold or do is
// bounded (limits.ts, grpc_api.http2.*): header blocks, resets, pings, unread control frames
// and replies, idle and handshake time; past a bound the client gets GOAWAY ENHANCE_YOUR_CALM.
import type { Socket } from 'node:net';
import {
  CLIENT_PREFACE,
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_WINDOW_SIZE,
  ErrorCode,
  Flag,
  FRAME_HEADER_SIZE,
  FrameType,
  goawayFrame,
  headersFrames,
  MAX_WINDOW_SIZE,
  pingAckFrame,
  pingFrame,
  rstStreamFrame,
  SETTINGS_ACK,
  Setting,
  settingsFrame,
  windowUpdateFrame,
} from './frames.ts';
import { encodeHeaderBlock, HpackDecoder } from './hpack.ts';
import { HpackError } from './hpack-error.ts';
import { type ConnectionLimits, type LimitName, TokenBucket } from './limits.ts';
import { requestHeaders } from './request-headers.ts';
import { H2Stream, type StreamOwner } from './stream.ts';

export interface ConnectionOptions extends ConnectionLimits {
  /** Each stream's receive window, advertised in SETTINGS. */
  streamWindow: number;
  /** The connection's receive window, raised from 64 KiB at the start. */
  connectionWindow: number;
  /** Request bytes the connection's open streams may hold; past it a stream is reset. */
  maxBufferedBytes: number;
  /** The text an HTTP/1 request gets with its 415: what this port expects instead. */
  http1Hint: string;
  /**
   * Server keepalive (grpc-go's ServerParameters Time and Timeout): after `timeMs` without
   * a frame from the client this side pings; no ACK within `timeoutMs` closes the connection.
   * Checked on tick(), so within a second of each. Off when absent.
   */
  keepalive?: { timeMs: number; timeoutMs: number };
}

export interface ConnectionEvents {
  stream(stream: H2Stream): void;
  /** A limit was hit (for a count): some refuse one stream, most close the connection. */
  limit(name: LimitName): void;
  /** The connection is closed for a fault or a limit, once per connection: say why. */
  protocolError(reason: string, peer: string): void;
}

/** Replies waiting in the socket past this stop reading until the client reads them. */
const MAX_QUEUED_WRITE_BYTES = 4 * 1024 * 1024;
/** grpc-go's keepalive enforcement: the third strike is let pass, the fourth closes. */
const MAX_PING_STRIKES = 2;
/** Without an open stream a client has no reason to ping more often (grpc-go's figure). */
const PING_INTERVAL_WITHOUT_STREAMS_MS = 2 * 60 * 60 * 1000;
/** A socket this side ended is destroyed if the peer does not close its side by then. */
const LINGER_MS = 1000;
const EMPTY = Buffer.alloc(0);
const KEEPALIVE_PAYLOAD = Buffer.from('keepaliv');
const HTTP1_REQUEST = /^[A-Z]{3,7} \S+ HTTP\/1\.[01]\r?\n/;
const HEADER_LIST_TOO_LARGE = encodeHeaderBlock([[':status', '431']]);

class ConnectionError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

export class H2Connection implements StreamOwner {
  private readonly socket: Socket;
  private readonly options: ConnectionOptions;
  private readonly events: ConnectionEvents;
  private readonly peerAddress: string;
  private readonly hpack: HpackDecoder;
  private readonly streams = new Map<number, H2Stream>();
  private readonly waitingForWindow = new Set<H2Stream>();
  private readonly resets: TokenBucket;
  private readonly createdAt = Date.now();

  peerMaxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  sendWindow = DEFAULT_WINDOW_SIZE;
  private peerInitialWindow = DEFAULT_WINDOW_SIZE;
  private receiveWindow: number;
  private unacknowledged = 0;
  private bufferedBytes = 0;

  private input: Buffer = EMPTY;
  private prefaceSeen = false;
  private settingsSeen = false;
  /** The client has acknowledged this side's SETTINGS, so it knows the stream limit. */
  private settingsAcked = false;
  private lastStreamId = 0;
  /** Stream whose header block continues in CONTINUATION frames (0: none). */
  private continuing = 0;
  private continuingEnd = false;
  /** The block so far, copied into one buffer: a view per frame would keep each read alive. */
  private headerBlock: Buffer = EMPTY;
  private headerBytes = 0;
  private continuations = 0;
  private headerStartedAt = 0;
  /** Frames in a row that carried nothing and ended nothing. */
  private emptyFrames = 0;

  /** Streams whose request ended in the read being parsed: their handlers run after it. */
  private endedInRead: H2Stream[] = [];
  /** Streams reset while their handler still runs: they hold a slot until it is done. */
  private abandoned = 0;
  /** Reply bytes streams hold, waiting for the client's window. */
  private pendingReplyBytes = 0;

  private pingStrikes = 0;
  private lastPingAt = 0;
  /** A reply went out since the last PING: that ping was no abuse (grpc-go's rule). */
  private repliedSincePing = false;
  /** Control replies queued since the socket last had nothing waiting. */
  private controlQueued = 0;

  /** When the client last sent anything, and when our keepalive PING went (0: none owed). */
  private lastReadAt = Date.now();
  private keepalivePingAt = 0;

  /** For the idle timeout: a stream opened since the last tick. */
  private active = false;
  private idleSince: number;
  private pausedAt = 0;

  private output: Buffer[] = [];
  private outputBytes = 0;
  private flushScheduled = false;
  private reading = false;
  private paused = false;
  private draining = false;
  private dead = false;

  constructor(socket: Socket, options: ConnectionOptions, events: ConnectionEvents) {
    this.socket = socket;
    this.options = options;
    this.events = events;
    this.receiveWindow = DEFAULT_WINDOW_SIZE;
    this.hpack = new HpackDecoder(4096, options.maxHeaderListSize);
    this.resets = new TokenBucket(options.resetBurst, options.resetsPerSecond);
    this.idleSince = this.createdAt;
    const host = socket.remoteAddress ?? 'unknown';
    this.peerAddress = `${host.includes(':') ? `[${host}]` : host}:${socket.remotePort ?? 0}`;
    // Small frames (a reply is three) must not wait for Nagle's algorithm and the peer's
    // delayed ACK: that is up to 40 ms per call on a connection with calls in flight.
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', () => {});
    socket.on('close', () => this.gone());
    socket.on('drain', () => {
      this.controlQueued = 0;
      if (this.paused && !this.dead) {
        this.paused = false;
        socket.resume();
      }
    });
  }

  /** GOAWAY: streams already started finish, no new ones; the socket ends after them. */
  drain(): void {
    if (this.dead || this.draining) return;
    this.draining = true;
    this.queue(goawayFrame(this.lastStreamId, ErrorCode.NO_ERROR));
    this.flush();
    if (this.streams.size === 0) this.endSocket();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /**
   * The time limits, checked by the owner of many connections once in a while (a timer per
   * connection and per call would cost more than the calls): handshake, a header block left
   * open, a client that reads nothing, and idleness.
   */
  tick(now: number): void {
    if (this.dead) return;
    const o = this.options;
    if (!this.settingsSeen) {
      if (now - this.createdAt >= o.handshakeTimeoutMs) this.handshakeTimedOut();
      return;
    }
    if (this.continuing !== 0 && now - this.headerStartedAt >= o.headerTimeoutMs) {
      this.failFor('header_timeout', `header block not finished within ${o.headerTimeoutMs} ms`);
      return;
    }
    if (o.keepalive && this.keepaliveDue(now, o.keepalive)) return;
    if (o.idleTimeoutMs <= 0) return;
    if (this.paused && now - this.pausedAt >= o.idleTimeoutMs) {
      // Replies have waited in the socket all that time: the client reads nothing.
      this.events.limit('pending_replies');
      this.events.protocolError(
        `the client read no reply for ${o.idleTimeoutMs} ms`,
        this.peerAddress,
      );
      this.dead = true;
      this.socket.destroy();
      return;
    }
    if (this.streams.size > 0 || this.abandoned > 0 || this.active) {
      this.active = false;
      this.idleSince = now;
    } else if (now - this.idleSince >= o.idleTimeoutMs && !this.draining) {
      // As grpc-go's MaxConnectionIdle: a GOAWAY the client reconnects after, if it wants.
      this.events.limit('idle_timeout');
      this.drain();
    }
  }

  /** Pings a quiet client, and closes a connection whose ping went unanswered; true if closed. */
  private keepaliveDue(now: number, k: { timeMs: number; timeoutMs: number }): boolean {
    if (this.keepalivePingAt !== 0) {
      if (now - this.keepalivePingAt < k.timeoutMs) return false;
      this.events.protocolError(`no PING ACK within ${k.timeoutMs} ms`, this.peerAddress);
      this.dead = true;
      this.socket.destroy();
      return true;
    }
    if (now - this.lastReadAt >= k.timeMs) {
      this.keepalivePingAt = now;
      this.queue(pingFrame(KEEPALIVE_PAYLOAD));
    }
    return false;
  }

  // StreamOwner
  queue(bytes: Buffer): void {
    if (this.dead) return;
    this.output.push(bytes);
    this.outputBytes += bytes.length;
    if (!this.reading && !this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  queueReply(bytes: Buffer): void {
    this.repliedSincePing = true;
    this.queue(bytes);
  }

  /** A control frame this side owes the client (an ACK, a reset): bounded while unread. */
  queueControl(bytes: Buffer): void {
    this.queue(bytes);
    if (++this.controlQueued > this.options.maxQueuedControlFrames) {
      this.failFor(
        'control_frames',
        `over ${this.options.maxQueuedControlFrames} control frames queued unread`,
      );
    }
  }

  blocked(stream: H2Stream): void {
    this.waitingForWindow.add(stream);
    if (this.pendingReplyBytes > this.options.maxPendingReplyBytes) {
      this.failFor(
        'pending_replies',
        `over ${this.options.maxPendingReplyBytes} reply bytes waiting for flow-control window`,
      );
    }
  }

  pending(delta: number): void {
    this.pendingReplyBytes += delta;
  }

  ended(stream: H2Stream): void {
    this.endedInRead.push(stream);
  }

  workDone(): void {
    this.abandoned--;
  }

  closed(stream: H2Stream): void {
    this.streams.delete(stream.id);
    this.waitingForWindow.delete(stream);
    this.bufferedBytes -= stream.buffered;
    if (stream.working) this.abandoned++;
    if (this.draining && this.streams.size === 0) {
      this.flush();
      this.endSocket();
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.outputBytes === 0 || this.dead) return;
    const out =
      this.output.length === 1
        ? (this.output[0] as Buffer)
        : Buffer.concat(this.output, this.outputBytes);
    this.output = [];
    this.outputBytes = 0;
    this.socket.write(out);
    const waiting = this.socket.writableLength;
    // The kernel took it all: nothing is queued unread.
    if (waiting === 0) this.controlQueued = 0;
    // A client that sends requests and does not read the replies is not read either.
    else if (waiting > MAX_QUEUED_WRITE_BYTES && !this.paused) {
      this.paused = true;
      this.pausedAt = Date.now();
      this.socket.pause();
    }
  }

  private read(chunk: Buffer): void {
    if (this.dead) return;
    this.lastReadAt = Date.now();
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    this.reading = true;
    try {
      this.parse();
      this.deliverEnded();
    } catch (err) {
      // Anything else is a bug here or in a handler: that connection closes, the node serves on.
      if (err instanceof ConnectionError) this.fail(err.code, err.message);
      else this.fail(ErrorCode.INTERNAL_ERROR, `internal error: ${(err as Error).message}`);
    } finally {
      this.reading = false;
    }
    this.flush();
  }

  /**
   * Requests completed by this read reach their handlers only now, once every frame of the
   * read is in: a client that sends a request and its RST_STREAM together (Rapid Reset) gets
   * no handler run for it.
   */
  private deliverEnded(): void {
    if (this.endedInRead.length === 0) return;
    const ended = this.endedInRead;
    this.endedInRead = [];
    for (const s of ended) s.deliverEnd();
  }

  private parse(): void {
    if (!this.prefaceSeen && !this.readPreface()) return;
    const input = this.input;
    let at = 0;
    while (!this.dead && input.length - at >= FRAME_HEADER_SIZE) {
      const length =
        (input[at] as number) * 65536 + (input[at + 1] as number) * 256 + (input[at + 2] as number);
      if (length > DEFAULT_MAX_FRAME_SIZE) {
        throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, `frame of ${length} bytes`);
      }
      if (input.length - at < FRAME_HEADER_SIZE + length) break;
      const type = input[at + 3] as number;
      const flags = input[at + 4] as number;
      const streamId = input.readUInt32BE(at + 5) & 0x7fffffff;
      const payload = input.subarray(at + FRAME_HEADER_SIZE, at + FRAME_HEADER_SIZE + length);
      at += FRAME_HEADER_SIZE + length;
      this.frame(type, flags, streamId, payload);
    }
    this.input = at === input.length ? EMPTY : input.subarray(at);
  }

  private readPreface(): boolean {
    const input = this.input;
    const n = Math.min(input.length, CLIENT_PREFACE.length);
    if (input.compare(CLIENT_PREFACE, 0, n, 0, n) !== 0) {
      this.notHttp2(input);
      return false;
    }
    if (input.length < CLIENT_PREFACE.length) return false;
    this.prefaceSeen = true;
    this.input = input.subarray(CLIENT_PREFACE.length);
    // The server's preface, sent only now so that an HTTP/1 client's answer is plain text.
    this.queue(
      settingsFrame([
        [Setting.MAX_CONCURRENT_STREAMS, this.options.maxConcurrentStreams],
        [Setting.INITIAL_WINDOW_SIZE, this.options.streamWindow],
        [Setting.MAX_HEADER_LIST_SIZE, this.options.maxHeaderListSize],
        [Setting.ENABLE_PUSH, 0],
      ]),
    );
    const raise = this.options.connectionWindow - DEFAULT_WINDOW_SIZE;
    if (raise > 0) {
      this.queue(windowUpdateFrame(0, raise));
      this.receiveWindow += raise;
    }
    return true;
  }

  /** Not the HTTP/2 preface: an HTTP/1 request gets a hint, anything else the door. */
  private notHttp2(input: Buffer): void {
    const head = input.subarray(0, 1024).toString('latin1');
    if (HTTP1_REQUEST.test(head)) {
      const hint = this.options.http1Hint;
      this.socket.end(
        `HTTP/1.1 415 Unsupported Media Type\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(hint)}\r\nconnection: close\r\n\r\n${hint}`,
      );
      this.dead = true;
      this.events.protocolError('an HTTP/1 request on the gRPC port', this.peerAddress);
      return;
    }
    // Perhaps the start of an HTTP/1 request line: wait for its end (bounded in size and by
    // the handshake timeout).
    if (input.length < 1024 && /^[A-Z]+( [^\r\n]*)?$/.test(head)) return;
    this.dead = true;
    this.events.protocolError('not HTTP/2 (no client preface)', this.peerAddress);
    this.socket.destroy();
  }

  private handshakeTimedOut(): void {
    this.events.limit('handshake_timeout');
    const what = this.prefaceSeen ? 'SETTINGS' : 'HTTP/2 preface';
    const reason = `no ${what} within ${this.options.handshakeTimeoutMs} ms`;
    if (this.prefaceSeen) {
      this.fail(ErrorCode.SETTINGS_TIMEOUT, reason);
      return;
    }
    // Not (yet) an HTTP/2 peer: no frame to tell it anything with.
    this.dead = true;
    this.events.protocolError(reason, this.peerAddress);
    this.socket.destroy();
  }

  private frame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (!this.settingsSeen) {
      if (type !== FrameType.SETTINGS || flags & Flag.ACK) {
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'the first frame must be SETTINGS');
      }
      this.settingsSeen = true;
    }
    if (this.continuing !== 0 && type !== FrameType.CONTINUATION) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'a header block was interrupted');
    }
    if (type <= FrameType.HEADERS || type === FrameType.CONTINUATION) {
      // Frames that carry nothing and end nothing cost a parse each and mean nothing: a few in
      // a row is a flood (Envoy's max_consecutive_inbound_frames_with_empty_payload).
      const ends = type === FrameType.CONTINUATION ? Flag.END_HEADERS : Flag.END_STREAM;
      if (payload.length > 0 || flags & ends) this.emptyFrames = 0;
      else if (++this.emptyFrames > this.options.maxConsecutiveEmptyFrames) {
        this.failFor('empty_frames', `${this.emptyFrames} empty frames in a row`);
        return;
      }
    }
    switch (type) {
      case FrameType.DATA:
        this.onData(flags, streamId, payload);
        return;
      case FrameType.HEADERS:
        this.onHeaders(flags, streamId, payload);
        return;
      case FrameType.PRIORITY:
        this.onPriority(streamId, payload);
        return;
      case FrameType.RST_STREAM:
        this.onReset(streamId, payload);
        return;
      case FrameType.SETTINGS:
        this.onSettings(flags, streamId, payload);
        return;
      case FrameType.PUSH_PROMISE:
        throw protocolError('a client cannot push');
      case FrameType.PING:
        if (streamId !== 0) throw protocolError('PING on a stream');
        if (payload.length !== 8) {
          throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'PING is 8 bytes');
        }
        if (!(flags & Flag.ACK)) this.onPing(payload);
        else this.keepalivePingAt = 0;
        return;
      case FrameType.GOAWAY:
        if (streamId !== 0) throw protocolError('GOAWAY on a stream');
        // The client leaves: what it started finishes, then the socket ends.
        this.drain();
        return;
      case FrameType.WINDOW_UPDATE:
        this.onWindowUpdate(streamId, payload);
        return;
      case FrameType.CONTINUATION:
        this.onContinuation(flags, streamId, payload);
        return;
      default:
      // Unknown frame types are ignored (RFC 9113 §4.1).
    }
  }

  /**
   * RFC 9113 §6.3 makes a PRIORITY of the wrong length a stream error in every stream state,
   * idle and closed ones included, where this side keeps no stream to reset; §5.4.1 lets any
   * stream error be the connection's, which needs no such state.
   */
  private onPriority(streamId: number, payload: Buffer): void {
    if (streamId === 0) throw protocolError('PRIORITY on stream 0');
    if (payload.length !== 5) {
      throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'PRIORITY is 5 bytes');
    }
    if ((payload.readUInt32BE(0) & 0x7fffffff) === streamId) {
      throw protocolError(`stream ${streamId} depends on itself`);
    }
  }

  /**
   * grpc-go's keepalive enforcement policy: a PING sooner than the minimum interval after the
   * previous one is a strike, unless a reply went out in between; past two strikes the
   * client gets GOAWAY ENHANCE_YOUR_CALM "too_many_pings", which grpc clients read as "ping
   * less" (they double their keepalive time).
   */
  private onPing(payload: Buffer): void {
    this.queueControl(pingAckFrame(payload));
    const now = Date.now();
    const previous = this.lastPingAt;
    this.lastPingAt = now;
    if (this.repliedSincePing) {
      this.repliedSincePing = false;
      this.pingStrikes = 0;
      return;
    }
    const o = this.options;
    const interval =
      this.streams.size === 0 && !o.pingWithoutStreams
        ? PING_INTERVAL_WITHOUT_STREAMS_MS
        : o.pingMinIntervalMs;
    if (now - previous < interval) this.pingStrikes++;
    if (this.pingStrikes > MAX_PING_STRIKES) this.failFor('too_many_pings', 'too_many_pings');
  }

  private onSettings(flags: number, streamId: number, payload: Buffer): void {
    if (streamId !== 0) throw protocolError('SETTINGS on a stream');
    if (flags & Flag.ACK) {
      if (payload.length !== 0) {
        throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS ACK with a payload');
      }
      this.settingsAcked = true;
      return;
    }
    if (payload.length % 6 !== 0) {
      throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS not a multiple of 6');
    }
    let windowDelta = 0;
    for (let at = 0; at < payload.length; at += 6) {
      const id = payload.readUInt16BE(at);
      const value = payload.readUInt32BE(at + 2);
      if (id === Setting.ENABLE_PUSH && value > 1) throw protocolError('ENABLE_PUSH above 1');
      if (id === Setting.INITIAL_WINDOW_SIZE) {
        if (value > MAX_WINDOW_SIZE) {
          throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, 'INITIAL_WINDOW_SIZE too large');
        }
        windowDelta += value - this.peerInitialWindow;
        this.peerInitialWindow = value;
      }
      if (id === Setting.MAX_FRAME_SIZE) {
        if (value < DEFAULT_MAX_FRAME_SIZE || value > 2 ** 24 - 1) {
          throw protocolError('MAX_FRAME_SIZE out of range');
        }
        this.peerMaxFrameSize = value;
      }
      // HEADER_TABLE_SIZE does not matter: replies use no dynamic table.
    }
    this.queueControl(SETTINGS_ACK);
    if (windowDelta !== 0) {
      for (const s of this.streams.values()) {
        s.sendWindow += windowDelta;
        if (s.sendWindow > MAX_WINDOW_SIZE) {
          throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, 'a stream window overflowed');
        }
      }
      if (windowDelta > 0) this.resumeBlocked();
    }
  }

  private onWindowUpdate(streamId: number, payload: Buffer): void {
    if (payload.length !== 4) {
      throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'WINDOW_UPDATE is 4 bytes');
    }
    const increment = payload.readUInt32BE(0) & 0x7fffffff;
    if (streamId === 0) {
      if (increment === 0) throw protocolError('WINDOW_UPDATE of 0');
      this.sendWindow += increment;
      if (this.sendWindow > MAX_WINDOW_SIZE) {
        throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, 'connection window overflowed');
      }
      this.resumeBlocked();
      return;
    }
    const stream = this.streams.get(streamId);
    if (stream === undefined) {
      if (streamId > this.lastStreamId) throw protocolError('WINDOW_UPDATE on an idle stream');
      // A late update for a finished stream is normal; one of 0 is an error in any state
      // (RFC 9113 §6.9), the connection's here as there is no stream left to reset.
      if (increment === 0) throw protocolError(`WINDOW_UPDATE of 0 on stream ${streamId}`);
      return;
    }
    if (increment === 0) {
      stream.reset(ErrorCode.PROTOCOL_ERROR);
      return;
    }
    stream.sendWindow += increment;
    if (stream.sendWindow > MAX_WINDOW_SIZE) {
      stream.reset(ErrorCode.FLOW_CONTROL_ERROR);
      return;
    }
    if (this.waitingForWindow.has(stream) && stream.flush()) this.waitingForWindow.delete(stream);
  }

  private resumeBlocked(): void {
    for (const s of this.waitingForWindow) {
      if (this.sendWindow <= 0) return;
      if (s.flush()) this.waitingForWindow.delete(s);
    }
  }

  /**
   * A client reset. Streams it resets while open are counted in a token bucket (nghttp2's
   * stream_reset_rate_limit): a client that opens and cancels streams faster than that is
   * making the server work for nothing (Rapid Reset, CVE-2023-44487).
   */
  private onReset(streamId: number, payload: Buffer): void {
    if (streamId === 0) throw protocolError('RST_STREAM on stream 0');
    if (payload.length !== 4) {
      throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'RST_STREAM is 4 bytes');
    }
    if (streamId > this.lastStreamId) throw protocolError('RST_STREAM on an idle stream');
    const stream = this.streams.get(streamId);
    if (stream === undefined) return;
    if (!this.resets.take(Date.now())) {
      this.failFor(
        'reset_rate',
        `streams reset faster than ${this.options.resetsPerSecond}/s (burst ${this.options.resetBurst})`,
      );
      return;
    }
    stream.abort();
  }

  private onData(flags: number, streamId: number, payload: Buffer): void {
    if (streamId === 0) throw protocolError('DATA on stream 0');
    // Flow control counts the whole payload, padding included (RFC 9113 §6.9.1).
    const counted = payload.length;
    this.receiveWindow -= counted;
    if (this.receiveWindow < 0) {
      throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, 'more DATA than the window');
    }
    this.unacknowledged += counted;
    if (this.unacknowledged >= this.options.connectionWindow / 2) {
      this.queue(windowUpdateFrame(0, this.unacknowledged));
      this.receiveWindow += this.unacknowledged;
      this.unacknowledged = 0;
    }
    const data = unpad(flags, payload);
    const stream = this.streams.get(streamId);
    if (stream === undefined) {
      if (streamId > this.lastStreamId) throw protocolError('DATA on an idle stream');
      return; // a stream this side reset or finished: its late frames are dropped
    }
    if (stream.remoteEnded) {
      stream.reset(ErrorCode.STREAM_CLOSED);
      return;
    }
    stream.receiveWindow -= counted;
    if (stream.receiveWindow < 0) {
      stream.reset(ErrorCode.FLOW_CONTROL_ERROR);
      return;
    }
    stream.buffered += data.length;
    this.bufferedBytes += data.length;
    if (this.bufferedBytes > this.options.maxBufferedBytes) {
      stream.reset(ErrorCode.ENHANCE_YOUR_CALM);
      return;
    }
    const endStream = (flags & Flag.END_STREAM) !== 0;
    stream.unacknowledged += counted;
    if (!endStream && stream.unacknowledged >= this.options.streamWindow / 2) {
      this.queue(windowUpdateFrame(streamId, stream.unacknowledged));
      stream.receiveWindow += stream.unacknowledged;
      stream.unacknowledged = 0;
    }
    if (data.length > 0) stream.onData(data);
    if (endStream) stream.endRemote();
  }

  private onHeaders(flags: number, streamId: number, payload: Buffer): void {
    if (streamId === 0) throw protocolError('HEADERS on stream 0');
    let block = payload;
    let padding = 0;
    if (flags & Flag.PADDED) {
      if (block.length < 1) throw protocolError('PADDED HEADERS without a pad length');
      padding = block[0] as number;
      block = block.subarray(1);
    }
    if (flags & Flag.PRIORITY) {
      if (block.length < 5) throw protocolError('HEADERS too short for its priority');
      if ((block.readUInt32BE(0) & 0x7fffffff) === streamId) {
        throw protocolError(`stream ${streamId} depends on itself`);
      }
      block = block.subarray(5);
    }
    if (padding > block.length) throw protocolError('padding longer than the frame');
    block = block.subarray(0, block.length - padding);
    const endStream = (flags & Flag.END_STREAM) !== 0;
    if (flags & Flag.END_HEADERS) {
      this.onHeaderBlock(streamId, block, endStream);
      return;
    }
    this.continuing = streamId;
    this.continuingEnd = endStream;
    this.continuations = 0;
    this.headerStartedAt = Date.now();
    this.headerBytes = 0;
    this.appendHeaderBytes(block);
  }

  private onContinuation(flags: number, streamId: number, payload: Buffer): void {
    if (this.continuing === 0 || streamId !== this.continuing) {
      throw protocolError('CONTINUATION without its HEADERS');
    }
    // nghttp2's limit: a header block within the list limit needs a few frames of 16 KiB;
    // more is a client making the server parse frames for nothing.
    if (++this.continuations > this.options.maxContinuationFrames) {
      this.failFor(
        'continuation_frames',
        `over ${this.options.maxContinuationFrames} CONTINUATION frames in one header block`,
      );
      return;
    }
    if (!this.appendHeaderBytes(payload)) return;
    if (!(flags & Flag.END_HEADERS)) return;
    const block = this.headerBlock.subarray(0, this.headerBytes);
    this.continuing = 0;
    // Not kept: a connection holds a header block only while it is being received.
    this.headerBlock = EMPTY;
    this.headerBytes = 0;
    this.onHeaderBlock(streamId, block, this.continuingEnd);
  }

  /**
   * Not decodable in pieces, so copied into one buffer as it comes, bounded: past twice the
   * list limit even the most compressed block is refused.
   */
  private appendHeaderBytes(part: Buffer): boolean {
    const need = this.headerBytes + part.length;
    const max = 2 * this.options.maxHeaderListSize;
    if (need > max) {
      this.failFor('header_block_size', `header block over ${max} bytes`);
      return false;
    }
    if (need > this.headerBlock.length) {
      const grown = Buffer.allocUnsafe(
        Math.min(max, Math.max(need, 2 * this.headerBlock.length, 1024)),
      );
      this.headerBlock.copy(grown, 0, 0, this.headerBytes);
      this.headerBlock = grown;
    }
    part.copy(this.headerBlock, this.headerBytes);
    this.headerBytes = need;
    return true;
  }

  private onHeaderBlock(streamId: number, block: Buffer, endStream: boolean): void {
    let decoded: { headers: string[]; tooLarge: boolean };
    try {
      decoded = this.hpack.decode(block);
    } catch (err) {
      if (err instanceof HpackError) {
        throw new ConnectionError(ErrorCode.COMPRESSION_ERROR, `HPACK: ${err.message}`);
      }
      throw err;
    }
    const existing = this.streams.get(streamId);
    if (existing !== undefined) {
      // Trailers from the client: they end its side.
      if (existing.remoteEnded) existing.reset(ErrorCode.STREAM_CLOSED);
      else if (!endStream) existing.reset(ErrorCode.PROTOCOL_ERROR);
      else existing.endRemote();
      return;
    }
    if (streamId % 2 === 0 || streamId <= this.lastStreamId) {
      throw protocolError(`HEADERS opening stream ${streamId} out of order`);
    }
    this.lastStreamId = streamId;
    if (this.draining) {
      this.queueControl(rstStreamFrame(streamId, ErrorCode.REFUSED_STREAM));
      return;
    }
    if (this.streams.size + this.abandoned >= this.streamLimit()) {
      this.events.limit('concurrent_streams');
      this.queueControl(rstStreamFrame(streamId, ErrorCode.REFUSED_STREAM));
      return;
    }
    if (decoded.tooLarge) {
      this.events.limit('header_list_size');
      this.queueReply(headersFrames(streamId, HEADER_LIST_TOO_LARGE, true, this.peerMaxFrameSize));
      if (!endStream) this.queueControl(rstStreamFrame(streamId, ErrorCode.NO_ERROR));
      return;
    }
    const checked = requestHeaders(decoded.headers);
    if (!checked.ok) {
      this.queueControl(rstStreamFrame(streamId, ErrorCode.PROTOCOL_ERROR));
      return;
    }
    const stream = new H2Stream(
      streamId,
      checked.headers,
      this,
      { send: this.peerInitialWindow, receive: this.options.streamWindow },
      this.peerAddress,
    );
    this.streams.set(streamId, stream);
    this.active = true;
    // Ended before its handler sees it, so an early answer (a refusal) closes the stream
    // without a reset telling the client to stop sending what it already finished.
    if (endStream) stream.endRemote();
    this.events.stream(stream);
  }

  /**
   * Streams a client opens before it has our SETTINGS were opened under the protocol's
   * initial limit (none): up to 100, the least RFC 9113 §6.5.2 recommends, are taken.
   */
  private streamLimit(): number {
    const limit = this.options.maxConcurrentStreams;
    return this.settingsAcked ? limit : Math.max(limit, 100);
  }

  /** A limit closes the connection: counted, GOAWAY ENHANCE_YOUR_CALM, logged once. */
  private failFor(limit: LimitName, reason: string): void {
    if (this.dead) return;
    this.events.limit(limit);
    this.fail(ErrorCode.ENHANCE_YOUR_CALM, reason);
  }

  /** A connection error: GOAWAY with the code, then the socket closes. */
  private fail(code: number, reason: string): void {
    if (this.dead) return;
    this.queue(goawayFrame(this.lastStreamId, code, reason));
    this.flush();
    this.dead = true;
    this.events.protocolError(reason, this.peerAddress);
    // Nothing more it sends is read: TCP flow control stops a client still flooding.
    this.socket.pause();
    this.input = EMPTY;
    this.headerBlock = EMPTY;
    this.endSocket();
    this.abortAll();
  }

  /** Ends this side; a peer that does not close its side is not waited for. */
  private endSocket(): void {
    this.socket.end();
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }

  private gone(): void {
    this.dead = true;
    this.abortAll();
  }

  private abortAll(): void {
    for (const s of [...this.streams.values()]) s.abort();
  }
}

function protocolError(message: string): ConnectionError {
  return new ConnectionError(ErrorCode.PROTOCOL_ERROR, message);
}

function unpad(flags: number, payload: Buffer): Buffer {
  if (!(flags & Flag.PADDED)) return payload;
  if (payload.length < 1) throw protocolError('PADDED DATA without a pad length');
  const padding = payload[0] as number;
  if (padding >= payload.length) throw protocolError('padding longer than the frame');
  return payload.subarray(1, payload.length - padding);
}
