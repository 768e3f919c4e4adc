// The node's HTTP listeners. With `http_server.internal_port` set, the API, health and
// metrics move to a second (internal) listener, as in Centrifugo, unless
// `http_api.external` keeps the API on the external one. The API is answered on node's
// http server ahead of fastify (api-handler.ts), which serves the rest.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ApiExecutor } from '../../api/index.ts';
import type { Config } from '../../config/index.ts';
import type { Logger, NodeMetrics } from '../../observability/index.ts';
import { type ApiHandler, createApiHandler } from './api-handler.ts';
import { healthPlugin } from './health-plugin.ts';
import { metricsPlugin } from './metrics-plugin.ts';

export interface HttpListener {
  role: 'external' | 'internal';
  host: string;
  port: number;
  app: FastifyInstance;
}

export interface HttpDeps {
  config: Config;
  executor: ApiExecutor;
  metrics: NodeMetrics;
  logger: Logger;
}

export function buildHttpListeners(deps: HttpDeps): HttpListener[] {
  const { config } = deps;
  const api = config.http_api.disabled
    ? undefined
    : createApiHandler({
        executor: deps.executor,
        handlerPrefix: config.http_api.handler_prefix,
        key: config.http_api.key,
        insecure: config.http_api.insecure,
        errorMode: config.http_api.error_mode,
        bodyLimit: config.http_api.max_request_body_size,
        logger: deps.logger,
      });
  const separateInternal = config.http_server.internal_port !== '';
  const apiOnExternal = !separateInternal || config.http_api.external;
  const host = config.http_server.address === '' ? '0.0.0.0' : config.http_server.address;
  const external: HttpListener = {
    role: 'external',
    host,
    port: config.http_server.port,
    app: newApp(config, apiOnExternal ? api : undefined),
  };
  const listeners = [external];
  let internal = external;
  if (separateInternal) {
    const internalHost =
      config.http_server.internal_address === '' ? host : config.http_server.internal_address;
    internal = {
      role: 'internal',
      host: internalHost,
      port: Number(config.http_server.internal_port),
      app: newApp(config, apiOnExternal ? undefined : api),
    };
    listeners.push(internal);
  }
  if (config.health.enabled)
    internal.app.register(healthPlugin, { path: config.health.handler_prefix });
  if (config.prometheus.enabled) {
    internal.app.register(metricsPlugin, {
      path: config.prometheus.handler_prefix,
      metrics: deps.metrics,
    });
  }
  return listeners;
}

function newApp(config: Config, api: ApiHandler | undefined): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: config.http_api.max_request_body_size,
    // Keep-alive connections that sit idle are closed at shutdown; busy ones finish first.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    serverFactory: (fastifyHandler, options) => {
      const server = createServer((req: IncomingMessage, res: ServerResponse) => {
        if (api?.owns(req.url ?? '/')) api.handle(req, res);
        else fastifyHandler(req, res);
      });
      // What fastify sets on a server it makes itself.
      server.keepAliveTimeout = options.keepAliveTimeout as number;
      server.requestTimeout = options.requestTimeout as number;
      server.setTimeout(options.connectionTimeout as number);
      return server;
    },
  });
  if (api)
    app.addHook('preClose', (done) => {
      api.close();
      done();
    });
  return app;
}
