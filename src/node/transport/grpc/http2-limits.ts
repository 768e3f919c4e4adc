// grpc_api.http2.* as this node's HTTP/2 connections read them (h2/limits.ts): the gRPC
// server API's port and the uni_grpc port share one set of limits.
import { type Config, durationMs } from '../../config/index.ts';
import type { ConnectionLimits } from './h2/limits.ts';

/** grpc_api.http2.* as the HTTP/2 connection reads them. */
export function connectionLimits(http2: Config['grpc_api']['http2']): ConnectionLimits {
  return {
    maxConcurrentStreams: http2.max_concurrent_streams,
    maxHeaderListSize: http2.max_header_list_size,
    maxContinuationFrames: http2.max_continuation_frames,
    headerTimeoutMs: durationMs(http2.header_timeout),
    maxConsecutiveEmptyFrames: http2.max_consecutive_empty_frames,
    resetBurst: http2.max_reset_burst,
    resetsPerSecond: http2.max_resets_per_second,
    pingMinIntervalMs: durationMs(http2.keepalive_min_time),
    pingWithoutStreams: http2.keepalive_permit_without_stream,
    maxQueuedControlFrames: http2.max_queued_control_frames,
    maxPendingReplyBytes: http2.max_pending_reply_size,
    idleTimeoutMs: durationMs(http2.idle_timeout),
    handshakeTimeoutMs: durationMs(http2.handshake_timeout),
  };
}
