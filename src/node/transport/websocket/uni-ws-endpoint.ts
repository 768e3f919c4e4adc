// The unidirectional WebSocket endpoint (uni_websocket.handler_prefix), as Centrifugo's
// uniws handler: the connect request comes in the `cf_connect` query (checked before the
// upgrade: 400 "invalid connect request") or as the first message (not JSON: close 3501);
// after it the server only writes. Every push is its own text frame, unless
// join_push_messages joins those written together one per line. The server pings with
// WebSocket ping frames (client.ping_interval; no pong within client.pong_timeout drops the
// connection) and with the protocol's empty pushes; what the client sends after its connect
// request is read and ignored, within message_size_limit. A disconnect is a disconnect push
// (unless disable_disconnect_push) and a close frame with its code, the closing handshake
// given 5 s (unless disable_closing_handshake).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import {
  type ClientContext,
  ClientSession,
  type ClientTransport,
  Disconnects,
} from '../../client/index.ts';
import { durationMs } from '../../config/index.ts';
import type { Logger } from '../../observability/index.ts';
import type { ConnectRequestMsg } from '../../protocol/index.ts';
import type { ConnectionGate } from '../connection-gate.ts';
import { GO_TEXT_HEADERS } from '../http/index.ts';
import { requestUserOf } from '../request-user.ts';
import { corsHeaders, parseConnectRequest } from '../streaming/index.ts';
import { closeCode, closeReason } from './close-frame.ts';
import {
  deflateOptions,
  enforceMessageLimits,
  messageLimits,
  serverMaxPayload,
} from './compression.ts';
import { startFramePings } from './frame-pings.ts';
import { originChecker } from './origin-check.ts';
import { rawSocket } from './raw-socket.ts';
import { answerUpgrade, type UpgradeEndpoint } from './upgrade-router.ts';
import { type StallWatch, watchWriteStalls } from './write-stall.ts';

const CONNECT_QUERY = 'cf_connect';
/** How long a close frame waits for the client's (Centrifugo's closeFrameWait). */
const CLOSE_HANDSHAKE_MS = 5000;
const WS_OPEN = 1;

export function uniWebSocketEndpoint(
  ctx: ClientContext,
  gate: ConnectionGate,
  logger: Logger,
): UpgradeEndpoint {
  const options = ctx.config.uni_websocket;
  const originAllowed = originChecker(ctx.config.client.allowed_origins);
  // Centrifugo's CORS middleware stands in front of this handler too: its refusals carry it.
  const cors = corsHeaders(ctx.config.client.allowed_origins);
  const writeTimeoutMs = durationMs(options.write_timeout) || 1000;
  const limits = messageLimits(options);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: serverMaxPayload(limits),
    perMessageDeflate: deflateOptions(options),
    handleProtocols: () => false,
  });

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => {
    if (!gate.admit()) {
      answerUpgrade(socket, 503, 'Service Unavailable', '', {});
      return;
    }
    let request: ConnectRequestMsg | undefined;
    const query = url.searchParams.get(CONNECT_QUERY) ?? '';
    if (query !== '') {
      request = parseConnectRequest(query);
      if (request === undefined) {
        logger.info({ transport: 'uni_websocket' }, 'error unmarshalling connect request');
        const headers = textHeaders(cors(req));
        answerUpgrade(socket, 400, 'Bad Request', 'invalid connect request\n', headers);
        return;
      }
    }
    if (!originAllowed(req.headers.origin)) {
      logger.info(
        { origin: req.headers.origin },
        'uni_websocket refused: origin not in client.allowed_origins',
      );
      answerUpgrade(socket, 403, 'Forbidden', 'Forbidden\n', textHeaders(cors(req)));
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, req, request));
  };

  const accept = (ws: WebSocket, req: IncomingMessage, request: ConnectRequestMsg | undefined) => {
    const underlying = rawSocket(ws);
    let stalls: StallWatch | undefined;
    let closeTimer: NodeJS.Timeout | undefined;
    const sendText = (text: string) => {
      if (ws.readyState !== WS_OPEN) return;
      ws.send(text, { binary: false });
      stalls?.afterWrite();
    };
    let closing = false;
    const closeWith = (code: number, reason: string) => {
      // The first close decides: after a close frame, the session's own close (3000) waits
      // for the handshake instead of cutting it.
      if (closing) return;
      closing = true;
      if (options.disable_closing_handshake || code === Disconnects.connectionClosed.code) {
        ws.terminate();
        return;
      }
      ws.close(closeCode(code), closeReason(reason));
      closeTimer = setTimeout(() => ws.terminate(), CLOSE_HANDSHAKE_MS);
    };
    const transport: ClientTransport = {
      name: 'uni_websocket',
      format: 'json',
      unidirectional: true,
      sessions: true,
      pushesDisconnect: !options.disable_disconnect_push,
      requestHeaders: req.headers,
      requestUser: requestUserOf(req, ctx.config.client.user_id_http_header),
      write: (frame) => {
        const text = frame as string;
        if (options.join_push_messages) sendText(text);
        // The session joins what it writes together one per line (JSON never holds a raw
        // newline, see protocol/json-codec.ts): apart again, one frame each.
        else for (const message of text.split('\n')) sendText(message);
      },
      bufferedAmount: () => ws.bufferedAmount,
      close: closeWith,
    };
    const session = new ClientSession(ctx, transport);
    if (underlying) {
      stalls = watchWriteStalls(underlying, writeTimeoutMs, () => {
        logger.info(
          { client: session.id, user: session.user, timeoutMs: writeTimeoutMs },
          'slow client: a write made no progress within uni_websocket.write_timeout',
        );
        session.close(Disconnects.writeError);
        ws.terminate();
      });
    }
    // Always frame pings here, as Centrifugo's uniws: the client cannot answer protocol pings.
    const pings = startFramePings(ws, ctx.timings.pingIntervalMs, ctx.timings.pongTimeoutMs, () => {
      logger.info({ client: session.id, user: session.user }, 'no pong to a ping frame');
      ws.terminate();
    });
    ctx.metrics.clientConnectionsAccepted.inc({ transport: 'uni_websocket' });
    const withinLimits = enforceMessageLimits(ws, limits);
    let awaitingRequest = request === undefined;
    ws.on('message', (data) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (!withinLimits(bytes.length) || !awaitingRequest) return;
      awaitingRequest = false;
      const first = parseConnectRequest(bytes.toString('utf8'));
      if (first === undefined) {
        logger.info({ client: session.id }, 'error unmarshalling connect request');
        // Before the connect there is no session to push to: the close frame alone says it.
        closeWith(Disconnects.badRequest.code, Disconnects.badRequest.reason);
        session.close(Disconnects.connectionClosed, false);
        return;
      }
      void session.connectUnidirectional(first);
    });
    ws.on('close', () => {
      stalls?.stop();
      pings.stop();
      clearTimeout(closeTimer);
      session.onTransportClosed();
    });
    ws.on('error', (err) => {
      logger.info({ client: session.id, reason: err.message }, 'uni_websocket error');
    });
    if (request !== undefined) void session.connectUnidirectional(request);
  };

  return {
    path: options.handler_prefix,
    upgrade,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Go's http.Error headers after the CORS ones. */
function textHeaders(cors: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(cors)) out[name] = String(value);
  return { ...out, ...GO_TEXT_HEADERS };
}
