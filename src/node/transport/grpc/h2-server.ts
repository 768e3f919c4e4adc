// A gRPC server, framing only: routes a call's path to its handler, reads the request
// messages, writes the response and the status (grpc/doc/PROTOCOL-HTTP2.md). It replaces
// @grpc/grpc-js's server, whose per-call machinery (interceptors, metadata objects, channelz,
// several streams per call) cost about two thirds of the CPU of a publish
// (bench/results/2026-11-23-vs-improvements.md), and runs on this directory's own HTTP/2
// connection (h2/connection.ts) rather than node:http2, whose per-stream objects cost the
// next half (bench/results/2026-12-01-ab-api-raw-h2.md). @grpc/grpc-js stays the client of
// the gRPC proxies (src/node/proxy/grpc-client.ts). The tests that would fail on grpc-js's
// server: test/attack/h2-floods.test.ts (each flood is cut at this connection's limit and
// counted per limit in /metrics, counters grpc-js's server does not keep) and test/compat's
// uni_grpc and gRPC API cases, which expect grpc-go's status texts word for word.
import {
  type AddressInfo,
  createServer as createTcpServer,
  type Server,
  type Socket,
} from 'node:net';
import { createServer as createTlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import type { Counter } from 'prom-client';
import type { Logger, NodeMetrics } from '../../observability/index.ts';
import { encodeGrpcMessage, encodeMessage, type Message, MessageReader } from './framing.ts';
import { type ConnectionOptions, H2Connection } from './h2/connection.ts';
import { encodeHeaderBlock } from './h2/hpack.ts';
import { type ConnectionLimits, LIMIT_NAMES, type LimitName } from './h2/limits.ts';
import type { RequestHeaders } from './h2/request-headers.ts';
import type { H2Stream } from './h2/stream.ts';
import { ThrottledLog } from './throttled-log.ts';

/** gRPC status codes (the numbers are the protocol's). */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAUTHENTICATED: 16,
} as const;

export interface GrpcStatus {
  code: number;
  message: string;
  /** Binary trailers, names ending in `-bin` (sent base64, as the protocol says). */
  binary?: Readonly<Record<string, Uint8Array>>;
}

export interface GrpcCall {
  /** `/package.Service/Method`. */
  readonly path: string;
  /** The request's metadata: HTTP/2 headers, names in lower case. */
  readonly headers: RequestHeaders;
  /** `host:port` of the client, for log lines. */
  peer(): string;
  /** The client is gone (it reset the call, or the connection closed): no one reads a reply. */
  cancelled(): boolean;
}

export type UnaryOutcome = { response: Uint8Array } | { status: GrpcStatus };
export type UnaryHandler = (
  call: GrpcCall,
  request: Buffer,
) => UnaryOutcome | Promise<UnaryOutcome>;

/** What a streaming handler writes to: messages, then one status. */
export interface StreamWriter {
  write(message: Uint8Array): void;
  end(status?: GrpcStatus): void;
  /** Reply bytes written that wait for the client's flow-control window. */
  bufferedAmount(): number;
}
/**
 * A streaming handler gets each request message, then the client's half-close; `abort`
 * when the call is gone before its end (the client cancelled, the connection closed).
 */
export type StreamHandler = (
  call: GrpcCall,
  out: StreamWriter,
) => { message(bytes: Buffer): void; end(): void; abort?(): void };

export type Route =
  | { kind: 'unary'; handle: UnaryHandler }
  | { kind: 'stream'; handle: StreamHandler };

export interface GrpcServerOptions {
  routes: ReadonlyMap<string, Route>;
  /** Largest request message accepted, bytes (grpc_api.max_receive_message_size). */
  maxReceiveMessageSize: number;
  /** TLS options for a secure server; plaintext HTTP/2 (h2c, prior knowledge) without. */
  tls?: TlsOptions;
  /** What one connection may cost (grpc_api.http2.*). */
  limits: ConnectionLimits;
  logger: Logger;
  metrics: NodeMetrics;
  refusals: Refusals;
  /** Server keepalive pings (see ConnectionOptions.keepalive); none when absent. */
  keepalive?: { timeMs: number; timeoutMs: number };
  /** What the server is, in its log lines ("gRPC API" when absent). */
  label?: string;
  /** The key that sets maxReceiveMessageSize, named when a message is past it. */
  maxReceiveKey?: string;
}

/** Why a call was refused before its handler: the label of centrifugo_grpc_refused_requests_total. */
export type RefusalReason =
  | 'not_grpc'
  | 'unknown_method'
  | 'unsupported_encoding'
  | 'bad_message'
  | 'message_too_large'
  | 'unauthenticated'
  | 'bad_protobuf';

/** What handlers and the server share about a refused call: a count and a debug line. */
export interface Refusals {
  refuse(reason: RefusalReason, fields: Record<string, unknown>, message: string): void;
}

/**
 * A refused call is the client's business, answered with its status: counted, and logged at
 * debug only (a warn line each would let any client flood the log).
 */
export function countedRefusals(logger: Logger, metrics: NodeMetrics): Refusals {
  return {
    refuse: (reason, fields, message) => {
      metrics.grpcRefusedRequests.inc({ reason });
      logger.debug({ ...fields, reason: message }, 'gRPC API request refused');
    },
  };
}

export interface GrpcH2Server {
  listen(host: string, port: number): Promise<number>;
  /** Stops accepting calls, lets in-flight ones finish for `graceMs`, then cuts what is left. */
  close(graceMs: number): Promise<void>;
}

const RESPONSE_HEADERS: [string, string][] = [
  [':status', '200'],
  ['content-type', 'application/grpc'],
];
// Encoded once: the reply of every successful unary call is these two blocks and a message.
const RESPONSE_BLOCK = encodeHeaderBlock(RESPONSE_HEADERS);
const OK_TRAILERS_BLOCK = encodeHeaderBlock([['grpc-status', '0']]);
// Compressed requests (a client's grpc-encoding) are inflated; replies are never compressed.
const DECOMPRESS: Readonly<Record<string, (b: Buffer) => Promise<Buffer>>> = {
  gzip: promisify(gunzip),
  deflate: promisify(inflate),
};
const ACCEPT_ENCODING = `identity,${Object.keys(DECOMPRESS).join(',')}`;
const BAD_COMPRESSION = 'cannot decompress the request message';

/** How often the time limits of every connection are checked (the timeouts' resolution). */
const TICK_MS = 1000;
/** Connection-closed warn lines written per window before they are only counted. */
const CLOSED_LOG = { perWindow: 10, windowMs: 10_000 };

export function createGrpcServer(opts: GrpcServerOptions): GrpcH2Server {
  const options: ConnectionOptions = {
    ...opts.limits,
    // A 4 MiB message needs the window to grow beyond HTTP/2's 64 KiB default to arrive
    // in one round trip.
    streamWindow: 1 << 20,
    connectionWindow: 1 << 24,
    // What a connection's unfinished requests may hold: a few of the largest messages.
    maxBufferedBytes: Math.max(16 * 2 ** 20, 4 * opts.maxReceiveMessageSize),
    http1Hint:
      'this is a gRPC endpoint: HTTP/2 POST with content-type application/grpc (h2c: prior knowledge)\n',
    ...(opts.keepalive ? { keepalive: opts.keepalive } : {}),
  };
  const limitHits = new Map<LimitName, Counter.Internal>(
    LIMIT_NAMES.map((name) => [name, opts.metrics.grpcH2LimitHits.labels(name)]),
  );
  const closedLog = new ThrottledLog(
    opts.logger,
    `${opts.label ?? 'gRPC API'} connection closed`,
    CLOSED_LOG,
  );
  const refusals = opts.refusals;
  const connections = new Set<H2Connection>();
  let closing = false;
  const accept = (socket: Socket) => {
    const connection = new H2Connection(socket, options, {
      stream: (stream) => onStream(stream, opts, refusals),
      limit: (name) => limitHits.get(name)?.inc(),
      protocolError: (reason, remote) => closedLog.warn({ remote, reason }),
    });
    connections.add(connection);
    socket.on('close', () => connections.delete(connection));
    if (closing) connection.drain();
  };
  // One timer for every connection's timeouts, not one per connection and per call. A tick
  // that comes late (the event loop was busy) is skipped: what clients sent meanwhile is not
  // read yet, and must be before anyone is timed out for not sending it.
  let lastTick = Date.now();
  const ticker = setInterval(() => {
    const now = Date.now();
    const late = now - lastTick > 2 * TICK_MS;
    lastTick = now;
    if (late) return;
    for (const c of connections) c.tick(now);
  }, TICK_MS);
  ticker.unref();
  const server: Server = opts.tls
    ? createTlsServer(
        { ...opts.tls, handshakeTimeout: opts.limits.handshakeTimeoutMs },
        (socket: TLSSocket) => {
          // A TLS client that did not ask for h2 by ALPN cannot speak gRPC: nothing to say.
          if (socket.alpnProtocol !== 'h2') socket.destroy();
          else accept(socket);
        },
      )
    : createTcpServer(accept);
  // A TLS client that fails its handshake, or stalls past handshakeTimeout: node reports it
  // here and leaves the socket to the listener (it destroys it itself only when none).
  server.on('tlsClientError', (err: Error & { code?: string }, socket: Socket) => {
    if (err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') limitHits.get('handshake_timeout')?.inc();
    socket.destroy();
  });

  return {
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: (graceMs) =>
      new Promise((resolve) => {
        closing = true;
        const timer = setTimeout(() => {
          for (const c of connections) c.destroy();
        }, graceMs);
        server.close(() => {
          clearTimeout(timer);
          clearInterval(ticker);
          closedLog.close();
          resolve();
        });
        // GOAWAY: no new streams; the connection closes once its streams are done.
        for (const c of connections) c.drain();
      }),
  };
}

function onStream(stream: H2Stream, opts: GrpcServerOptions, refusals: Refusals) {
  const headers = stream.headers;
  const path = headerValue(headers[':path']) ?? '';
  const method = headerValue(headers[':method']);
  const contentType = headerValue(headers['content-type']);
  if (method !== 'POST' || !isGrpcContentType(contentType)) {
    // Not a gRPC request at all: plain HTTP, as grpc-go answers it.
    refusals.refuse('not_grpc', { path, method, contentType }, 'not a gRPC request');
    respondHttp(stream, 415, 'this is a gRPC endpoint: POST with content-type application/grpc\n');
    return;
  }
  const call: GrpcCall = {
    path,
    headers,
    peer: () => stream.peer(),
    cancelled: () => stream.closed,
  };
  const route = opts.routes.get(path);
  if (route === undefined) {
    const message = unknownPathMessage(path, opts.routes);
    refusals.refuse('unknown_method', { path, remote: call.peer() }, message);
    respondStatus(stream, { code: GrpcCode.UNIMPLEMENTED, message });
    return;
  }
  const encoding = headerValue(headers['grpc-encoding']) ?? 'identity';
  if (encoding !== 'identity' && DECOMPRESS[encoding] === undefined) {
    const message = `grpc-encoding ${encoding} is not supported (supported: ${ACCEPT_ENCODING})`;
    refusals.refuse('unsupported_encoding', { path, remote: call.peer() }, message);
    respondStatus(stream, { code: GrpcCode.UNIMPLEMENTED, message });
    return;
  }
  const reader = new MessageReader(opts.maxReceiveMessageSize);
  // A Buffer for a plain message (the unary hot path stays synchronous), a promise for a
  // compressed one; a compressed message under grpc-encoding identity is a rejection.
  const decode = (m: Message): Promise<Buffer> | Buffer => {
    if (!m.compressed) return m.bytes;
    const inflate = DECOMPRESS[encoding];
    return inflate ? inflate(m.bytes) : Promise.reject(new Error('no grpc-encoding'));
  };
  const unary = route.kind === 'unary' ? unaryCall(stream, call, route.handle) : undefined;
  const streaming = route.kind === 'stream' ? streamCall(stream, call, route.handle) : undefined;
  let refused = false;
  const refuse = (code: number, message: string, reason: RefusalReason = 'bad_message') => {
    refused = true;
    refusals.refuse(reason, { path, remote: call.peer() }, message);
    respondStatus(stream, { code, message });
  };
  // A streaming call's messages reach its handler in order, inflated or not, and its end
  // only after them.
  let delivered: Promise<void> = Promise.resolve();

  stream.onData = (chunk) => {
    if (refused) return;
    const fed = reader.feed(chunk);
    if (!fed.ok) {
      refuse(
        GrpcCode.RESOURCE_EXHAUSTED,
        `grpc: received message larger than max (${fed.tooLarge} vs. ${opts.maxReceiveMessageSize}): ${opts.maxReceiveKey ?? 'grpc_api.max_receive_message_size'}`,
        'message_too_large',
      );
      return;
    }
    if (unary && reader.messages.length > 1) {
      // Refused now rather than at the end, so a client cannot pile messages up.
      refuse(GrpcCode.INVALID_ARGUMENT, 'a unary call carries exactly one request message');
      return;
    }
    if (streaming) {
      for (const m of reader.messages.splice(0)) {
        delivered = delivered
          .then(() => decode(m))
          .then(streaming.message, () => {
            if (!refused) refuse(GrpcCode.INTERNAL, BAD_COMPRESSION);
          });
      }
    }
  };
  stream.onEnd = () => {
    if (refused) return;
    if (reader.pendingBytes > 0) {
      refuse(
        GrpcCode.INVALID_ARGUMENT,
        'request ended inside a message (its length prefix promised more bytes)',
      );
      return;
    }
    if (streaming) {
      delivered = delivered.then(() => {
        if (!refused) streaming.end();
      });
      return;
    }
    // A second message was refused as it arrived: here there is one, or none.
    const [message] = reader.messages;
    if (message === undefined || unary === undefined) {
      refuse(
        GrpcCode.INVALID_ARGUMENT,
        'a unary call carries exactly one request message, got none',
      );
      return;
    }
    const bytes = decode(message);
    if (Buffer.isBuffer(bytes)) unary(bytes);
    else bytes.then(unary, () => refuse(GrpcCode.INTERNAL, BAD_COMPRESSION));
  };
}

function unaryCall(stream: H2Stream, call: GrpcCall, handle: UnaryHandler) {
  const failed = () => {
    stream.endWork();
    respondStatus(stream, { code: GrpcCode.INTERNAL, message: 'internal server error' });
  };
  const answer = (o: UnaryOutcome) => {
    stream.endWork();
    respondOutcome(stream, o);
  };
  return (request: Buffer) => {
    let outcome: UnaryOutcome | Promise<UnaryOutcome>;
    // The handler's work holds the stream's slot even if the client resets it meanwhile.
    stream.beginWork();
    try {
      outcome = handle(call, request);
    } catch {
      failed();
      return;
    }
    if (outcome instanceof Promise) outcome.then(answer, failed);
    else answer(outcome);
  };
}

function streamCall(stream: H2Stream, call: GrpcCall, handle: StreamHandler) {
  let ended = false;
  const writer: StreamWriter = {
    write(message) {
      if (ended || !alive(stream)) return;
      if (!stream.headersSent) stream.respond(RESPONSE_BLOCK, false);
      stream.write(encodeMessage(message));
    },
    end(status = { code: GrpcCode.OK, message: '' }) {
      if (ended) return;
      ended = true;
      if (!stream.headersSent) respondStatus(stream, status);
      else stream.end(encodeHeaderBlock(trailersOf(status)));
    },
    bufferedAmount: () => stream.pendingReplyBytes,
  };
  const handler = handle(call, writer);
  if (handler.abort) stream.onAbort = () => handler.abort?.();
  return handler;
}

function respondOutcome(stream: H2Stream, outcome: UnaryOutcome): void {
  if ('status' in outcome) {
    respondStatus(stream, outcome.status);
    return;
  }
  if (!open(stream)) return;
  stream.respond(RESPONSE_BLOCK, false);
  stream.write(encodeMessage(outcome.response));
  stream.end(OK_TRAILERS_BLOCK);
}

/**
 * A status with no message: "Trailers-Only", one HEADERS frame that ends the stream (and,
 * when the client is still sending, a reset that tells it to stop).
 */
function respondStatus(stream: H2Stream, status: GrpcStatus): void {
  if (!open(stream)) return;
  stream.respond(encodeHeaderBlock([...RESPONSE_HEADERS, ...trailersOf(status)]), true);
}

function trailersOf(status: GrpcStatus): [string, string][] {
  const out: [string, string][] = [['grpc-status', String(status.code)]];
  if (status.message !== '') out.push(['grpc-message', encodeGrpcMessage(status.message)]);
  for (const [name, value] of Object.entries(status.binary ?? {})) {
    out.push([
      name,
      Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'),
    ]);
  }
  return out;
}

function respondHttp(stream: H2Stream, code: number, text: string): void {
  if (!open(stream)) return;
  stream.respond(
    encodeHeaderBlock([
      [':status', String(code)],
      ['content-type', 'text/plain; charset=utf-8'],
    ]),
    false,
  );
  stream.write(Buffer.from(text));
  stream.end();
}

/** The first value of a header given more than once. */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function alive(stream: H2Stream): boolean {
  return !stream.closed && !stream.localEnded;
}

/** Still waiting for its response headers (not cancelled by the client, not answered). */
function open(stream: H2Stream): boolean {
  return alive(stream) && !stream.headersSent;
}

function isGrpcContentType(value: string | undefined): boolean {
  return value !== undefined && /^application\/grpc(?:$|[+;])/.test(value);
}

/** grpc-go's wording, which tools and users know. */
function unknownPathMessage(path: string, routes: ReadonlyMap<string, Route>): string {
  const m = /^\/([^/]+)\/([^/]+)$/.exec(path);
  if (!m) return `malformed method name: ${JSON.stringify(path)}`;
  const service = `/${m[1]}/`;
  for (const known of routes.keys()) {
    if (known.startsWith(service)) return `unknown method ${m[2]} for service ${m[1]}`;
  }
  return `unknown service ${m[1]}`;
}
