// The unidirectional gRPC transport (uni_grpc.*), as Centrifugo serves it on a port of its
// own: service centrifugal.centrifugo.unistream.CentrifugoUniStream (proto/unistream.proto),
// one server-streaming method, Consume. Its ConnectRequest has the client protocol's field
// numbers but fewer fields (unistream-messages.ts); each Push goes out as one gRPC message, as
// Centrifugo's raw codec sends it: the connect push first (or a disconnect push when the
// connect failed), then publications, joins, leaves, ..., and a disconnect push before the
// stream ends with status OK. The request is read as grpc-go reads it in Centrifugo: one
// message, decoded by protobuf-go's rules (decodeAsGo), then the client's half-close before
// the connect starts; no message, a second one, or bytes that are no ConnectRequest end the
// call with grpc-go's INTERNAL statuses. The protocol's pings go out as on every transport
// (an empty Push every client.ping_interval, `ping` in the connect push; no pong expected),
// and HTTP/2 pings keep the connection too (every 25 s of silence, 5 s for the answer); a
// client may ping every 5 s, as grpc-go's keepalive settings in Centrifugo. A client that
// reads nothing is cut by client.queue_max_size (3008) as on every transport.
import { type ClientContext, ClientSession, type ClientTransport } from '../../client/index.ts';
import type { Logger } from '../../observability/index.ts';
import {
  type ConnectRequestMsg,
  decodeAsGo,
  InvalidUtf8Error,
  splitDelimited,
} from '../../protocol/index.ts';
import {
  countedRefusals,
  createGrpcServer,
  GrpcCode,
  type Route,
  type StreamHandler,
} from '../grpc/h2-server.ts';
import { connectionLimits } from '../grpc/http2-limits.ts';
import { secureServerOptions } from '../grpc/tls.ts';
import { ConnectRequest } from './unistream-messages.ts';

export const CONSUME_PATH = '/centrifugal.centrifugo.unistream.CentrifugoUniStream/Consume';

/** grpc-go's default, which Centrifugo keeps when max_receive_message_size is 0. */
const DEFAULT_MAX_RECEIVE = 4 * 1024 * 1024;
/** Centrifugo's keepalive.ServerParameters and EnforcementPolicy for uni_grpc. */
const KEEPALIVE = { timeMs: 25_000, timeoutMs: 5_000 };
const CLIENT_PING_MIN_MS = 5_000;
const CLOSE_GRACE_MS = 5_000;

/**
 * grpc-go's statuses for a server-streaming call's request, as Centrifugo v6.9.1 answers
 * (test/compat/cases/uni-grpc.ts compares them).
 */
const NO_REQUEST =
  'cardinality violation: received no request message from non-client-streaming RPC';
const SECOND_REQUEST =
  'cardinality violation: received multiple request messages for non-client-streaming RPC';
/**
 * grpc-go's "failed to unmarshal" with protobuf-go's error: one text for every malformed
 * message, and its own for a string that is no UTF-8. protobuf-go writes "proto:" with a
 * space or a no-break space, chosen per build to keep callers from matching the text; a
 * plain space here.
 */
function unmarshalError(err: unknown): string {
  const reason =
    err instanceof InvalidUtf8Error
      ? 'string field contains invalid UTF-8'
      : 'proto: cannot parse invalid wire-format data';
  return `grpc: failed to unmarshal the received message: ${reason}`;
}

export interface UniGrpcServer {
  readonly host: string;
  readonly port: number;
  /** Stops accepting; open streams were closed (3001) with their sessions. Idempotent. */
  close(): Promise<void>;
}

export async function startUniGrpcServer(
  ctx: ClientContext,
  logger: Logger,
): Promise<UniGrpcServer> {
  const options = ctx.config.uni_grpc;
  const refusals = countedRefusals(logger, ctx.metrics);
  const routes = new Map<string, Route>([
    [CONSUME_PATH, { kind: 'stream', handle: consume(ctx, logger) }],
  ]);
  const server = createGrpcServer({
    routes,
    maxReceiveMessageSize:
      options.max_receive_message_size > 0 ? options.max_receive_message_size : DEFAULT_MAX_RECEIVE,
    tls: secureServerOptions(options.tls, 'uni_grpc.tls'),
    limits: {
      ...connectionLimits(ctx.config.grpc_api.http2),
      pingMinIntervalMs: CLIENT_PING_MIN_MS,
    },
    logger,
    metrics: ctx.metrics,
    refusals,
    keepalive: KEEPALIVE,
    label: 'uni_grpc',
    maxReceiveKey: 'uni_grpc.max_receive_message_size',
  });
  const host = options.address === '' ? '0.0.0.0' : options.address;
  let port: number;
  try {
    port = await server.listen(host, options.port);
  } catch (err) {
    throw new Error(
      `uni_grpc cannot listen on ${host}:${options.port}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  logger.info(
    { address: `${host}:${port}`, tls: options.tls.enabled },
    'serving unidirectional gRPC',
  );
  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    close: () => {
      closing ??= server.close(CLOSE_GRACE_MS);
      return closing;
    },
  };
}

/** One Consume call: one unidirectional connection. */
function consume(ctx: ClientContext, logger: Logger): StreamHandler {
  return (call, out) => {
    let session: ClientSession | undefined;
    let request: ConnectRequestMsg | undefined;
    let refused = false;
    const refuse = (message: string) => {
      refused = true;
      out.end({ code: GrpcCode.INTERNAL, message });
    };
    return {
      message(bytes) {
        if (refused) return;
        // A second message is decoded too before it is refused, as grpc-go does.
        let decoded: ConnectRequestMsg;
        try {
          decoded = decodeAsGo(ConnectRequest, bytes) as ConnectRequestMsg;
        } catch (err) {
          logger.debug({ reason: (err as Error).message }, 'uni_grpc: undecodable ConnectRequest');
          refuse(unmarshalError(err));
          return;
        }
        if (request !== undefined) refuse(SECOND_REQUEST);
        else request = decoded;
      },
      end() {
        if (refused) return;
        if (request === undefined) {
          refuse(NO_REQUEST);
          return;
        }
        const transport: ClientTransport = {
          name: 'uni_grpc',
          format: 'protobuf',
          unidirectional: true,
          sessions: true,
          pushesDisconnect: true,
          requestHeaders: call.headers,
          // Each Push its own gRPC message, without the length prefix of a stream frame.
          write: (frame) => {
            for (const message of splitDelimited(frame as Uint8Array)) out.write(message);
          },
          bufferedAmount: () => out.bufferedAmount(),
          close: () => out.end(),
        };
        session = new ClientSession(ctx, transport);
        ctx.metrics.clientConnectionsAccepted.inc({ transport: 'uni_grpc' });
        void session.connectUnidirectional(request);
      },
      abort() {
        session?.onTransportClosed();
      },
    };
  };
}
