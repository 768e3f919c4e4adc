// POST <http_api.handler_prefix>/<method>: the HTTP server API. This plugin frames
// bytes only: key check, method routing, body to request, response to JSON, and the
// transport error mode. Every decision about a command belongs to the ApiExecutor.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiExecutor } from '../../api/index.ts';
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

export interface ApiPluginOptions {
  executor: ApiExecutor;
  /** Not `prefix`: fastify would read that as a route prefix for the plugin. */
  handlerPrefix: string;
  key: string;
  insecure: boolean;
  /** `transport`: errors as HTTP statuses for every request, not only those asking for it. */
  errorMode: '' | 'transport';
  bodyLimit: number;
  logger: Logger;
}

const ERROR_MODE_HEADER = 'x-centrifugo-error-mode';

export async function apiPlugin(app: FastifyInstance, opts: ApiPluginOptions): Promise<void> {
  // The API reads any content type (curl -d sends form encoding) as raw bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: opts.bodyLimit },
    (_req, body, done) => {
      done(null, body);
    },
  );

  const keyMatches = createApiKeyCheck(opts.key);
  app.addHook('onRequest', async (req, reply) => {
    if (opts.insecure) return;
    const given = extractApiKey(req.headers, req.query as Record<string, unknown>);
    if (!keyMatches(given)) {
      opts.logger.warn(
        { path: req.url.split('?')[0], remote: req.ip, keyGiven: given !== undefined },
        'API request refused: missing or wrong API key',
      );
      return reply.code(401).send();
    }
  });

  // Framework-level refusals (body too large, broken transfer) answer like our own 4xx:
  // plain text, logged once, never a 5xx for something the client sent.
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      opts.logger.warn({ path: req.url.split('?')[0], reason: err.message }, 'API request refused');
      const hint =
        status === 413 ? ` (http_api.max_request_body_size is ${opts.bodyLimit} bytes)` : '';
      return reply.code(status).type('text/plain').send(`${err.message}${hint}\n`);
    }
    opts.logger.error({ err, path: req.url.split('?')[0] }, 'API request failed');
    return reply.code(500).type('text/plain').send('Internal Server Error\n');
  });

  const prefix = opts.handlerPrefix.replace(/\/+$/, '');
  app.all(`${prefix}/*`, async (req: FastifyRequest, reply: FastifyReply) => {
    const name = (req.params as { '*': string })['*'];
    if (name !== 'batch' && !isMethod(name)) {
      return reply.code(404).type('text/plain').send('404 page not found\n');
    }
    if (req.method !== 'POST') {
      return reply
        .code(405)
        .header('allow', 'POST')
        .type('text/plain')
        .send('Method Not Allowed\n');
    }
    const body = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
    const transportMode =
      opts.errorMode === 'transport' || req.headers[ERROR_MODE_HEADER] === 'transport';
    try {
      if (name === 'batch') {
        // Batch replies carry per-command errors and are never turned into a status.
        return sendJson(reply, 200, await opts.executor.batch(decodeBatchBody(body)));
      }
      const res = await opts.executor.call(name, decodeMethodBody(name, body));
      if (res.error && transportMode) {
        // Beyond Centrifugo: a 107 also says which fields were wrong (google.rpc.BadRequest).
        const body = res.violations
          ? { ...res.error, details: badRequestDetailsJson(res.violations) }
          : res.error;
        return sendJson(reply, errorDef(res.error.code).httpStatus, body);
      }
      return sendJson(reply, 200, res.error ? { error: res.error } : { result: res.result });
    } catch (err) {
      if (err instanceof RequestDecodeError) {
        opts.logger.warn(
          { method: name, reason: err.message },
          'API request refused: bad request body',
        );
        return reply.code(400).type('text/plain').send(`Bad Request: ${err.message}\n`);
      }
      throw err;
    }
  });
}

function sendJson(reply: FastifyReply, status: number, value: unknown): FastifyReply {
  return reply.code(status).type('application/json').send(encodeJson(value));
}
