// The node's HTTP listeners. With `http_server.internal_port` set, the API, health and
// metrics move to a second (internal) listener, as in Centrifugo, unless
// `http_api.external` keeps the API on the external one. One pipeline serves every endpoint:
// the front door (503 while closing, the canonical-path redirect, 100 Continue), then
// fastify's routing; the API and the client connection endpoints are raw routes inside it
// (raw-route.ts), the rest fastify plugins.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TlsOptions } from 'node:tls';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ApiExecutor } from '../../api/index.ts';
import { type Config, durationMs } from '../../config/index.ts';
import type { Logger, NodeMetrics } from '../../observability/index.ts';
import { tlsServerOptions } from '../tls-options.ts';
import { type ApiHandler, createApiHandler } from './api-handler.ts';
import { errorAnswers } from './error-answers.ts';
import { FrontDoor } from './front-door.ts';
import { healthPlugin } from './health-plugin.ts';
import { HttpLimits } from './http-limits.ts';
import { metricsPlugin } from './metrics-plugin.ts';
import { GO_BAD_REQUEST, GO_NOT_FOUND, GO_TEXT_HEADERS } from './plain-answers.ts';
import { rawRoute } from './raw-route.ts';
import { swaggerPlugin } from './swagger-plugin.ts';

// node:http as CommonJS has it, not an ES import of it: building the ES namespace of
// node:http reads its WebSocket/MessageEvent/CloseEvent getters, which load node's bundled
// undici (0.75 MB of source and its code) into a node that never uses it.
const { createServer, METHODS } = process.getBuiltinModule('node:http');

export interface HttpListener {
  role: 'external' | 'internal';
  host: string;
  port: number;
  /** Whether it serves HTTPS (and WSS). */
  tls: boolean;
  app: FastifyInstance;
}

/**
 * The TLS section a listener serves with, as Centrifugo picks it: the external port takes
 * http_server.tls; a separate internal port takes http_server.internal_tls when that is on,
 * else http_server.tls too, unless http_server.tls_external keeps it plaintext.
 */
export function listenerTls(config: Config, role: HttpListener['role']) {
  const { tls, internal_tls: internal, tls_external: externalOnly } = config.http_server;
  if (role === 'external') return tls.enabled ? { tls, section: 'http_server.tls' } : undefined;
  if (internal.enabled) return { tls: internal, section: 'http_server.internal_tls' };
  return tls.enabled && !externalOnly ? { tls, section: 'http_server.tls' } : undefined;
}

/** HTTP/1.1 only over TLS: WebSocket upgrades need it, and every endpoint here speaks it. */
function serverTls(config: Config, role: HttpListener['role']): TlsOptions | undefined {
  const chosen = listenerTls(config, role);
  return chosen && tlsServerOptions(chosen.tls, chosen.section, ['http/1.1']);
}

/** A client connection endpoint (streaming answers), a raw route (raw-route.ts). */
export type ClientRoute = (req: IncomingMessage, res: ServerResponse) => void;

export interface HttpDeps {
  config: Config;
  /** Client connection endpoints of the external listener by exact path (SSE, HTTP streaming). */
  clientRoutes?: ReadonlyMap<string, ClientRoute>;
  /** The node's version, shown in the OpenAPI document. */
  version: string;
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
  const externalTls = serverTls(config, 'external');
  const external: HttpListener = {
    role: 'external',
    host,
    port: config.http_server.port,
    tls: externalTls !== undefined,
    app: newApp(
      config,
      limits,
      deps.logger,
      apiOnExternal ? api : undefined,
      { routes: deps.clientRoutes ?? new Map(), websocketPaths: websocketPaths(config) },
      externalTls,
    ),
  };
  const listeners = [external];
  let internal = external;
  if (separateInternal) {
    const internalHost =
      config.http_server.internal_address === '' ? host : config.http_server.internal_address;
    const internalTls = serverTls(config, 'internal');
    internal = {
      role: 'internal',
      host: internalHost,
      port: Number(config.http_server.internal_port),
      tls: internalTls !== undefined,
      app: newApp(
        config,
        limits,
        deps.logger,
        apiOnExternal ? undefined : api,
        NO_CLIENTS,
        internalTls,
      ),
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
  if (config.swagger.enabled) {
    internal.app.register(swaggerPlugin, {
      path: config.swagger.handler_prefix,
      apiPrefix: config.http_api.handler_prefix,
      version: deps.version,
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

/**
 * The WebSocket path asked without an upgrade (any method, any body): the handshake's own
 * refusal, as Centrifugo's upgrader gives it. The upgrade itself is transport/websocket's.
 */
function notAnUpgrade(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(400, { ...GO_TEXT_HEADERS, 'sec-websocket-version': '13' });
  res.end(GO_BAD_REQUEST);
}

/** What a listener serves to clients besides fastify's routes. */
interface ClientEndpoints {
  routes: ReadonlyMap<string, ClientRoute>;
  /** Paths whose requests must be WebSocket upgrades (transport/websocket takes those). */
  websocketPaths: ReadonlySet<string>;
}

const NO_CLIENTS: ClientEndpoints = { routes: new Map(), websocketPaths: new Set() };

function websocketPaths(config: Config): Set<string> {
  const paths = new Set<string>();
  if (!config.websocket.disabled) paths.add(config.websocket.handler_prefix);
  if (config.uni_websocket.enabled) paths.add(config.uni_websocket.handler_prefix);
  return paths;
}

function newApp(
  config: Config,
  limits: HttpLimits,
  logger: Logger,
  api: ApiHandler | undefined,
  clients: ClientEndpoints,
  tls: TlsOptions | undefined,
): FastifyInstance {
  const timeouts = serverTimeouts(config);
  const errors = errorAnswers(limits, logger);
  // Under the root prefix the API's legacy endpoint takes every path no other route has,
  // as Centrifugo's "/" pattern does in Go's ServeMux; fastify's routes are all GET or any.
  const routedElsewhere = (path: string) => app.hasRoute({ url: path, method: 'GET' });
  let front: FrontDoor | undefined;
  const app: FastifyInstance = Fastify({
    logger: false,
    bodyLimit: config.http_api.max_request_body_size,
    // Keep-alive connections that sit idle are closed at shutdown; busy ones finish first.
    forceCloseConnections: 'idle',
    // The front door answers 503 while closing, for every endpoint (front-door.ts).
    return503OnClosing: false,
    clientErrorHandler: limits.onClientError,
    frameworkErrors: errors.onFrameworkError,
    serverFactory: (fastifyHandler) => {
      const httpOptions = {
        headersTimeout: timeouts.headersTimeout,
        requestTimeout: timeouts.requestTimeout,
        connectionsCheckingInterval: timeouts.connectionsCheckingInterval,
      };
      // Go bounds the TLS handshake by its shortest read timeout: here read_header_timeout.
      const handshakeTimeout = timeouts.headersTimeout || 10_000;
      const server = tls
        ? createHttpsServer({ ...httpOptions, ...tls, handshakeTimeout })
        : createServer(httpOptions);
      server.keepAliveTimeout = timeouts.keepAliveTimeout;
      server.keepAliveTimeoutBuffer = timeouts.keepAliveTimeoutBuffer;
      front = new FrontDoor(
        fastifyHandler,
        (req) => api?.refusesUpfront(req, routedElsewhere) ?? false,
      );
      front.attach(server);
      return server;
    },
  });
  // Every method node parses reaches the routes that take any (the API answers 405 to them).
  for (const method of METHODS) {
    if (method !== 'CONNECT' && !app.supportedMethods.includes(method)) {
      app.addHttpMethod(method, { hasBody: true });
    }
  }
  for (const [path, route] of clients.routes) rawRoute(app, path, route);
  for (const path of clients.websocketPaths) {
    if (!clients.routes.has(path)) rawRoute(app, path, notAnUpgrade);
  }
  if (api) {
    const base = config.http_api.handler_prefix.replace(/\/+$/, '');
    if (base !== '') rawRoute(app, base, api.handle);
    rawRoute(app, `${base}/*`, api.handle);
  }
  app.setErrorHandler(errors.onError);
  // Unknown paths answer as Go's ServeMux does, as Centrifugo's do.
  app.setNotFoundHandler((_req, reply) => {
    reply.code(404).headers(GO_TEXT_HEADERS).send(GO_NOT_FOUND);
  });
  app.addHook('preClose', (done) => {
    front?.close();
    api?.close();
    done();
  });
  return app;
}
