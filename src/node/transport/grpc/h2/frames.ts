// HTTP/2 frame layout (RFC 9113 §4, §6): the numbers of the protocol and the few frames a
// server writes, each built whole into one Buffer so a reply goes out in one socket write.

export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  ENHANCE_YOUR_CALM: 0xb,
} as const;

export const Setting = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;

export const FRAME_HEADER_SIZE = 9;
/** Every peer accepts frames this large; larger only if it says so (SETTINGS_MAX_FRAME_SIZE). */
export const DEFAULT_MAX_FRAME_SIZE = 16_384;
export const DEFAULT_WINDOW_SIZE = 65_535;
export const MAX_WINDOW_SIZE = 2 ** 31 - 1;
export const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** A frame header followed by `payloadLength` bytes the caller fills in from offset 9. */
export function frame(
  type: number,
  flags: number,
  streamId: number,
  payloadLength: number,
): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_SIZE + payloadLength);
  writeFrameHeader(out, 0, type, flags, streamId, payloadLength);
  return out;
}

export function writeFrameHeader(
  out: Buffer,
  at: number,
  type: number,
  flags: number,
  streamId: number,
  payloadLength: number,
): void {
  out[at] = (payloadLength >>> 16) & 0xff;
  out[at + 1] = (payloadLength >>> 8) & 0xff;
  out[at + 2] = payloadLength & 0xff;
  out[at + 3] = type;
  out[at + 4] = flags;
  out.writeUInt32BE(streamId & 0x7fffffff, at + 5);
}

export function settingsFrame(settings: readonly (readonly [number, number])[]): Buffer {
  const out = frame(FrameType.SETTINGS, 0, 0, settings.length * 6);
  settings.forEach(([id, value], i) => {
    out.writeUInt16BE(id, FRAME_HEADER_SIZE + i * 6);
    out.writeUInt32BE(value, FRAME_HEADER_SIZE + i * 6 + 2);
  });
  return out;
}

export const SETTINGS_ACK = frame(FrameType.SETTINGS, Flag.ACK, 0, 0);

export function windowUpdateFrame(streamId: number, increment: number): Buffer {
  const out = frame(FrameType.WINDOW_UPDATE, 0, streamId, 4);
  out.writeUInt32BE(increment, FRAME_HEADER_SIZE);
  return out;
}

export function rstStreamFrame(streamId: number, code: number): Buffer {
  const out = frame(FrameType.RST_STREAM, 0, streamId, 4);
  out.writeUInt32BE(code, FRAME_HEADER_SIZE);
  return out;
}

export function goawayFrame(lastStreamId: number, code: number, debug = ''): Buffer {
  const text = Buffer.from(debug, 'utf8');
  const out = frame(FrameType.GOAWAY, 0, 0, 8 + text.length);
  out.writeUInt32BE(lastStreamId & 0x7fffffff, FRAME_HEADER_SIZE);
  out.writeUInt32BE(code, FRAME_HEADER_SIZE + 4);
  text.copy(out, FRAME_HEADER_SIZE + 8);
  return out;
}

/** A PING of this side's own (keepalive), to be answered with an ACK. */
export function pingFrame(payload: Buffer): Buffer {
  const out = frame(FrameType.PING, 0, 0, 8);
  payload.copy(out, FRAME_HEADER_SIZE, 0, 8);
  return out;
}

export function pingAckFrame(payload: Buffer): Buffer {
  const out = frame(FrameType.PING, Flag.ACK, 0, 8);
  payload.copy(out, FRAME_HEADER_SIZE, 0, 8);
  return out;
}

/**
 * A header block as HEADERS, then CONTINUATION frames when it is larger than the peer's
 * frame size, all in one Buffer.
 */
export function headersFrames(
  streamId: number,
  block: Buffer,
  endStream: boolean,
  maxFrameSize: number,
): Buffer {
  if (block.length <= maxFrameSize) {
    const out = frame(
      FrameType.HEADERS,
      Flag.END_HEADERS | (endStream ? Flag.END_STREAM : 0),
      streamId,
      block.length,
    );
    block.copy(out, FRAME_HEADER_SIZE);
    return out;
  }
  const count = Math.ceil(block.length / maxFrameSize);
  const out = Buffer.allocUnsafe(count * FRAME_HEADER_SIZE + block.length);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const part = block.subarray(i * maxFrameSize, (i + 1) * maxFrameSize);
    const type = i === 0 ? FrameType.HEADERS : FrameType.CONTINUATION;
    const flags =
      (i === count - 1 ? Flag.END_HEADERS : 0) | (i === 0 && endStream ? Flag.END_STREAM : 0);
    writeFrameHeader(out, at, type, flags, streamId, part.length);
    part.copy(out, at + FRAME_HEADER_SIZE);
    at += FRAME_HEADER_SIZE + part.length;
  }
  return out;
}

/** DATA frames carrying `data` (already cut to fit the windows), split at the frame size. */
export function dataFrames(
  streamId: number,
  data: Buffer,
  endStream: boolean,
  maxFrameSize: number,
): Buffer {
  const count = Math.max(1, Math.ceil(data.length / maxFrameSize));
  const out = Buffer.allocUnsafe(count * FRAME_HEADER_SIZE + data.length);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const part = data.subarray(i * maxFrameSize, (i + 1) * maxFrameSize);
    const flags = i === count - 1 && endStream ? Flag.END_STREAM : 0;
    writeFrameHeader(out, at, FrameType.DATA, flags, streamId, part.length);
    part.copy(out, at + FRAME_HEADER_SIZE);
    at += FRAME_HEADER_SIZE + part.length;
  }
  return out;
}
