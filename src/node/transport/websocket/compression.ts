// WebSocket compression and message size limits as Centrifugo v6.9.1 sets them (centrifuge's
// WebSocket handler over its gorilla/websocket fork):
// - websocket.compression offers permessage-deflate, answered with server_no_context_takeover
//   and client_no_context_takeover as gorilla always answers it;
// - compression_level is the deflate level of what the server sends: -2 Huffman only, -1 the
//   library default, 0 none, 1 (default) to 9;
// - compression_min_size > 0 leaves messages of that many bytes or fewer uncompressed
//   (0 compresses every message);
// - message_size_limit bounds a message as it arrives on the wire (compressed bytes, if it
//   was compressed); decompressed_message_size_limit bounds a compressed message once
//   inflated, 0 meaning 10 times message_size_limit; past either the connection is closed
//   with 1009, the second with the reason "message too big after decompression".
import { constants as zlib } from 'node:zlib';
import type { PerMessageDeflateOptions, WebSocket } from 'ws';
import type { Config } from '../../config/index.ts';

/** The keys websocket and uni_websocket share. */
type WebSocketConfig = Pick<
  Config['websocket'],
  | 'compression'
  | 'compression_level'
  | 'compression_min_size'
  | 'message_size_limit'
  | 'decompressed_message_size_limit'
>;

const DECOMPRESSED_LIMIT_FACTOR = 10;
export const DECOMPRESSED_TOO_BIG = 'message too big after decompression';

export function deflateOptions(ws: WebSocketConfig): PerMessageDeflateOptions | false {
  if (!ws.compression) return false;
  const level = ws.compression_level;
  return {
    serverNoContextTakeover: true,
    clientNoContextTakeover: true,
    // ws compresses a message of `threshold` bytes or more.
    threshold: ws.compression_min_size > 0 ? ws.compression_min_size + 1 : 0,
    zlibDeflateOptions:
      level === -2
        ? { level: zlib.Z_DEFAULT_COMPRESSION, strategy: zlib.Z_HUFFMAN_ONLY }
        : { level },
  };
}

/** The limits of one connection's messages, in bytes. */
export interface MessageLimits {
  wire: number;
  /** 0 without compression. */
  decompressed: number;
}

export function messageLimits(ws: WebSocketConfig): MessageLimits {
  const wire = ws.message_size_limit;
  if (!ws.compression) return { wire, decompressed: 0 };
  return {
    wire,
    decompressed: ws.decompressed_message_size_limit || wire * DECOMPRESSED_LIMIT_FACTOR,
  };
}

/** What ws itself must let through: the larger limit, the two being checked per connection. */
export function serverMaxPayload(limits: MessageLimits): number {
  return Math.max(limits.wire, limits.decompressed);
}

interface Inflater {
  decompress(data: Buffer, fin: boolean, cb: (err: Error | null, buf?: Buffer) => void): void;
}

/**
 * Holds one connection to both limits. ws checks a single maxPayload (serverMaxPayload) on
 * wire and inflated bytes alike, so a compressed connection gets the two checks here, around
 * its inflater; `accept` then refuses an uncompressed message over the wire limit. Returns
 * `accept(bytes)`: false when the connection was closed for the message.
 */
export function enforceMessageLimits(
  ws: WebSocket,
  limits: MessageLimits,
): (size: number) => boolean {
  // ws keeps negotiated extensions in _extensions (ws 8, pinned in package.json).
  const inflater = (ws as unknown as { _extensions?: Record<string, Inflater> })._extensions?.[
    'permessage-deflate'
  ];
  let compressed = false;
  let overflowed = false;
  if (inflater) {
    const decompress = inflater.decompress.bind(inflater);
    let wire = 0;
    let inflated = 0;
    inflater.decompress = (data, fin, cb) => {
      compressed = true;
      wire += data.length;
      if (wire > limits.wire) return fail(cb, '');
      decompress(data, fin, (err, buf) => {
        // ws's inflater stops at its own limit (the larger of the two): past it, the message
        // is over the decompressed limit too.
        const tooBig =
          (err as { code?: string } | null)?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';
        if (tooBig) return fail(cb, DECOMPRESSED_TOO_BIG);
        if (err || !buf) return cb(err);
        inflated += buf.length;
        if (inflated > limits.decompressed) return fail(cb, DECOMPRESSED_TOO_BIG);
        if (fin) {
          wire = 0;
          inflated = 0;
        }
        cb(null, buf);
      });
    };
  }
  // The close frame goes first, with its reason; the error then stops ws reading, as its
  // own limit does (and its close, already sent, adds nothing).
  const fail = (cb: (err: Error) => void, reason: string) => {
    overflowed = true;
    ws.close(1009, reason);
    cb(new RangeError('Max payload size exceeded'));
  };
  return (size) => {
    if (overflowed) return false;
    const wasCompressed = compressed;
    compressed = false;
    if (!wasCompressed && size > limits.wire) {
      overflowed = true;
      ws.close(1009, '');
      return false;
    }
    return true;
  };
}
