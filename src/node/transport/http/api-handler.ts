// POST <http_api.handler_prefix>/<method>: the HTTP server API. It frames bytes only: key
// check, method routing, body to request, response to JSON, and the transport error mode.
// Every decision about a command belongs to the ApiExecutor.
//
// It runs on node's http server directly, ahead of fastify (servers.ts): fastify's routing,
// hooks, content-type parsing and reply objects were a tenth of the CPU of a publish
// (bench/results/2026-12-01-ab-api-raw-http.md), and the API needs none of them. What
// fastify did for it is kept: 413 before reading an announced body over the limit, 503
// while the node closes, the same answers byte for byte otherwise.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { ApiExecutor, MethodName } from '../../api/index.ts';
import {
  badRequestDetailsJson,
  decodeBatchBody,
  decodeMethodBody,
  encodeJson,
  isMethod,
  RequestDecodeError,
} from '../../api/index.ts';
import { createApiKeyCheck, extractApiKey } from '../../auth/index.ts';
import { errorDef } from '../../core/index.ts';
import type { Logger } from '../../observability/index.ts';

export interface ApiHandlerOptions {
  executor: ApiExecutor;
  handlerPrefix: string;
  key: string;
  insecure: boolean;
  /** `transport`: errors as HTTP statuses for every request, not only those asking for it. */
  errorMode: '' | 'transport';
  bodyLimit: number;
  logger: Logger;
}

export interface ApiHandler {
  /** The request is the API's: its path is under the prefix. */
  owns(url: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** The node is shutting down: requests from now on get 503. */
  close(): void;
}

const ERROR_MODE_HEADER = 'x-centrifugo-error-mode';
const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain';

export function createApiHandler(opts: ApiHandlerOptions): ApiHandler {
  const prefix = `${opts.handlerPrefix.replace(/\/+$/, '')}/`;
  const keyMatches = createApiKeyCheck(opts.key);
  let closing = false;

  const pathOf = (url: string) => {
    const q = url.indexOf('?');
    return q < 0 ? url : url.slice(0, q);
  };
  // Under the root prefix only the API's own names are the API's, so that the node's other
  // routes (health, metrics, WebSocket) stay reachable.
  const owns = (url: string) =>
    url.startsWith(prefix) && (prefix !== '/' || isApiName(nameOf(pathOf(url), prefix)));

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
        send(res, 200, JSON_TYPE, encodeJson(await opts.executor.batch(decodeBatchBody(body))));
        return;
      }
      const result = await opts.executor.call(name, decodeMethodBody(name, body));
      if (result.error && transportMode) {
        // Beyond Centrifugo: a 107 also says which fields were wrong (google.rpc.BadRequest).
        const error = result.violations
          ? { ...result.error, details: badRequestDetailsJson(result.violations) }
          : result.error;
        send(res, errorDef(result.error.code).httpStatus, JSON_TYPE, encodeJson(error));
        return;
      }
      send(
        res,
        200,
        JSON_TYPE,
        encodeJson(result.error ? { error: result.error } : { result: result.result }),
      );
    } catch (err) {
      if (err instanceof RequestDecodeError) {
        opts.logger.warn(
          { method: name, reason: err.message },
          'API request refused: bad request body',
        );
        send(res, 400, TEXT_TYPE, `Bad Request: ${err.message}\n`);
        return;
      }
      opts.logger.error({ err, path: pathOf(req.url ?? '') }, 'API request failed');
      send(res, 500, TEXT_TYPE, 'Internal Server Error\n');
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const path = pathOf(url);
    if (closing) {
      send(res, 503, TEXT_TYPE, 'Service Unavailable: the node is shutting down\n', {
        connection: 'close',
      });
      return;
    }
    if (!opts.insecure) {
      const q = url.indexOf('?');
      const given = extractApiKey(req.headers, q < 0 ? undefined : parseQuery(url.slice(q + 1)));
      if (!keyMatches(given)) {
        opts.logger.warn(
          { path, remote: req.socket.remoteAddress, keyGiven: given !== undefined },
          'API request refused: missing or wrong API key',
        );
        send(res, 401, undefined, '');
        return;
      }
    }
    const name = nameOf(path, prefix);
    if (!isApiName(name)) {
      send(res, 404, TEXT_TYPE, '404 page not found\n');
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, TEXT_TYPE, 'Method Not Allowed\n', { allow: 'POST' });
      return;
    }
    readBody(req, opts.bodyLimit, (body) => {
      if (body === undefined) {
        opts.logger.warn({ path, reason: 'Request body is too large' }, 'API request refused');
        send(
          res,
          413,
          TEXT_TYPE,
          `Request body is too large (http_api.max_request_body_size is ${opts.bodyLimit} bytes)\n`,
          // The rest of the body is not read: the connection cannot carry another request.
          { connection: 'close' },
        );
        return;
      }
      void run(name, req, res, body);
    });
  };

  return {
    owns,
    handle,
    close: () => {
      closing = true;
    },
  };
}

function isApiName(name: string): name is MethodName | 'batch' {
  return name === 'batch' || isMethod(name);
}

/** The method name after the prefix, percent-decoded ('' when it cannot be). */
function nameOf(path: string, prefix: string): string {
  const raw = path.slice(prefix.length);
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return '';
  }
}

/**
 * The whole body, or undefined past `limit` bytes: refused from Content-Length alone when
 * it announces more, else as soon as the bytes read pass it.
 */
function readBody(
  req: IncomingMessage,
  limit: number,
  done: (body: Buffer | undefined) => void,
): void {
  const announced = Number(req.headers['content-length'] ?? 0);
  if (announced > limit) {
    done(undefined);
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (chunk: Buffer) => {
    if (over) return;
    size += chunk.length;
    if (size > limit) {
      over = true;
      chunks.length = 0;
      done(undefined);
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (over) return;
    done(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
  });
  // A client that goes away mid-body gets no answer; nothing was accepted.
  req.on('error', ignore);
}

const ignore = () => {};

function send(
  res: ServerResponse,
  status: number,
  contentType: string | undefined,
  body: string,
  extra?: Record<string, string>,
): void {
  if (res.headersSent || res.destroyed) return;
  // A flat list (name, value, ...), which node writes without walking an object.
  const headers: string[] = [];
  if (extra) for (const name of Object.keys(extra)) headers.push(name, extra[name] as string);
  if (contentType !== undefined) headers.push('content-type', contentType);
  headers.push('content-length', String(Buffer.byteLength(body)));
  replyLater(res, status, headers, body);
}

// Replies wait for the end of the loop turn that read their requests, then go out together.
// Answering each request as it is read interleaves one write with every read, and each write
// wakes the client alone; writing them after all the reads of the turn lets the kernel and the
// clients work in bursts: 1.8x the publishes per core at saturation, for at most one turn of
// latency (bench/results/2026-12-01-ab-api-reply-batch.md).
interface Reply {
  res: ServerResponse;
  status: number;
  headers: string[];
  body: string;
}
let replies: Reply[] = [];

function replyLater(res: ServerResponse, status: number, headers: string[], body: string): void {
  if (replies.push({ res, status, headers, body }) === 1) setImmediate(writeReplies);
}

function writeReplies(): void {
  const batch = replies;
  replies = [];
  for (const { res, status, headers, body } of batch) {
    if (res.destroyed) continue;
    res.writeHead(status, headers);
    res.end(body);
  }
}
