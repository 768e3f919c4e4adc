// The node's HTTP listeners. With `http_server.internal_port` set, the API, health and
// metrics move to a second (internal) listener, as in Centrifugo, unless
// `http_api.external` keeps the API on the external one. The API is answered on node's
// http server ahead of fastify (api-handler.ts), which serves the rest.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ApiExecutor } from '../../api/index.ts';
import { type Config, durationMs } from '../../config/index.ts';
import type { Logger, NodeMetrics } from '../../observability/index.ts';
import { type ApiHandler, createApiHandler } from './api-handler.ts';
import { healthPlugin } from './health-plugin.ts';
import { HttpLimits } from './http-limits.ts';
import { metricsPlugin } from './metrics-plugin.ts';
import { GO_NOT_FOUND, GO_TEXT_HEADERS } from './plain-answers.ts';

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
  /** What /ready answers (lifecycle/readiness.ts). */
  readiness: () => { ready: boolean; reasons: string[] };
}

export function buildHttpListeners(deps: HttpDeps): HttpListener[] {
  const { config } = deps;
  const limits = new HttpLimits(deps.metrics, deps.logger);
  const api = config.http_api.disabled
    ? undefined
    : createApiHandler({
        executor: deps.executor,
        handlerPrefix: config.http_api.handler_prefix,
        key: config.http_api.key,
        insecure: config.http_api.insecure,
        errorMode: config.http_api.error_mode,
        bodyLimit: config.http_api.max_request_body_size,
        limits,
        logger: deps.logger,
      });
  const separateInternal = config.http_server.internal_port !== '';
  const apiOnExternal = !separateInternal || config.http_api.external;
  const host = config.http_server.address === '' ? '0.0.0.0' : config.http_server.address;
  const external: HttpListener = {
    role: 'external',
    host,
    port: config.http_server.port,
    app: newApp(config, limits, apiOnExternal ? api : undefined),
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
      app: newApp(config, limits, apiOnExternal ? undefined : api),
    };
    listeners.push(internal);
  }
  if (config.health.enabled) {
    internal.app.register(healthPlugin, {
      path: config.health.handler_prefix,
      readyPath: config.health.ready_handler_prefix,
      livePath: config.health.live_handler_prefix,
      readiness: deps.readiness,
    });
  }
  if (config.prometheus.enabled) {
    internal.app.register(metricsPlugin, {
      path: config.prometheus.handler_prefix,
      metrics: deps.metrics,
    });
  }
  return listeners;
}

/**
 * The timeouts of every listener, as Centrifugo's Go http.Server has them (ReadHeaderTimeout
 * 10 s, ReadTimeout 30 s, and IdleTimeout, which falls back to ReadTimeout), from
 * `http_server.*`. node checks the first two on a timer, not per byte: every tenth of the
 * shortest, at most each second, so a slow client is cut within 10% (1 s at most) of its
 * timeout. A WebSocket leaves the check once upgraded.
 */
function serverTimeouts(config: Config) {
  const header = durationMs(config.http_server.read_header_timeout);
  const request = durationMs(config.http_server.read_timeout);
  // As in Go, the whole-request limit also bounds the headers.
  const headersTimeout = request > 0 && (header === 0 || header > request) ? request : header;
  const shortest = Math.min(...[headersTimeout, request].filter((ms) => ms > 0), 10_000);
  // node closes an idle connection the buffer after the timeout it announces (Keep-Alive:
  // timeout=N), so that a client that trusts the announcement stops first: announce a second
  // less, close at idle_timeout itself.
  const idle = durationMs(config.http_server.idle_timeout);
  const keepAliveTimeoutBuffer = Math.min(1000, Math.floor(idle / 10));
  return {
    headersTimeout,
    requestTimeout: request,
    keepAliveTimeout: idle - keepAliveTimeoutBuffer,
    keepAliveTimeoutBuffer,
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(shortest / 10))),
  };
}

function newApp(config: Config, limits: HttpLimits, api: ApiHandler | undefined): FastifyInstance {
  const timeouts = serverTimeouts(config);
  // Under the root prefix the API's legacy endpoint takes every path no other route has,
  // as Centrifugo's "/" pattern does in Go's ServeMux; fastify's routes are all GET or any.
  const routedElsewhere = (path: string) => app.hasRoute({ url: path, method: 'GET' });
  const app: FastifyInstance = Fastify({
    logger: false,
    bodyLimit: config.http_api.max_request_body_size,
    // Keep-alive connections that sit idle are closed at shutdown; busy ones finish first.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    clientErrorHandler: limits.onClientError,
    serverFactory: (fastifyHandler) => {
      const dispatch = (req: IncomingMessage, res: ServerResponse) => {
        if (api?.owns(req.url ?? '/', routedElsewhere)) api.handle(req, res);
        else fastifyHandler(req, res);
      };
      const server = createServer(
        {
          headersTimeout: timeouts.headersTimeout,
          requestTimeout: timeouts.requestTimeout,
          connectionsCheckingInterval: timeouts.connectionsCheckingInterval,
        },
        dispatch,
      );
      server.keepAliveTimeout = timeouts.keepAliveTimeout;
      server.keepAliveTimeoutBuffer = timeouts.keepAliveTimeoutBuffer;
      // `Expect: 100-continue`: a body the API will refuse is not asked for (the 413 comes
      // at once); every other request gets its 100 Continue, as node gives by default.
      server.on('checkContinue', (req, res) => {
        if (!api?.refusesUpfront(req, routedElsewhere)) res.writeContinue();
        dispatch(req, res);
      });
      return server;
    },
  });
  // Unknown paths answer as Go's ServeMux does, as Centrifugo's do.
  app.setNotFoundHandler((_req, reply) => {
    reply.code(404).headers(GO_TEXT_HEADERS).send(GO_NOT_FOUND);
  });
  if (api)
    app.addHook('preClose', (done) => {
      api.close();
      done();
    });
  return app;
}
