// The gRPC server API listener (grpc_api.*): Centrifugo's options on the gRPC
// server of h2-server.ts. Bound on grpc_api.address:port (all interfaces when the address is
// empty, as Centrifugo's ":10000"), with TLS when grpc_api.tls.enabled and reflection when
// grpc_api.reflection.
import type { ApiExecutor } from '../../api/index.ts';
import type { Config } from '../../config/index.ts';
import type { Logger, NodeMetrics } from '../../observability/index.ts';
import { countedRefusals, createGrpcServer, type Route } from './h2-server.ts';
import { connectionLimits } from './http2-limits.ts';
import { apiDefinition, rpcStatusDefinition } from './proto.ts';
import { reflectionRoutes } from './reflection.ts';
import { apiServiceRoutes } from './service.ts';
import { secureServerOptions } from './tls.ts';

export interface GrpcServerDeps {
  options: Config['grpc_api'];
  /** The node's executor for protocol="grpc" (ApiExecutor.forProtocol('grpc')). */
  executor: ApiExecutor;
  logger: Logger;
  metrics: NodeMetrics;
}

export interface GrpcApiServer {
  readonly host: string;
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  readonly tls: boolean;
  /**
   * Stops accepting calls and lets in-flight ones finish. Streams that outlive the grace
   * period (a reflection client that never hangs up) are cut. Idempotent.
   */
  close(): Promise<void>;
}

/** In-flight unary calls finish well within this; only idle-forever streams hit it. */
const CLOSE_GRACE_MS = 5_000;
/** grpc-go's default, which Centrifugo keeps when the option is 0. */
const DEFAULT_MAX_RECEIVE = 4 * 1024 * 1024;

export async function startGrpcServer(deps: GrpcServerDeps): Promise<GrpcApiServer> {
  const { options, logger, metrics } = deps;
  const refusals = countedRefusals(logger, metrics);
  const routes = new Map<string, Route>(
    apiServiceRoutes({
      executor: deps.executor,
      key: options.key,
      errorMode: options.error_mode,
      refusals,
      logger,
    }),
  );
  // Not behind the key, as in Centrifugo (its key interceptor covers unary calls only).
  // The google.rpc messages too, so a client can decode the error details of transport mode.
  if (options.reflection) {
    const described = { ...apiDefinition(), ...rpcStatusDefinition() };
    for (const [path, route] of reflectionRoutes(described)) routes.set(path, route);
  }
  const server = createGrpcServer({
    routes,
    maxReceiveMessageSize:
      options.max_receive_message_size > 0 ? options.max_receive_message_size : DEFAULT_MAX_RECEIVE,
    tls: secureServerOptions(options.tls, 'grpc_api.tls'),
    limits: connectionLimits(options.http2),
    logger,
    metrics,
    refusals,
  });

  const host = options.address === '' ? '0.0.0.0' : options.address;
  const target = `${host.includes(':') ? `[${host}]` : host}:${options.port}`;
  let port: number;
  try {
    port = await server.listen(host, options.port);
  } catch (err) {
    throw new Error(`gRPC server API cannot listen on ${target}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const scheme = options.tls.enabled ? 'grpcs' : 'grpc';
  logger.info(
    {
      address: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`,
      errorMode: options.error_mode || 'default',
      reflection: options.reflection,
    },
    'gRPC server API listening',
  );
  if (options.key === '') {
    logger.warn(
      'grpc_api.key is empty: the gRPC server API checks no key (as in Centrifugo). Set it, or keep the port private',
    );
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= server.close(CLOSE_GRACE_MS);
    return closing;
  };
  return { host, port, tls: options.tls.enabled, close };
}
