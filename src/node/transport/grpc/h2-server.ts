// A gRPC server on node:http2, framing only: routes a call's path to its handler, reads the
// request messages, writes the response and the status (grpc/doc/PROTOCOL-HTTP2.md). It
// replaces @grpc/grpc-js's server, whose per-call machinery (interceptors, metadata objects,
// channelz, several streams per call) cost about two thirds of the CPU of a publish
// (bench/results/2026-11-23-vs-improvements.md); what a unary call needs is a few lines here.
import {
  constants,
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type SecureServerOptions,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import type { Logger } from '../../observability/index.ts';
import { encodeGrpcMessage, encodeMessage, type Message, MessageReader } from './framing.ts';

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
  readonly headers: IncomingHttpHeaders;
  /** `host:port` of the client, for log lines. */
  peer(): string;
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
}
/** A streaming handler gets each request message, then the client's half-close. */
export type StreamHandler = (
  call: GrpcCall,
  out: StreamWriter,
) => { message(bytes: Buffer): void; end(): void };

export type Route =
  | { kind: 'unary'; handle: UnaryHandler }
  | { kind: 'stream'; handle: StreamHandler };

export interface GrpcServerOptions {
  routes: ReadonlyMap<string, Route>;
  /** Largest request message accepted, bytes (grpc_api.max_receive_message_size). */
  maxReceiveMessageSize: number;
  /** TLS options for a secure server; plaintext HTTP/2 (h2c, prior knowledge) without. */
  tls?: SecureServerOptions;
  logger: Logger;
}

export interface GrpcH2Server {
  listen(host: string, port: number): Promise<number>;
  /** Stops accepting calls, lets in-flight ones finish for `graceMs`, then cuts what is left. */
  close(graceMs: number): Promise<void>;
}

const OK_TRAILERS = { 'grpc-status': '0' };
const RESPONSE_HEADERS = { ':status': 200, 'content-type': 'application/grpc' };
// Compressed requests (a client's grpc-encoding) are inflated; replies are never compressed.
const DECOMPRESS: Readonly<Record<string, (b: Buffer) => Promise<Buffer>>> = {
  gzip: promisify(gunzip),
  deflate: promisify(inflate),
};
const ACCEPT_ENCODING = `identity,${Object.keys(DECOMPRESS).join(',')}`;
const BAD_COMPRESSION = 'cannot decompress the request message';

export function createGrpcServer(opts: GrpcServerOptions): GrpcH2Server {
  const settings = {
    // grpc-go's default is unbounded; a bound keeps one connection from opening streams
    // without end. 64 in flight (the benchmark's load) stays far below it.
    maxConcurrentStreams: 1000,
    // A 4 MiB message needs the window to grow beyond HTTP/2's 64 KiB default to arrive
    // in one round trip.
    initialWindowSize: 1 << 20,
  };
  const serverOptions = {
    settings,
    // node counts unacknowledged frames and buffered headers against this (MB); its default
    // of 10 would refuse streams of a busy connection carrying large messages.
    maxSessionMemory: Math.max(10, Math.ceil((4 * opts.maxReceiveMessageSize) / 2 ** 20)),
  };
  const server: Http2Server | Http2SecureServer = opts.tls
    ? createSecureServer({ ...opts.tls, ...serverOptions, allowHTTP1: false })
    : createServer(serverOptions);
  const sessions = new Set<Http2Session>();

  // Small frames (a reply is three) must not wait for Nagle's algorithm and the peer's
  // delayed ACK: that is up to 40 ms per call on a connection with calls in flight.
  server.on('connection', (socket: Socket) => socket.setNoDelay(true));
  server.on('secureConnection', (socket: Socket) => socket.setNoDelay(true));
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    // A peer that breaks the connection is its own problem; never the node's.
    session.on('error', () => {});
    session.setLocalWindowSize(1 << 24);
  });
  // TLS handshakes without ALPN h2, and the like: the connection is closed, nothing to do.
  server.on('unknownProtocol', (socket) => socket.destroy());
  server.on('sessionError', () => {});
  server.on('stream', (stream, headers) => onStream(stream, headers, opts));

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
        const timer = setTimeout(() => {
          for (const s of sessions) s.destroy();
        }, graceMs);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        // GOAWAY: no new streams; the connection closes once its streams are done.
        for (const s of sessions) s.close();
      }),
  };
}

function onStream(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  opts: GrpcServerOptions,
) {
  stream.on('error', () => {});
  const path = headers[':path'] ?? '';
  if (headers[':method'] !== 'POST' || !isGrpcContentType(headers['content-type'])) {
    // Not a gRPC request at all: plain HTTP, as grpc-go answers it.
    opts.logger.warn(
      { path, method: headers[':method'], contentType: headers['content-type'] },
      'gRPC API request refused: not a gRPC request',
    );
    respondHttp(stream, 415, 'this is a gRPC endpoint: POST with content-type application/grpc\n');
    return;
  }
  const call: GrpcCall = { path, headers, peer: () => peerOf(stream) };
  const route = opts.routes.get(path);
  if (route === undefined) {
    respondStatus(stream, {
      code: GrpcCode.UNIMPLEMENTED,
      message: unknownPathMessage(path, opts.routes),
    });
    return;
  }
  const encoding = headerValue(headers['grpc-encoding']) ?? 'identity';
  if (encoding !== 'identity' && DECOMPRESS[encoding] === undefined) {
    respondStatus(stream, {
      code: GrpcCode.UNIMPLEMENTED,
      message: `grpc-encoding ${encoding} is not supported (supported: ${ACCEPT_ENCODING})`,
    });
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
  const refuse = (code: number, message: string) => {
    refused = true;
    opts.logger.warn({ path, remote: call.peer(), reason: message }, 'gRPC API request refused');
    respondStatus(stream, { code, message });
  };
  // A streaming call's messages reach its handler in order, inflated or not, and its end
  // only after them.
  let delivered: Promise<void> = Promise.resolve();

  stream.on('data', (chunk: Buffer) => {
    if (refused) return;
    const fed = reader.feed(chunk);
    if (!fed.ok) {
      refuse(
        GrpcCode.RESOURCE_EXHAUSTED,
        `received message larger than max (${fed.tooLarge} vs. ${opts.maxReceiveMessageSize}): grpc_api.max_receive_message_size`,
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
  });
  stream.on('end', () => {
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
  });
}

function unaryCall(stream: ServerHttp2Stream, call: GrpcCall, handle: UnaryHandler) {
  return (request: Buffer) => {
    let outcome: UnaryOutcome | Promise<UnaryOutcome>;
    try {
      outcome = handle(call, request);
    } catch {
      respondStatus(stream, { code: GrpcCode.INTERNAL, message: 'internal server error' });
      return;
    }
    if (outcome instanceof Promise) {
      outcome.then(
        (o) => respondOutcome(stream, o),
        () => respondStatus(stream, { code: GrpcCode.INTERNAL, message: 'internal server error' }),
      );
    } else respondOutcome(stream, outcome);
  };
}

function streamCall(stream: ServerHttp2Stream, call: GrpcCall, handle: StreamHandler) {
  let started = false;
  let ended = false;
  const writer: StreamWriter = {
    write(message) {
      if (ended || !alive(stream)) return;
      if (!started) {
        started = true;
        stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
        stream.once('wantTrailers', () => stream.sendTrailers(trailersOf(finalStatus)));
      }
      stream.write(encodeMessage(message));
    },
    end(status = { code: GrpcCode.OK, message: '' }) {
      if (ended) return;
      ended = true;
      if (!started) {
        respondStatus(stream, status);
        return;
      }
      finalStatus = status;
      if (alive(stream)) stream.end();
    },
  };
  let finalStatus: GrpcStatus = { code: GrpcCode.OK, message: '' };
  return handle(call, writer);
}

function respondOutcome(stream: ServerHttp2Stream, outcome: UnaryOutcome): void {
  if ('status' in outcome) {
    respondStatus(stream, outcome.status);
    return;
  }
  if (!open(stream)) return;
  stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers(OK_TRAILERS));
  stream.end(encodeMessage(outcome.response));
}

/** A status with no message: "Trailers-Only", one HEADERS frame that ends the stream. */
function respondStatus(stream: ServerHttp2Stream, status: GrpcStatus): void {
  if (!open(stream)) return;
  stream.respond({ ...RESPONSE_HEADERS, ...trailersOf(status) }, { endStream: true });
  // Stop reading what the client may still send for this call (a refused large message).
  if (!stream.readableEnded) stream.close(constants.NGHTTP2_NO_ERROR);
}

function trailersOf(status: GrpcStatus): Record<string, string> {
  const out: Record<string, string> = { 'grpc-status': String(status.code) };
  if (status.message !== '') out['grpc-message'] = encodeGrpcMessage(status.message);
  for (const [name, value] of Object.entries(status.binary ?? {})) {
    out[name] = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  }
  return out;
}

function respondHttp(stream: ServerHttp2Stream, code: number, text: string): void {
  if (!open(stream)) return;
  stream.respond({ ':status': code, 'content-type': 'text/plain; charset=utf-8' });
  stream.end(text);
}

/** The first value of a header that node may give as a list. */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function alive(stream: ServerHttp2Stream): boolean {
  return !stream.destroyed && !stream.closed;
}

/** Still waiting for its response headers (not cancelled by the client, not answered). */
function open(stream: ServerHttp2Stream): boolean {
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

function peerOf(stream: ServerHttp2Stream): string {
  const socket = stream.session?.socket;
  if (!socket?.remoteAddress) return 'unknown';
  const host = socket.remoteAddress.includes(':')
    ? `[${socket.remoteAddress}]`
    : socket.remoteAddress;
  return `${host}:${socket.remotePort}`;
}
