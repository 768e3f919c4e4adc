// Frames that many sockets get, framed once. Fan-out writes one push to every subscriber of
// a channel in a row, so the second write of the same data frames it once (header +
// payload in one buffer) and the following writes reuse that buffer: one write per socket
// instead of ws's header, cork and writev, and no per-socket UTF-8 encoding of JSON. Data
// written once (replies) goes through ws.send. One per WebSocket endpoint, so the sockets
// of two nodes in one process never compare each other's frames.

export class SharedFrames {
  /** The last data written through ws.send. */
  private lastSent: { data: string | Uint8Array; binary: boolean } | undefined;
  /** The last data framed for sharing. */
  private shared: { data: string | Uint8Array; binary: boolean; frame: Buffer } | undefined;

  /** The framed bytes when this data was just written to another socket, else undefined. */
  frame(data: string | Uint8Array, binary: boolean): Buffer | undefined {
    const shared = this.shared;
    if (shared && shared.binary === binary && shared.data === data) return shared.frame;
    const last = this.lastSent;
    if (last && last.binary === binary && last.data === data) {
      this.shared = { data, binary, frame: frameBytes(data, binary) };
      this.lastSent = undefined;
      return this.shared.frame;
    }
    this.lastSent = { data, binary };
    return undefined;
  }

  /** Forgets the frames it holds (the endpoint closed). */
  close(): void {
    this.lastSent = undefined;
    this.shared = undefined;
  }
}

/** One unmasked, final server frame (RFC 6455 §5.2): text for JSON, binary for Protobuf. */
export function frameBytes(data: string | Uint8Array, binary: boolean): Buffer {
  const length = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(header + length);
  out[0] = 0x80 | (binary ? 0x2 : 0x1);
  if (length < 126) out[1] = length;
  else if (length < 65536) {
    out[1] = 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 127;
    out.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    out.writeUInt32BE(length >>> 0, 6);
  }
  if (typeof data === 'string') out.write(data, header, 'utf8');
  else out.set(data, header);
  return out;
}
