// POST <http_api.handler_prefix>/<method>: the HTTP server API, and POST <handler_prefix>
// itself, the legacy endpoint Centrifugo v6 keeps (commands in the body). It frames bytes
// only: routing, method and key checks in Centrifugo's order (404, 405, 401), body to request,
// response to JSON, and the transport error mode. Every decision about a command belongs to
// the ApiExecutor.
//
// It answers on node's own request and response, as a raw route inside fastify
// (raw-route.ts): fastify's content-type parsing, hooks and reply objects were a tenth of the
// CPU of a publish (bench/results/2026-12-01-ab-api-raw-http.md), and the API needs none of
// them. What fastify would do for it is kept: 413 before reading an announced body over the
// limit, the same answers byte for byte otherwise. The 503 while closing is the listener's
// (front-door.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiExecutor, MethodName } from '../../api/index.ts';
import {
  badRequestDetailsJson,
  decodeBatchBody,
  decodeMethodBody,
  encodeJson,
  isMethod,
  RequestDecodeError,
  runLegacyBody,
} from '../../api/index.ts';
import { createApiKeyAuth } from '../../auth/index.ts';
import { errorDef } from '../../core/index.ts';
import type { Logger } from '../../observability/index.ts';
import type { HttpLimits } from './http-limits.ts';
import { GO_NOT_FOUND, GO_TEXT_HEADERS } from './plain-answers.ts';
import { ReplyBatch } from './reply-batch.ts';

export interface ApiHandlerOptions {
  executor: ApiExecutor;
  handlerPrefix: string;
  key: string;
  insecure: boolean;
  /** `transport`: errors as HTTP statuses for every request, not only those asking for it. */
  errorMode: '' | 'transport';
  bodyLimit: number;
  limits: HttpLimits;
  logger: Logger;
}

/** Whether a path belongs to another route of the same listener (fastify's). */
export type RoutedElsewhere = (path: string) => boolean;

export interface ApiHandler {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** The API answers this request without its body (for `Expect: 100-continue`). */
  refusesUpfront(req: IncomingMessage, routedElsewhere: RoutedElsewhere): boolean;
  /** The node is shutting down: answers wait no more (front-door.ts answers new ones 503). */
  close(): void;
}

const LEGACY = 'legacy';
type Route = MethodName | 'batch' | typeof LEGACY;

const ERROR_MODE_HEADER = 'x-centrifugo-error-mode';
// A flat list (name, value, ...), which node writes without walking an object.
const JSON_HEADERS = ['content-type', 'application/json'];
const TEXT_HEADERS = Object.entries(GO_TEXT_HEADERS).flat();
const NO_HEADERS: string[] = [];
// RFC 9110 makes Allow part of a 405; Centrifugo sends none.
const ALLOW_POST = ['allow', 'POST'];
const CLOSE_HEADERS = [...TEXT_HEADERS, 'connection', 'close'];
const SLASH = 0x2f;
const QUESTION = 0x3f;

// A 413's lingering close, as nginx's (lingering_timeout 5 s): the rest of the body is read
// and dropped, up to this long and this many bytes (or the body limit, if larger), so the
// client reads the answer instead of meeting a reset while it still writes. Node's fetch
// reads an early answer only between writes of its body: on loopback it took 4-8 MB more
// before it saw the 413 and closed; closing after 64 KiB more, 55-70% of 4-16 MB uploads
// got EPIPE. Dropping bytes costs a parse, no memory: a client that wants the node to read
// 64 MiB can as well send 8 MiB bodies that pass and are parsed as JSON.
const LINGER_MS = 5_000;
const LINGER_BYTES = 64 * 1024 * 1024;
const EXPECTS_CONTINUE = /^100-continue$/i;

export function createApiHandler(opts: ApiHandlerOptions): ApiHandler {
  // '' for the root prefix, whose legacy endpoint is every path no other route takes.
  const base = opts.handlerPrefix.replace(/\/+$/, '');
  const methodPrefix = `${base}/`;
  const authorized = opts.insecure ? undefined : createApiKeyAuth(opts.key);
  const discardLimit = Math.max(opts.bodyLimit, LINGER_BYTES);
  const replies = new ReplyBatch();

  const send = (res: ServerResponse, status: number, headers: string[], body: string) => {
    if (res.headersSent || res.destroyed) return;
    const length = String(Buffer.byteLength(body));
    replies.send(res, status, headers.concat('content-length', length), body);
  };

  // The request is the API's: its path is the prefix or under it (as servers.ts routes it).
  const owns = (url: string, routedElsewhere: RoutedElsewhere) => {
    if (base === '') {
      const path = pathOf(url);
      return isApiName(nameOf(path, methodPrefix)) || !routedElsewhere(path);
    }
    if (!url.startsWith(base)) return false;
    const next = url.charCodeAt(base.length);
    return Number.isNaN(next) || next === SLASH || next === QUESTION;
  };

  const routeOf = (path: string): Route | undefined => {
    if (path === base) return LEGACY;
    const name = nameOf(path, methodPrefix);
    if (isApiName(name)) return name;
    return base === '' ? LEGACY : undefined;
  };

  // Everything decided before the body: the route, or the status that refuses the request.
  const precheck = (req: IncomingMessage, url: string): Route | number => {
    const q = url.indexOf('?');
    const route = routeOf(q < 0 ? url : url.slice(0, q));
    if (route === undefined) return 404;
    if (req.method !== 'POST') return 405;
    if (authorized && !authorized(req, q < 0 ? undefined : url.slice(q + 1))) return 401;
    if (Number(req.headers['content-length'] ?? 0) > opts.bodyLimit) return 413;
    return route;
  };

  const refuse = (req: IncomingMessage, res: ServerResponse, status: number) => {
    switch (status) {
      case 404:
        send(res, 404, TEXT_HEADERS, GO_NOT_FOUND);
        return;
      case 405:
        send(res, 405, ALLOW_POST, '');
        return;
      case 401:
        opts.limits.refused('api_key', 'API request refused: missing or wrong API key', () => ({
          path: pathOf(req.url ?? '/'),
          remote: req.socket.remoteAddress,
        }));
        send(res, 401, NO_HEADERS, '');
        return;
      default:
        tooLarge(req, res, false);
    }
  };

  // `reading`: the limit was passed while reading the body, not announced before it.
  const tooLarge = (req: IncomingMessage, res: ServerResponse, reading: boolean) => {
    opts.limits.hit('http_api.max_request_body_size', () => ({
      path: pathOf(req.url ?? '/'),
      remote: req.socket.remoteAddress,
      announced: req.headers['content-length'],
    }));
    const body = `Request body is too large (http_api.max_request_body_size is ${opts.bodyLimit} bytes)\n`;
    // A client waiting for `100 Continue` (servers.ts sends none to a request refused before
    // its body) sends nothing more: no reason to linger.
    const waitsForContinue = !reading && EXPECTS_CONTINUE.test(req.headers.expect ?? '');
    lingeringRefusal(req, res, body, waitsForContinue ? 0 : discardLimit);
  };

  const badBody = (res: ServerResponse, route: Route, err: RequestDecodeError) => {
    opts.limits.refused('api_bad_body', 'API request refused: bad request body', () => ({
      method: route,
      reason: err.message,
    }));
    send(res, 400, TEXT_HEADERS, `Bad Request: ${err.message}\n`);
  };

  const failed = (req: IncomingMessage, res: ServerResponse, err: unknown) => {
    opts.logger.error({ err, path: pathOf(req.url ?? '') }, 'API request failed');
    send(res, 500, TEXT_HEADERS, 'Internal Server Error\n');
  };

  const run = async (
    name: MethodName | 'batch',
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
  ) => {
    const transportMode =
      opts.errorMode === 'transport' || req.headers[ERROR_MODE_HEADER] === 'transport';
    try {
      if (name === 'batch') {
        // Batch replies carry per-command errors and are never turned into a status.
        send(res, 200, JSON_HEADERS, encodeJson(await opts.executor.batch(decodeBatchBody(body))));
        return;
      }
      const result = await opts.executor.call(name, decodeMethodBody(name, body));
      if (result.error && transportMode) {
        // Beyond Centrifugo: a 107 also says which fields were wrong (google.rpc.BadRequest).
        const error = result.violations
          ? { ...result.error, details: badRequestDetailsJson(result.violations) }
          : result.error;
        send(res, errorDef(result.error.code).httpStatus, JSON_HEADERS, encodeJson(error));
        return;
      }
      send(
        res,
        200,
        JSON_HEADERS,
        encodeJson(result.error ? { error: result.error } : { result: result.result }),
      );
    } catch (err) {
      if (err instanceof RequestDecodeError) badBody(res, name, err);
      else failed(req, res, err);
    }
  };

  // One reply line per command, in order; errors stay in the replies whatever the error mode.
  const runLegacy = async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    if (body.length === 0) {
      badBody(res, LEGACY, new RequestDecodeError('body is empty'));
      return;
    }
    let replies: string;
    try {
      replies = await runLegacyBody(opts.executor, body);
    } catch (err) {
      if (err instanceof RequestDecodeError) badBody(res, LEGACY, err);
      else failed(req, res, err);
      return;
    }
    send(res, 200, JSON_HEADERS, replies);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const verdict = precheck(req, req.url ?? '/');
    if (typeof verdict === 'number') {
      refuse(req, res, verdict);
      return;
    }
    readBody(req, opts.bodyLimit, (body) => {
      if (body === undefined) tooLarge(req, res, true);
      else if (verdict === LEGACY) void runLegacy(req, res, body);
      else void run(verdict, req, res, body);
    });
  };

  return {
    handle,
    refusesUpfront: (req, routedElsewhere) => {
      const url = req.url ?? '/';
      return owns(url, routedElsewhere) && typeof precheck(req, url) === 'number';
    },
    close: () => replies.close(),
  };
}

function isApiName(name: string): name is MethodName | 'batch' {
  return name === 'batch' || isMethod(name);
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** The method name after the prefix, percent-decoded ('' when it cannot be). */
function nameOf(path: string, prefix: string): string {
  if (!path.startsWith(prefix)) return '';
  const raw = path.slice(prefix.length);
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return '';
  }
}

/** The whole body, or undefined as soon as the bytes read pass `limit`. */
function readBody(
  req: IncomingMessage,
  limit: number,
  done: (body: Buffer | undefined) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) {
      chunks.length = 0;
      req.off('data', onData);
      req.off('end', onEnd);
      done(undefined);
      return;
    }
    chunks.push(chunk);
  };
  const onEnd = () => {
    done(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
  };
  req.on('data', onData);
  req.on('end', onEnd);
  // A client that goes away mid-body gets no answer; nothing was accepted.
  req.on('error', ignore);
}

/**
 * A refusal written before the request body was read, that still reaches the client: the
 * answer goes out whole at once, then the connection reads and drops what the client still
 * sends, and closes (`connection: close`) once the body ended, `discardLimit` more bytes came
 * (0: at once), or LINGER_MS passed. Closing with unread bytes would make the kernel reset the connection,
 * and a client still writing its body then never reads the answer (EPIPE, ECONNRESET).
 */
function lingeringRefusal(
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
  discardLimit: number,
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(413, [...CLOSE_HEADERS, 'content-length', String(Buffer.byteLength(body))]);
  // Every byte the content-length announces: the answer is complete before the close.
  res.write(body);
  let discarded = 0;
  const finish = () => {
    clearTimeout(timer);
    req.off('data', onData);
    req.off('end', finish);
    req.off('close', finish);
    res.end();
  };
  const onData = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > discardLimit) finish();
  };
  const timer = setTimeout(finish, LINGER_MS);
  req.on('data', onData);
  req.on('end', finish);
  req.on('close', finish);
  req.on('error', ignore);
  if (req.readableEnded || discardLimit === 0) finish();
}

const ignore = () => {};
