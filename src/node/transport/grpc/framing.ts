// gRPC over HTTP/2, the message layer (grpc/doc/PROTOCOL-HTTP2.md): every message is a
// 5-byte prefix (compressed flag, big-endian length) and the bytes. Pure functions, so the
// parsing of what a client controls is tested without a socket.

/** One unmasked message frame: flag 0 (not compressed), length, bytes. */
export function encodeMessage(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

export interface Message {
  compressed: boolean;
  bytes: Buffer;
}

export type FeedResult =
  | { ok: true }
  /** A message longer than the limit: refuse it without buffering it (RESOURCE_EXHAUSTED). */
  | { ok: false; tooLarge: number };

/**
 * Reassembles messages from DATA chunks as they arrive. A declared length over `maxLength`
 * is refused as soon as its prefix is read, before its bytes are buffered, so a client cannot
 * make the server hold more than the limit per stream.
 */
export class MessageReader {
  private readonly maxLength: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The prefix of the message being read, once its 5 bytes are in. */
  private expected: { compressed: boolean; length: number } | undefined;
  readonly messages: Message[] = [];

  constructor(maxLength: number) {
    this.maxLength = maxLength;
  }

  feed(chunk: Buffer): FeedResult {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    for (;;) {
      if (this.expected === undefined) {
        if (this.buffered < 5) return { ok: true };
        const prefix = this.take(5);
        const length = prefix.readUInt32BE(1);
        if (length > this.maxLength) return { ok: false, tooLarge: length };
        this.expected = { compressed: prefix[0] !== 0, length };
      }
      if (this.buffered < this.expected.length) return { ok: true };
      this.messages.push({
        compressed: this.expected.compressed,
        bytes: this.take(this.expected.length),
      });
      this.expected = undefined;
    }
  }

  /** Bytes of a message cut short at the end of the stream (0 when the stream ended cleanly). */
  get pendingBytes(): number {
    return this.buffered + (this.expected ? 5 : 0);
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) {
      // The common case, a whole message in one chunk: a view, no copy.
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0] as Buffer;
      const part = Math.min(chunk.length, n - filled);
      chunk.copy(out, filled, 0, part);
      filled += part;
      if (part === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(part);
    }
    this.buffered -= n;
    return out;
  }
}

/**
 * grpc-message is percent-encoded: bytes outside printable ASCII, and '%' itself, as %XX
 * of their UTF-8 encoding (PROTOCOL-HTTP2.md, "Responses").
 */
export function encodeGrpcMessage(message: string): string {
  let plain = true;
  for (let i = 0; i < message.length; i++) {
    const c = message.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x25) {
      plain = false;
      break;
    }
  }
  if (plain) return message;
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out +=
      byte < 0x20 || byte > 0x7e || byte === 0x25
        ? `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
        : String.fromCharCode(byte);
  }
  return out;
}
