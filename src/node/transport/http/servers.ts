// The node's HTTP listeners. With `http_server.internal_port` set, the API, health and
// metrics move to a second (internal) listener, as in Centrifugo, unless
// `http_api.external` keeps the API on the external one.
import Fastify, { type FastifyInstance } from 'fastify';
import type { ApiExecutor } from '../../api/index.ts';
import type { Config } from '../../config/index.ts';
import type { Logger, NodeMetrics } from '../../observability/index.ts';
import { apiPlugin } from './api-plugin.ts';
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
  const host = config.http_server.address === '' ? '0.0.0.0' : config.http_server.address;
  const external: HttpListener = {
    role: 'external',
    host,
    port: config.http_server.port,
    app: newApp(config),
  };
  const listeners = [external];
  let internal = external;
  if (config.http_server.internal_port !== '') {
    const internalHost =
      config.http_server.internal_address === '' ? host : config.http_server.internal_address;
    internal = {
      role: 'internal',
      host: internalHost,
      port: Number(config.http_server.internal_port),
      app: newApp(config),
    };
    listeners.push(internal);
  }
  if (!config.http_api.disabled) {
    const target = config.http_api.external ? external : internal;
    target.app.register(apiPlugin, {
      executor: deps.executor,
      handlerPrefix: config.http_api.handler_prefix,
      key: config.http_api.key,
      insecure: config.http_api.insecure,
      errorMode: config.http_api.error_mode,
      bodyLimit: config.http_api.max_request_body_size,
      logger: deps.logger,
    });
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

function newApp(config: Config): FastifyInstance {
  return Fastify({
    logger: false,
    bodyLimit: config.http_api.max_request_body_size,
    // Keep-alive connections that sit idle are closed at shutdown; busy ones finish first.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
}
