// The bidirectional WebSocket endpoint (websocket.handler_prefix). Refusals happen before
// the upgrade with plain HTTP statuses (403 origin, 503 connection limit or rate, 503 while
// the node drains or sheds its excess: the connection gate); after it, every frame goes to a
// ClientSession, and disconnects are close frames with code and reason.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { ClientContext, ClientTransport, Format } from '../../client/index.ts';
import { ClientSession, Disconnects } from '../../client/index.ts';
import { durationMs } from '../../config/index.ts';
import type { Logger } from '../../observability/index.ts';
import type { ConnectionGate } from '../connection-gate.ts';
import { GO_TEXT_HEADERS } from '../http/index.ts';
import { requestUserOf } from '../request-user.ts';
import { closeCode, closeReason } from './close-frame.ts';
import {
  deflateOptions,
  enforceMessageLimits,
  messageLimits,
  serverMaxPayload,
} from './compression.ts';
import { FRAME_PING_QUERY, startFramePings } from './frame-pings.ts';
import { originChecker } from './origin-check.ts';
import { rawSocket } from './raw-socket.ts';
import { SharedFrames } from './shared-frames.ts';
import { answerUpgrade, type UpgradeEndpoint } from './upgrade-router.ts';
import { type StallWatch, watchWriteStalls } from './write-stall.ts';

const PROTOBUF_SUBPROTOCOL = 'centrifuge-protobuf';
const JSON_SUBPROTOCOL = 'centrifuge-json';

export function webSocketEndpoint(
  ctx: ClientContext,
  gate: ConnectionGate,
  logger: Logger,
): UpgradeEndpoint {
  const { config } = ctx;
  const originAllowed = originChecker(config.client.allowed_origins);
  // 0 means the default, as in Centrifugo (its WebSocket handler falls back to 1 s).
  const writeTimeoutMs = durationMs(config.websocket.write_timeout) || 1000;
  const limits = messageLimits(config.websocket);
  const sharedFrames = new SharedFrames();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: serverMaxPayload(limits),
    perMessageDeflate: deflateOptions(config.websocket),
    // upgrade leaves at most one protocol in the header, the one chosen by chooseSubprotocol.
    handleProtocols: (protocols) => protocols.values().next().value ?? false,
  });

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => {
    // Centrifugo's order: the rate limit, the connection limit, then the origin.
    if (!gate.admit()) {
      answerUpgrade(socket, 503, 'Service Unavailable', '', {});
      return;
    }
    if (!originAllowed(req.headers.origin)) {
      logger.info(
        { origin: req.headers.origin },
        'WebSocket refused: origin not in client.allowed_origins',
      );
      answerUpgrade(socket, 403, 'Forbidden', 'Forbidden\n', GO_TEXT_HEADERS);
      return;
    }
    const chosen = chooseSubprotocol(req.headers['sec-websocket-protocol']);
    if (chosen === undefined) delete req.headers['sec-websocket-protocol'];
    else req.headers['sec-websocket-protocol'] = chosen;
    const framePings = url.searchParams.get(FRAME_PING_QUERY) === 'true';
    const requestUser = requestUserOf(req, config.client.user_id_http_header);
    wss.handleUpgrade(req, socket, head, (ws) =>
      accept(ws, formatOf(ws, url), framePings, requestUser, req.headers),
    );
  };

  const accept = (
    ws: WebSocket,
    format: Format,
    framePings: boolean,
    requestUser: string,
    requestHeaders: IncomingMessage['headers'],
  ) => {
    const binary = format === 'protobuf';
    // Without permessage-deflate, a frame that many connections send (a publication's push)
    // is framed once and written to each socket as is; see shared-frames.ts.
    const underlying = rawSocket(ws);
    const socket = ws.extensions === '' ? underlying : undefined;
    // Set once the session exists (it needs the transport, the watch needs the session).
    let stalls: StallWatch | undefined;
    const transport: ClientTransport = {
      name: 'websocket',
      format,
      pingsItself: framePings,
      requestUser,
      requestHeaders,
      write: (frame) => {
        if (ws.readyState !== WS_OPEN) return;
        const framed = socket ? sharedFrames.frame(frame, binary) : undefined;
        if (framed && socket) socket.write(framed);
        else ws.send(frame, { binary });
        stalls?.afterWrite();
      },
      bufferedAmount: () => ws.bufferedAmount,
      pauseReading: () => ws.pause(),
      resumeReading: () => ws.resume(),
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
    const withinLimits = enforceMessageLimits(ws, limits);
    ws.on('message', (data, isBinary) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (!withinLimits(bytes.length)) return;
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

  return {
    path: config.websocket.handler_prefix,
    upgrade,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      sharedFrames.close();
    },
  };
}

const WS_OPEN = 1;

/**
 * The first protocol the client lists that this server speaks, read as leniently as
 * Centrifugo does: an empty header (centrifuge-python sends one in JSON mode), empty list
 * items or unknown names are no protocol, never a refused handshake (ws alone answers 400).
 */
function chooseSubprotocol(header: string | undefined): string | undefined {
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
