// The bidirectional WebSocket endpoint (websocket.handler_prefix). Refusals happen before
// the upgrade with plain HTTP statuses (403 origin, 503 connection limit); after it, every
// frame goes to a ClientSession, and disconnects are close frames with code and reason.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { ClientContext, ClientTransport, Format } from '../../client/index.ts';
import { ClientSession, Disconnects } from '../../client/index.ts';
import { durationMs } from '../../config/index.ts';
import type { Logger } from '../../observability/index.ts';
import { FRAME_PING_QUERY, startFramePings } from './frame-pings.ts';
import { originChecker } from './origin-check.ts';
import { type StallWatch, watchWriteStalls } from './write-stall.ts';

const PROTOBUF_SUBPROTOCOL = 'centrifuge-protobuf';
const JSON_SUBPROTOCOL = 'centrifuge-json';

export interface WebSocketEndpoint {
  /** Closes every connection with 3001 shutdown and stops accepting. */
  close(): Promise<void>;
}

export function attachWebSocket(
  server: Server,
  ctx: ClientContext,
  logger: Logger,
  /** True while the node drains: new connections get 503 and go to another node. */
  refusingNew: () => boolean = () => false,
): WebSocketEndpoint {
  const { config } = ctx;
  const path = config.websocket.handler_prefix;
  const originAllowed = originChecker(config.client.allowed_origins);
  // 0 means the default, as in Centrifugo (its WebSocket handler falls back to 1 s).
  const writeTimeoutMs = durationMs(config.websocket.write_timeout) || 1000;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.websocket.message_size_limit,
    perMessageDeflate: config.websocket.compression,
    // onUpgrade leaves at most one protocol in the header, the one chosen by chooseSubprotocol.
    handleProtocols: (protocols) => protocols.values().next().value ?? false,
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== path) {
      refuse(socket, 404, 'Not Found');
      return;
    }
    if (!originAllowed(req.headers.origin)) {
      logger.info(
        { origin: req.headers.origin },
        'WebSocket refused: origin not in client.allowed_origins',
      );
      refuse(socket, 403, 'Forbidden');
      return;
    }
    if (refusingNew()) {
      refuse(socket, 503, 'Service Unavailable');
      return;
    }
    const limit = config.client.connection_limit;
    if (limit > 0 && ctx.hub.counts().numClients >= limit) {
      refuse(socket, 503, 'Service Unavailable');
      return;
    }
    const chosen = chooseSubprotocol(req.headers['sec-websocket-protocol']);
    if (chosen === undefined) delete req.headers['sec-websocket-protocol'];
    else req.headers['sec-websocket-protocol'] = chosen;
    const framePings = url.searchParams.get(FRAME_PING_QUERY) === 'true';
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, formatOf(ws, url), framePings));
  };

  const accept = (ws: WebSocket, format: Format, framePings: boolean) => {
    const binary = format === 'protobuf';
    // Without permessage-deflate, a frame that many connections send (a publication's push)
    // is framed once and written to each socket as is; see sharedFrame.
    const underlying = rawSocket(ws);
    const socket = ws.extensions === '' ? underlying : undefined;
    // Set once the session exists (it needs the transport, the watch needs the session).
    let stalls: StallWatch | undefined;
    const transport: ClientTransport = {
      format,
      pingsItself: framePings,
      write: (frame) => {
        if (ws.readyState !== WS_OPEN) return;
        const framed = socket ? sharedFrame(frame, binary) : undefined;
        if (framed && socket) socket.write(framed);
        else ws.send(frame, { binary });
        stalls?.afterWrite();
      },
      bufferedAmount: () => ws.bufferedAmount,
      // 3000 "connection closed" goes without a close frame, as in Centrifugo: it is what
      // the server says when it merely lets go of a connection (also by server API).
      close: (code, reason) => {
        if (code === Disconnects.connectionClosed.code) ws.terminate();
        else ws.close(closeCode(code), closeReason(reason));
      },
    };
    const session = new ClientSession(ctx, transport);
    if (underlying) {
      stalls = watchWriteStalls(underlying, writeTimeoutMs, () => {
        logger.info(
          { client: session.id, user: session.user, timeoutMs: writeTimeoutMs },
          'slow client: a write made no progress within websocket.write_timeout',
        );
        session.close(Disconnects.writeError);
        // The peer takes no bytes, so no close frame would reach it: drop the socket, as
        // Centrifugo does after a failed write.
        ws.terminate();
      });
    }
    const pings = framePings
      ? startFramePings(ws, ctx.timings.pingIntervalMs, ctx.timings.pongTimeoutMs, () => {
          logger.info({ client: session.id, user: session.user }, 'no pong to a ping frame');
          ws.terminate();
        })
      : undefined;
    ctx.metrics.clientConnectionsAccepted.inc({ transport: 'websocket' });
    ws.on('message', (data, isBinary) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      session.onFrame(isBinary ? bytes : bytes.toString('utf8'));
    });
    ws.on('close', () => {
      stalls?.stop();
      pings?.stop();
      session.onTransportClosed();
    });
    ws.on('error', (err) => {
      // ws closes with 1009 itself when a frame exceeds websocket.message_size_limit.
      logger.info({ client: session.id, reason: err.message }, 'WebSocket error');
    });
  };

  server.on('upgrade', onUpgrade);
  return {
    close: async () => {
      server.off('upgrade', onUpgrade);
      ctx.hub.closeAll(Disconnects.shutdown);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

const WS_OPEN = 1;

/**
 * The socket under a ws WebSocket (ws 8, pinned in package.json, keeps it as `_socket`).
 * Writing complete frames to it directly is safe when no extension is negotiated: ws's
 * sender then writes every frame synchronously too, so frames never interleave, and
 * ws.bufferedAmount still counts what waits in the socket.
 */
function rawSocket(ws: WebSocket): Duplex | undefined {
  const socket = (ws as unknown as { _socket?: Duplex })._socket;
  return socket && typeof socket.write === 'function' ? socket : undefined;
}

// The last data written through ws.send, and the last data framed for sharing. Fan-out
// writes one push to every subscriber of a channel in a row, so the second write of the
// same data frames it once (header + payload in one buffer), and the following writes
// reuse that buffer: one write per socket instead of ws's header, cork and writev, and no
// per-socket UTF-8 encoding of JSON. Data written once (replies) goes through ws.send.
let lastSent: { data: string | Uint8Array; binary: boolean } | undefined;
let shared: { data: string | Uint8Array; binary: boolean; frame: Buffer } | undefined;

function sharedFrame(data: string | Uint8Array, binary: boolean): Buffer | undefined {
  if (shared && shared.binary === binary && shared.data === data) return shared.frame;
  if (lastSent && lastSent.binary === binary && lastSent.data === data) {
    shared = { data, binary, frame: frameBytes(data, binary) };
    lastSent = undefined;
    return shared.frame;
  }
  lastSent = { data, binary };
  return undefined;
}

/** One unmasked, final server frame (RFC 6455 §5.2): text for JSON, binary for Protobuf. */
function frameBytes(data: string | Uint8Array, binary: boolean): Buffer {
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

/**
 * The first protocol the client lists that this server speaks, read as leniently as
 * Centrifugo does: an empty header (centrifuge-python sends one in JSON mode), empty list
 * items or unknown names are no protocol, never a refused handshake (ws alone answers 400).
 */
export function chooseSubprotocol(header: string | undefined): string | undefined {
  for (const item of (header ?? '').split(',')) {
    const name = item.trim();
    if (name === PROTOBUF_SUBPROTOCOL || name === JSON_SUBPROTOCOL) return name;
  }
  return undefined;
}

function formatOf(ws: WebSocket, url: URL): Format {
  if (ws.protocol === PROTOBUF_SUBPROTOCOL) return 'protobuf';
  const asked = url.searchParams.get('format') ?? url.searchParams.get('cf_protocol');
  return asked === 'protobuf' ? 'protobuf' : 'json';
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Codes a close frame may carry (RFC 6455 §7.4): the API can ask for any number. */
function closeCode(code: number): number {
  const valid = (code >= 3000 && code <= 4999) || [1000, 1001, 1008, 1009, 1011].includes(code);
  return valid ? code : 3000;
}

/** A close frame holds at most 123 bytes of reason. */
function closeReason(reason: string): string {
  const bytes = Buffer.from(reason, 'utf8');
  if (bytes.length <= 123) return reason;
  return new TextDecoder().decode(bytes.subarray(0, 123)).replace(/\uFFFD+$/, '');
}
