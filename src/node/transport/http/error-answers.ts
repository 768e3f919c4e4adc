// The one error path of a listener's fastify routes (servers.ts), in the shape of Go's
// http.Error, which every Centrifugo handler uses: a status, text/plain, the status text.
// The raw routes (raw-route.ts) answer their own refusals in the same shape (api-handler.ts);
// what fastify itself refuses before a route runs comes here too: a body over the route's
// limit (counted as the limit it hit), a URL it cannot decode (as Go's server: 400, close).
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../observability/index.ts';
import type { HttpLimits } from './http-limits.ts';
import { GO_TEXT_HEADERS } from './plain-answers.ts';

// node:http as CommonJS has it (servers.ts says why).
const { STATUS_CODES } = process.getBuiltinModule('node:http');

export function errorAnswers(limits: HttpLimits, logger: Logger) {
  return {
    /** fastify's setErrorHandler: what a route threw or fastify refused for it. */
    onError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
      const status = err.statusCode ?? 500;
      if (status === 413) {
        limits.hit('http_api.max_request_body_size', () => ({
          path: req.url,
          remote: req.ip,
          announced: req.headers['content-length'],
        }));
        void reply.code(413).headers({ ...GO_TEXT_HEADERS, connection: 'close' });
        void reply.send('Request body is too large\n');
        return;
      }
      if (status >= 500) logger.error({ err, path: req.url }, 'HTTP request failed');
      else limits.refused(err.code ?? 'http_refused', `HTTP request refused: ${err.message}`);
      const answered = Math.min(status, 500);
      void reply.code(answered).headers(GO_TEXT_HEADERS);
      void reply.send(`${STATUS_CODES[answered] ?? 'Error'}\n`);
    },
    /** fastify's frameworkErrors: a path it cannot percent-decode, answered as Go's server. */
    onFrameworkError(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
      limits.refused('malformed_url', `HTTP request refused: ${err.message}`);
      void reply.code(400).headers({ ...GO_TEXT_HEADERS, connection: 'close' });
      void reply.send('400 Bad Request');
    },
  };
}
