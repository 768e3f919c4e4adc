// How a streamed response frames what a session writes (a frame of one or more messages,
// JSON ones one per line, Protobuf ones varint length-delimited):
// - SSE (uni_sse, sse): each message as an event, `data: <message>\n\n`, after a blank
//   line (`\r\n`) that opens the stream, as Centrifugo writes it;
// - HTTP streaming, JSON (uni_http_stream, http_stream): each message and a newline;
// - HTTP streaming, Protobuf (http_stream with application/octet-stream): the
//   length-delimited messages as they are.
// Fan-out hands the same frame to every subscriber in a row, so each encoder keeps the
// last frame it encoded and its bytes: one encode per frame, not one per connection. One
// encoder per endpoint and format, so nodes in one process share nothing.

export interface FrameEncoder {
  readonly contentType: string;
  /** Written once, right after the headers. */
  readonly preamble: string | undefined;
  encode(frame: string | Uint8Array): Buffer;
}

class CachingEncoder implements FrameEncoder {
  readonly contentType: string;
  readonly preamble: string | undefined;
  private readonly frameBytes: (frame: string | Uint8Array) => Buffer;
  private lastFrame: string | Uint8Array | undefined;
  private lastBytes: Buffer = Buffer.alloc(0);

  constructor(
    contentType: string,
    preamble: string | undefined,
    frameBytes: (frame: string | Uint8Array) => Buffer,
  ) {
    this.contentType = contentType;
    this.preamble = preamble;
    this.frameBytes = frameBytes;
  }

  encode(frame: string | Uint8Array): Buffer {
    if (frame !== this.lastFrame) {
      this.lastBytes = this.frameBytes(frame);
      this.lastFrame = frame;
    }
    return this.lastBytes;
  }
}

const text = (frame: string | Uint8Array) =>
  typeof frame === 'string' ? frame : Buffer.from(frame).toString('utf8');

/** Server-sent events: one `data:` event per message (JSON never holds a raw newline). */
export function sseEncoder(): FrameEncoder {
  return new CachingEncoder('text/event-stream; charset=utf-8', '\r\n', (frame) =>
    Buffer.from(`data: ${text(frame).replaceAll('\n', '\n\ndata: ')}\n\n`),
  );
}

/** Newline-delimited JSON: each message and a newline. */
export function ndjsonEncoder(): FrameEncoder {
  return new CachingEncoder('text/plain; charset=utf-8', undefined, (frame) =>
    Buffer.from(`${text(frame)}\n`),
  );
}

/** Length-delimited Protobuf messages, as joined. */
export function protobufStreamEncoder(): FrameEncoder {
  return new CachingEncoder('application/octet-stream', undefined, (frame) =>
    typeof frame === 'string'
      ? Buffer.from(frame)
      : Buffer.from(frame.buffer, frame.byteOffset, frame.length),
  );
}
