// The gRPC server API listener (grpc_api.*): Centrifugo's options on a grpc-js server.
// Bound on grpc_api.address:port (all interfaces when the address is empty, as Centrifugo's
// ":10000"), with TLS when grpc_api.tls.enabled and reflection when grpc_api.reflection.
import { Server, type ServerCredentials } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import type { ApiExecutor } from '../../api/index.ts';
import type { Config } from '../../config/index.ts';
import type { Logger } from '../../observability/index.ts';
import { apiDefinition } from './proto.ts';
import { addApiService } from './service.ts';
import { serverCredentials } from './tls.ts';

export interface GrpcServerDeps {
  options: Config['grpc_api'];
  /** The node's executor for protocol="grpc" (ApiExecutor.forProtocol('grpc')). */
  executor: ApiExecutor;
  logger: Logger;
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

export async function startGrpcServer(deps: GrpcServerDeps): Promise<GrpcApiServer> {
  const { options, logger } = deps;
  const credentials = serverCredentials(options.tls, 'grpc_api.tls');
  const server = new Server(
    options.max_receive_message_size > 0
      ? { 'grpc.max_receive_message_length': options.max_receive_message_size }
      : {},
  );
  addApiService(server, {
    executor: deps.executor,
    key: options.key,
    errorMode: options.error_mode,
    logger,
  });
  // Not behind the key, as in Centrifugo (its key interceptor covers unary calls only).
  if (options.reflection) new ReflectionService(apiDefinition()).addToServer(server);

  const host = options.address === '' ? '0.0.0.0' : options.address;
  const port = await bind(server, host, options.port, credentials);
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
    closing ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, CLOSE_GRACE_MS);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return closing;
  };
  return { host, port, tls: options.tls.enabled, close };
}

function bind(
  server: Server,
  host: string,
  port: number,
  credentials: ServerCredentials,
): Promise<number> {
  const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(target, credentials, (err, bound) => {
      if (err) {
        server.forceShutdown();
        reject(
          new Error(`gRPC server API cannot listen on ${target}: ${err.message}`, { cause: err }),
        );
      } else resolve(bound);
    });
  });
}
