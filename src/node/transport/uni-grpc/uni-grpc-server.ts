// The unidirectional gRPC transport (uni_grpc.*), as Centrifugo serves it on a port of its
// own: service centrifugal.centrifugo.unistream.CentrifugoUniStream (proto/unistream.proto),
// one server-streaming method, Consume. Its ConnectRequest carries the client protocol's
// field numbers, so it decodes as one; each Push goes out as one gRPC message, as
// Centrifugo's raw codec sends it: the connect push first (or a disconnect push when the
// connect failed), then publications, joins, leaves, ..., and a disconnect push before the
// stream ends with status OK. The protocol's pings go out as on every transport (an empty
// Push every client.ping_interval, `ping` in the connect push; no pong expected), and HTTP/2
// pings keep the connection too (every 25 s of silence, 5 s for the answer); a client may
// ping every 5 s, as grpc-go's keepalive settings in Centrifugo. A client that reads nothing
// is cut by client.queue_max_size (3008) as on every transport.
import { type ClientContext, ClientSession, type ClientTransport } from '../../client/index.ts';
import type { Logger } from '../../observability/index.ts';
import {
  ConnectRequest,
  type ConnectRequestMsg,
  decodeMessage,
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

export const CONSUME_PATH = '/centrifugal.centrifugo.unistream.CentrifugoUniStream/Consume';

/** grpc-go's default, which Centrifugo keeps when max_receive_message_size is 0. */
const DEFAULT_MAX_RECEIVE = 4 * 1024 * 1024;
/** Centrifugo's keepalive.ServerParameters and EnforcementPolicy for uni_grpc. */
const KEEPALIVE = { timeMs: 25_000, timeoutMs: 5_000 };
const CLIENT_PING_MIN_MS = 5_000;
const CLOSE_GRACE_MS = 5_000;

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
    let badRequest = false;
    return {
      message(bytes) {
        if (request !== undefined || badRequest) return;
        try {
          request = decodeMessage(ConnectRequest, bytes) as ConnectRequestMsg;
        } catch (err) {
          badRequest = true;
          logger.debug({ reason: (err as Error).message }, 'uni_grpc: undecodable ConnectRequest');
          out.end({
            code: GrpcCode.INTERNAL,
            message: `grpc: error unmarshalling request: ${(err as Error).message}`,
          });
        }
      },
      end() {
        if (badRequest) return;
        if (request === undefined) {
          out.end({ code: GrpcCode.INTERNAL, message: 'grpc: no request message' });
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
        void session.connectUnidirectional(sanitize(request));
      },
      abort() {
        session?.onTransportClosed();
      },
    };
  };
}

/** Only what Centrifugo takes from unistream's SubscribeRequest: recover, epoch, offset. */
function sanitize(request: ConnectRequestMsg): ConnectRequestMsg {
  if (request.subs === undefined) return request;
  const subs: NonNullable<ConnectRequestMsg['subs']> = {};
  for (const [channel, sub] of Object.entries(request.subs)) {
    subs[channel] = {
      ...(sub.recover !== undefined ? { recover: sub.recover } : {}),
      ...(sub.epoch !== undefined ? { epoch: sub.epoch } : {}),
      ...(sub.offset !== undefined ? { offset: sub.offset } : {}),
    };
  }
  return { ...request, subs };
}
