// What one HTTP/2 connection may cost, and the names of the limits a peer can hit. Every
// limit here exists because a client controls the quantity it bounds (frames, bytes, time);
// each default and its source is documented in README's gRPC section
// (grpc_api.http2.*, read by ../server.ts).

export interface ConnectionLimits {
  /** SETTINGS_MAX_CONCURRENT_STREAMS; a reset stream whose handler still runs counts too. */
  maxConcurrentStreams: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE: a larger request gets 431. A header block (the encoded
   * bytes, HEADERS and its CONTINUATIONs) may be twice this, no more. */
  maxHeaderListSize: number;
  /** CONTINUATION frames after one HEADERS frame. */
  maxContinuationFrames: number;
  /** A header block must end (END_HEADERS) this long after its HEADERS frame. */
  headerTimeoutMs: number;
  /** DATA, HEADERS or CONTINUATION frames in a row that carry nothing and end nothing. */
  maxConsecutiveEmptyFrames: number;
  /** Token bucket of RST_STREAM frames for streams still open: size and refill per second. */
  resetBurst: number;
  resetsPerSecond: number;
  /** grpc-go's keepalive enforcement: pings closer than this are strikes (three: GOAWAY). */
  pingMinIntervalMs: number;
  /** Whether pings are expected without any open stream (if not, the interval is 2 hours). */
  pingWithoutStreams: boolean;
  /** Control replies (PING and SETTINGS ACKs, RST_STREAM) queued while the client reads nothing. */
  maxQueuedControlFrames: number;
  /** Reply bytes the connection's streams hold while the client gives no flow-control window. */
  maxPendingReplyBytes: number;
  /** A connection with no stream this long is closed with GOAWAY (0: never). */
  idleTimeoutMs: number;
  /** The client preface and first SETTINGS must arrive within this of the connection. */
  handshakeTimeoutMs: number;
}

/** The label of `centrifugo_grpc_h2_limit_hits_total` for each limit. */
export type LimitName =
  | 'concurrent_streams'
  | 'header_list_size'
  | 'header_block_size'
  | 'continuation_frames'
  | 'header_timeout'
  | 'empty_frames'
  | 'reset_rate'
  | 'too_many_pings'
  | 'control_frames'
  | 'pending_replies'
  | 'idle_timeout'
  | 'handshake_timeout';

export const LIMIT_NAMES: readonly LimitName[] = [
  'concurrent_streams',
  'header_list_size',
  'header_block_size',
  'continuation_frames',
  'header_timeout',
  'empty_frames',
  'reset_rate',
  'too_many_pings',
  'control_frames',
  'pending_replies',
  'idle_timeout',
  'handshake_timeout',
];

/**
 * A token bucket: `burst` tokens at most, `perSecond` back each second; take() says whether
 * one was there. Time is read only when a token is taken, so an idle bucket costs nothing.
 */
export class TokenBucket {
  private readonly burst: number;
  private readonly perMs: number;
  private tokens: number;
  private at = 0;

  constructor(burst: number, perSecond: number) {
    this.burst = burst;
    this.perMs = perSecond / 1000;
    this.tokens = burst;
  }

  take(now: number): boolean {
    if (this.at !== 0)
      this.tokens = Math.min(this.burst, this.tokens + (now - this.at) * this.perMs);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
