// The HTTP connection endpoints that stream their answer, as Centrifugo v6.9.1 serves them
// on the external port:
// - uni_sse (GET with the connect request in `cf_connect`, or POST with it as the body)
//   and uni_http_stream (POST): unidirectional, every message a Push;
// - sse (GET `cf_connect`, or POST) and http_stream (POST; Protobuf when the body is
//   application/octet-stream): the bidirectional emulation the official SDKs fall back to
//   when WebSocket fails, their commands after the first coming through /emulation
//   (emulation-endpoint.ts);
// - /connection/init: `{}` to a GET, a warm-up or a load balancer's health probe.
// Each checks the connection gate first (503), and answers with Centrifugo's CORS headers.
// One owner per node: close() ends every stream it still holds.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import {
  type ClientContext,
  ClientSession,
  type ClientTransport,
  Disconnects,
  type Format,
} from '../../client/index.ts';
import type { Logger } from '../../observability/index.ts';
import type { ConnectionGate } from '../connection-gate.ts';
import { requestUserOf } from '../request-user.ts';
import { answerConnectFailure } from './connect-failure-answer.ts';
import { parseConnectRequest } from './connect-request.ts';
import { type CorsHeaders, corsHeaders, PREFLIGHT_HEADERS } from './cors.ts';
import { type FrameEncoder, ndjsonEncoder, protobufStreamEncoder, sseEncoder } from './framing.ts';
import { HttpStream, STREAM_WRITE_TIMEOUT_MS } from './http-stream.ts';
import { readLimitedBody } from './request-body.ts';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void;

const CONNECT_QUERY = 'cf_connect';
const PROTOBUF_TYPE = 'application/octet-stream';

export interface StreamingDeps {
  ctx: ClientContext;
  gate: ConnectionGate;
  logger: Logger;
}

type UniName = 'uni_sse' | 'uni_http_stream';
type EmulatedName = 'sse' | 'http_stream';

export class StreamingEndpoints {
  private readonly ctx: ClientContext;
  private readonly gate: ConnectionGate;
  private readonly logger: Logger;
  private readonly cors: CorsHeaders;
  private readonly streams = new Set<HttpStream>();
  private readonly encoders = {
    sse: sseEncoder(),
    ndjson: ndjsonEncoder(),
    protobuf: protobufStreamEncoder(),
  };

  constructor(deps: StreamingDeps) {
    this.ctx = deps.ctx;
    this.gate = deps.gate;
    this.logger = deps.logger;
    this.cors = corsHeaders(deps.ctx.config.client.allowed_origins);
  }

  /** The enabled endpoints by path. */
  routes(): Map<string, RouteHandler> {
    const c = this.ctx.config;
    const routes = new Map<string, RouteHandler>();
    const add = (prefix: string, handler: RouteHandler) => routes.set(pathOf(prefix), handler);
    if (c.uni_sse.enabled) add(c.uni_sse.handler_prefix, (q, s) => void this.uniSse(q, s));
    if (c.uni_http_stream.enabled) {
      add(c.uni_http_stream.handler_prefix, (q, s) => void this.uniHttpStream(q, s));
    }
    if (c.sse.enabled) add(c.sse.handler_prefix, (q, s) => void this.sse(q, s));
    if (c.http_stream.enabled) {
      add(c.http_stream.handler_prefix, (q, s) => void this.httpStream(q, s));
    }
    if (c.init.enabled) add(c.init.handler_prefix, (q, s) => this.init(q, s));
    return routes;
  }

  /** Ends every open stream (their sessions were closed with 3001 before). */
  close(): void {
    for (const stream of this.streams) stream.destroy();
    this.streams.clear();
  }

  // --- unidirectional ---------------------------------------------------------------------

  private async uniSse(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = this.admit(req, res);
    if (headers === undefined) return;
    const options = this.ctx.config.uni_sse;
    let text: string;
    if (req.method === 'GET') {
      text = new URL(req.url ?? '/', 'http://localhost').searchParams.get(CONNECT_QUERY) || 'null';
    } else if (req.method === 'POST') {
      const body = await readLimitedBody(req, res, options.max_request_body_size);
      if (body === undefined) return;
      text = body.toString('utf8');
    } else {
      answer(res, 405, headers);
      return;
    }
    await this.uniConnect('uni_sse', req, res, headers, text, this.encoders.sse);
  }

  private async uniHttpStream(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = this.admit(req, res);
    if (headers === undefined) return;
    if (req.method === 'OPTIONS') {
      answer(res, 204, { ...headers, ...PREFLIGHT_HEADERS });
      return;
    }
    if (req.method !== 'POST') {
      answer(res, 405, headers);
      return;
    }
    const options = this.ctx.config.uni_http_stream;
    const body = await readLimitedBody(req, res, options.max_request_body_size);
    if (body === undefined) return;
    await this.uniConnect(
      'uni_http_stream',
      req,
      res,
      headers,
      body.toString('utf8'),
      this.encoders.ndjson,
    );
  }

  private async uniConnect(
    name: UniName,
    req: IncomingMessage,
    res: ServerResponse,
    headers: OutgoingHttpHeaders,
    text: string,
    encoder: FrameEncoder,
  ): Promise<void> {
    const request = parseConnectRequest(text);
    if (request === undefined) {
      this.logger.debug({ transport: name }, 'malformed connect request');
      answer(res, 400, headers);
      return;
    }
    const { session, stream } = this.start(name, 'json', req, res, encoder, {
      unidirectional: true,
    });
    const answerFailure = this.ctx.config[name].connect_code_to_http_response;
    const failure = await session.connectUnidirectional(request, answerFailure.enabled);
    if (failure !== undefined) {
      this.streams.delete(stream);
      answerConnectFailure(res, headers, failure, answerFailure.transforms);
      return;
    }
    stream.open(headers);
  }

  // --- bidirectional emulation ----------------------------------------------------------------

  private async sse(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = this.admit(req, res);
    if (headers === undefined) return;
    let frame: string;
    if (req.method === 'GET') {
      const url = new URL(req.url ?? '/', 'http://localhost');
      frame = url.searchParams.get(CONNECT_QUERY) ?? '';
      if (frame === '') {
        answer(res, 400, headers);
        return;
      }
    } else if (req.method === 'POST') {
      const body = await readLimitedBody(req, res, this.ctx.config.sse.max_request_body_size);
      if (body === undefined) return;
      frame = body.toString('utf8');
    } else {
      answer(res, 405, headers);
      return;
    }
    const { session, stream } = this.start('sse', 'json', req, res, this.encoders.sse, {});
    stream.open(headers);
    session.onFrame(frame);
  }

  private async httpStream(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = this.admit(req, res);
    if (headers === undefined) return;
    if (req.method === 'OPTIONS') {
      answer(res, 204, { ...headers, ...PREFLIGHT_HEADERS });
      return;
    }
    if (req.method !== 'POST') {
      answer(res, 405, headers);
      return;
    }
    const body = await readLimitedBody(req, res, this.ctx.config.http_stream.max_request_body_size);
    if (body === undefined) return;
    const format: Format = req.headers['content-type'] === PROTOBUF_TYPE ? 'protobuf' : 'json';
    const encoder = format === 'protobuf' ? this.encoders.protobuf : this.encoders.ndjson;
    const { session, stream } = this.start('http_stream', format, req, res, encoder, {});
    stream.open(headers);
    session.onFrame(format === 'json' ? body.toString('utf8') : body);
  }

  // --- connection init ------------------------------------------------------------------------

  private init(req: IncomingMessage, res: ServerResponse): void {
    // Centrifugo checks the method before the connection gate and CORS.
    if (req.method !== 'GET') {
      answer(res, 405, {});
      return;
    }
    const headers = this.admit(req, res);
    if (headers === undefined) return;
    res.writeHead(200, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': '2',
    });
    res.end('{}');
  }

  // --- shared ---------------------------------------------------------------------------------

  /** The connection gate (503 when refused), then the CORS headers every answer carries. */
  private admit(req: IncomingMessage, res: ServerResponse): OutgoingHttpHeaders | undefined {
    if (!this.gate.admit()) {
      answer(res, 503, {});
      return undefined;
    }
    return this.cors(req);
  }

  /** A session on a new stream; the caller opens the stream when its answer is a stream. */
  private start(
    name: UniName | EmulatedName,
    format: Format,
    req: IncomingMessage,
    res: ServerResponse,
    encoder: FrameEncoder,
    kind: { unidirectional?: boolean },
  ): { session: ClientSession; stream: HttpStream } {
    const stream = new HttpStream(req, res, encoder);
    const transport: ClientTransport = {
      name,
      format,
      sessions: true,
      pushesDisconnect: true,
      unidirectional: kind.unidirectional === true,
      emulation: kind.unidirectional !== true,
      requestHeaders: req.headers,
      requestUser: requestUserOf(req, this.ctx.config.client.user_id_http_header),
      write: (frame) => stream.write(frame),
      bufferedAmount: () => stream.bufferedAmount(),
      close: () => stream.end(),
    };
    const session = new ClientSession(this.ctx, transport);
    stream.watchStalls(STREAM_WRITE_TIMEOUT_MS, () => {
      this.logger.info(
        { client: session.id, user: session.user, transport: name },
        'slow client: a streamed write made no progress within 1s',
      );
      session.close(Disconnects.writeError);
      stream.destroy();
    });
    this.streams.add(stream);
    stream.onClose(() => {
      this.streams.delete(stream);
      session.onTransportClosed();
    });
    this.ctx.metrics.clientConnectionsAccepted.inc({ transport: name });
    return { session, stream };
  }
}

/** An answer with no body, as Go writes WriteHeader alone (204 without a length). */
function answer(res: ServerResponse, status: number, headers: OutgoingHttpHeaders): void {
  if (res.headersSent) return;
  res.writeHead(status, status === 204 ? headers : { ...headers, 'content-length': '0' });
  res.end();
}

/** Centrifugo serves each prefix without its trailing slashes, "/" for an empty one. */
export function pathOf(prefix: string): string {
  return prefix.replace(/\/+$/, '') || '/';
}
