// What the node's HTTP listeners do when a client hits one of their limits: count it in
// /metrics (centrifugo_http_limit_hits_total, labelled by the config key that sets the limit),
// log the cause once per interval rather than once per request, and answer what can still be
// answered. One per node, shared by its listeners.
import type { Socket } from 'node:net';
import type { Logger, NodeMetrics } from '../../observability/index.ts';
import { RateLimitedLog } from '../../observability/index.ts';

export type HttpLimit =
  | 'http_server.read_header_timeout'
  | 'http_server.read_timeout'
  | 'http_api.max_request_body_size'
  | 'max_header_size';

const WHY: Record<HttpLimit, string> = {
  'http_server.read_header_timeout':
    'HTTP connection closed: request headers did not arrive within http_server.read_header_timeout',
  'http_server.read_timeout':
    'HTTP connection closed: request body did not arrive within http_server.read_timeout',
  'http_api.max_request_body_size': 'API request refused: body over http_api.max_request_body_size',
  max_header_size: 'HTTP request refused: headers over 16 KiB (431)',
};

// The answers node itself gives to a request it cannot parse or that timed out, written only
// when nothing of another response went out on that socket yet.
const TIMEOUT_ANSWER =
  'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
const TOO_LARGE_HEADERS_ANSWER =
  'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
const BAD_REQUEST_ANSWER =
  'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

interface ParsingSocket extends Socket {
  /** node's parser of this connection; `incoming` is the request whose headers completed. */
  parser?: { incoming?: { complete: boolean } | null } | null;
  _httpMessage?: { headersSent: boolean } | null;
}

export class HttpLimits {
  private readonly metrics: NodeMetrics;
  private readonly log: RateLimitedLog;

  constructor(metrics: NodeMetrics, logger: Logger) {
    this.metrics = metrics;
    this.log = new RateLimitedLog(logger);
  }

  /** A limit was hit: counted always, logged once per interval with the fields of that hit. */
  hit(limit: HttpLimit, fields?: () => Record<string, unknown>): void {
    this.metrics.httpLimitHits.inc({ limit });
    this.log.warn(limit, WHY[limit], fields);
  }

  /** A refusal that is no limit (a wrong key, a body that is not JSON): logged, not counted. */
  refused(cause: string, msg: string, fields?: () => Record<string, unknown>): void {
    this.log.warn(cause, msg, fields);
  }

  /**
   * The listeners' `clientError` handler (fastify's clientErrorHandler option): node reports
   * here a request that timed out (read_header_timeout before its headers completed,
   * read_timeout after) and one it could not parse.
   */
  readonly onClientError = (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const s = socket as ParsingSocket;
    let answer = BAD_REQUEST_ANSWER;
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      const incoming = s.parser?.incoming;
      const limit =
        incoming && !incoming.complete
          ? 'http_server.read_timeout'
          : 'http_server.read_header_timeout';
      this.hit(limit, () => ({ remote: socket.remoteAddress }));
      answer = TIMEOUT_ANSWER;
    } else if (err.code === 'HPE_HEADER_OVERFLOW') {
      this.hit('max_header_size', () => ({ remote: socket.remoteAddress }));
      answer = TOO_LARGE_HEADERS_ANSWER;
    } else {
      this.refused('malformed_http', 'HTTP request refused: not valid HTTP/1.1', () => ({
        remote: socket.remoteAddress,
        reason: err.code ?? err.message,
      }));
    }
    if (socket.writable && !s._httpMessage?.headersSent) socket.write(answer);
    socket.destroy(err);
  };
}
