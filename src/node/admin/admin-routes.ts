// The admin web UI and admin API under `admin.handler_prefix` (P), as Centrifugo v6 serves them
// (its internal/admin/handlers.go), plus two endpoints of this project for the UI:
//
//   P/admin/init         any method: {"authenticated","edition","insecure"}
//   P/admin/auth         POST password=<admin.password> (form or query): {"token"} or 400
//   P/admin/api          POST, Authorization: token <t>: the legacy server API body
//                        ({"id","method","params"} commands, one reply line each)
//   P/admin/connections  POST {"user"?, "channel"?, "limit"?}: this node's connections
//   P/admin/trace        POST {"channel"} or {"user"}: a live trace as server-sent events
//   P/                   the UI's files (P without the slash redirects there)
//
// Order of refusals as Centrifugo's: 405 (not POST) before 401 (no valid token). Commands go
// through the node's one ApiExecutor; connection lists and traces through AdminInspector.
import type { IncomingMessage } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter } from 'prom-client';
import { type ApiExecutor, RequestDecodeError, runLegacyBody } from '../api/index.ts';
import type { AdminInspector } from '../client/index.ts';
import type { Config } from '../config/index.ts';
import type { Logger, NodeMetrics } from '../observability/index.ts';
import { RateLimitedLog } from '../observability/index.ts';
import { AdminTokens } from './admin-token.ts';
import { LoginGuard } from './login-guard.ts';
import type { TraceStreams, TraceTarget } from './trace-stream.ts';
import { BUILT_IN_UI, UiFiles } from './ui-files.ts';

export interface AdminOptions {
  admin: Config['admin'];
  /** channel.max_length: longer channels are refused before a trace subscribes to them. */
  channelMaxLength: number;
  /** http_api.max_request_body_size, for admin API bodies. */
  bodyLimit: number;
  executor: ApiExecutor;
  inspector: AdminInspector;
  traces: TraceStreams;
  nodeName: string;
  metrics: NodeMetrics;
  logger: Logger;
}

const AUTH_BODY_LIMIT = 1024 * 1024;
const CONNECTIONS_DEFAULT = 100;
const CONNECTIONS_MAX = 1000;
const TEXT = { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' };
const FIELDS = /[ \t\n\v\f\r]+/;

// The built-in UI loads nothing but its own files, and no page may frame it.
const UI_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache',
};

export async function adminRoutes(app: FastifyInstance, opts: AdminOptions): Promise<void> {
  const { admin, logger } = opts;
  const prefix = admin.handler_prefix.replace(/\/+$/, '');
  const tokens = new AdminTokens(admin.secret);
  const logins = new LoginGuard({
    password: admin.password,
    secret: admin.secret,
    counter: new Counter({
      name: 'centrifugo_admin_login_attempts_total',
      help: 'Number of admin web UI logins, by result (success, wrong_password, rate_limited, not_configured).',
      labelNames: ['result'],
      registers: [opts.metrics.registry],
    }),
    logger,
  });
  const refusals = new RateLimitedLog(logger);
  const builtIn = admin.web_path === '';
  const files = new UiFiles(builtIn ? BUILT_IN_UI : admin.web_path);

  // Bodies are read as bytes whatever their type; each endpoint decodes its own.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addHook('preClose', (done) => {
    opts.traces.closeAll();
    done();
  });

  const authorized = (req: FastifyRequest): boolean => {
    if (admin.insecure) return true;
    if (admin.secret === '') {
      refusals.warn('admin_no_secret', 'admin API refused: admin.secret is not set');
      return false;
    }
    const token = tokenOf(req.headers.authorization);
    return token !== undefined && tokens.valid(token);
  };

  /** 405 or 401 when the request may not reach an admin endpoint; undefined when it may. */
  const refused = (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method !== 'POST') return bare(reply, 405);
    if (!authorized(req)) {
      refusals.warn('admin_token', 'admin API refused: missing or invalid admin token', () => ({
        path: req.url,
        remote: req.ip,
      }));
      return bare(reply, 401);
    }
    return undefined;
  };

  app.all(`${prefix}/admin/init`, async (req, reply) => {
    const authenticated = admin.insecure || (admin.secret !== '' && authorized(req));
    // Go's json.Encoder: sorted keys, a newline after.
    return json(
      reply,
      `${JSON.stringify({ authenticated, edition: 'oss', insecure: admin.insecure })}\n`,
    );
  });

  app.all(`${prefix}/admin/auth`, { bodyLimit: AUTH_BODY_LIMIT }, async (req, reply) => {
    if (req.method !== 'POST') return bare(reply, 405);
    const outcome = logins.attempt(passwordOf(req), req.ip);
    switch (outcome.result) {
      case 'success':
        return json(reply, `${JSON.stringify({ token: tokens.issue() })}\n`);
      case 'wrong_password':
        return reply.code(400).headers(TEXT).send('Bad Request\n');
      case 'not_configured':
        return reply
          .code(400)
          .headers(TEXT)
          .send('Bad Request: admin.password and admin.secret must both be set on this node\n');
      case 'rate_limited':
        return reply
          .code(429)
          .headers({ ...TEXT, 'retry-after': String(outcome.retryAfterS) })
          .send(
            `Too Many Requests: too many wrong admin passwords on this node, retry in ${outcome.retryAfterS} s\n`,
          );
    }
  });

  app.all(`${prefix}/admin/api`, { bodyLimit: opts.bodyLimit }, async (req, reply) => {
    const refusal = refused(req, reply);
    if (refusal) return refusal;
    const body = bodyOf(req);
    if (body.length === 0)
      return reply.code(400).headers(TEXT).send('Bad Request: body is empty\n');
    try {
      return json(reply, await runLegacyBody(opts.executor, body));
    } catch (err) {
      if (!(err instanceof RequestDecodeError)) throw err;
      return reply.code(400).headers(TEXT).send(`Bad Request: ${err.message}\n`);
    }
  });

  app.all(`${prefix}/admin/connections`, async (req, reply) => {
    const refusal = refused(req, reply);
    if (refusal) return refusal;
    let query: { user?: string; channel?: string; limit: number };
    try {
      query = connectionsQuery(bodyOf(req));
    } catch (err) {
      return reply
        .code(400)
        .headers(TEXT)
        .send(`Bad Request: ${(err as Error).message}\n`);
    }
    const { connections, total } = opts.inspector.connections(query, query.limit);
    return json(reply, JSON.stringify({ result: { node: opts.nodeName, total, connections } }));
  });

  app.all(`${prefix}/admin/trace`, async (req, reply) => {
    const refusal = refused(req, reply);
    if (refusal) return refusal;
    let target: TraceTarget;
    try {
      target = traceTarget(bodyOf(req), opts.channelMaxLength);
    } catch (err) {
      return reply
        .code(400)
        .headers(TEXT)
        .send(`Bad Request: ${(err as Error).message}\n`);
    }
    if (opts.traces.full) {
      return reply
        .code(429)
        .headers(TEXT)
        .send(`Too Many Requests: ${opts.traces.size} traces are open on this node, the limit\n`);
    }
    logger.info({ target, remote: req.ip }, 'admin trace started');
    reply.hijack();
    await opts.traces.run(reply.raw, target, opts.nodeName, (onEvent) =>
      'channel' in target
        ? opts.inspector.traceChannel(target.channel, onEvent)
        : Promise.resolve(opts.inspector.traceUser(target.user, onEvent)),
    );
  });

  const sendFile = async (path: string, req: FastifyRequest, reply: FastifyReply) => {
    const file = await files.find(path);
    if (!file) return reply.code(404).headers(TEXT).send('404 page not found\n');
    const headers = builtIn ? UI_HEADERS : { 'x-content-type-options': 'nosniff' };
    reply.headers({ ...headers, etag: file.etag, 'content-type': file.type });
    if (req.headers['if-none-match'] === file.etag) return reply.code(304).send();
    return reply.send(file.body);
  };
  if (prefix !== '') {
    app.get(prefix, async (req, reply) => {
      const q = req.url.indexOf('?');
      const location = `${prefix}/${q < 0 ? '' : req.url.slice(q)}`;
      return reply.code(307).header('location', location).send('');
    });
  }
  app.get(`${prefix}/`, (req, reply) => sendFile('', req, reply));
  app.get(`${prefix}/*`, (req, reply) => {
    const { '*': rest } = req.params as { '*': string };
    return sendFile(rest, req, reply);
  });
}

/** 200 with a JSON body, `application/json` without a charset (as Centrifugo's). */
function json(reply: FastifyReply, body: string): FastifyReply {
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
  });
  reply.raw.end(body);
  return reply;
}

/** A status with no body and no content type, as Go's WriteHeader alone answers. */
function bare(reply: FastifyReply, status: number): FastifyReply {
  reply.hijack();
  reply.raw.writeHead(status, { 'content-length': '0' });
  reply.raw.end();
  return reply;
}

function bodyOf(req: FastifyRequest): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

/** `Authorization: token <T>`: scheme case-insensitive, exactly two fields (as Centrifugo). */
function tokenOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const parts = header.split(FIELDS).filter((p) => p !== '');
  if (parts.length !== 2 || parts[0]?.toLowerCase() !== 'token') return undefined;
  return parts[1];
}

/** Go's FormValue: a form body's `password` first, else the query's. */
function passwordOf(req: FastifyRequest): string {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    const fromBody = first(parseQuery(bodyOf(req).toString('utf8')).password);
    if (fromBody !== undefined) return fromBody;
  }
  const raw = (req.raw as IncomingMessage).url ?? '';
  const q = raw.indexOf('?');
  return q < 0 ? '' : (first(parseQuery(raw.slice(q + 1)).password) ?? '');
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function jsonObject(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.length === 0 ? '{}' : body.toString('utf8'));
  } catch (err) {
    throw new Error(`body is not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function optionalString(obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Error(`${key} must be a string`);
  return v;
}

function connectionsQuery(body: Buffer) {
  const obj = jsonObject(body);
  const user = optionalString(obj, 'user');
  const channel = optionalString(obj, 'channel') || undefined;
  const limit = obj.limit ?? CONNECTIONS_DEFAULT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > CONNECTIONS_MAX)
    throw new Error(`limit must be an integer from 1 to ${CONNECTIONS_MAX}`);
  return { user, channel, limit };
}

function traceTarget(body: Buffer, channelMaxLength: number): TraceTarget {
  const obj = jsonObject(body);
  const channel = optionalString(obj, 'channel');
  const user = optionalString(obj, 'user');
  if ((channel === undefined) === (user === undefined))
    throw new Error('give either channel or user (user "" traces anonymous connections)');
  if (channel !== undefined) {
    if (channel === '') throw new Error('channel must not be empty');
    if (Buffer.byteLength(channel) > channelMaxLength)
      throw new Error(`channel is longer than channel.max_length (${channelMaxLength} bytes)`);
    return { channel };
  }
  return { user: user as string };
}
