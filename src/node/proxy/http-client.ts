// One HTTP proxy endpoint: POST a JSON body, get the answer's text. As Centrifugo's Go client:
// keep-alive connections (up to 255 per endpoint, its idle pool size; more calls wait for a
// socket inside their own timeout), the proxy's timeout over the whole exchange, any status
// but 200 an error carrying the status (status_to_code_transforms may turn it into an
// answer), TLS from http.tls or the system CAs for https://. An answer over 16 MiB is an
// error rather than memory the node holds for a misbehaving backend.
import type http from 'node:http';
import https from 'node:https';
import { clientTlsOptions, type ProxyConfig } from '../config/index.ts';
import { ProxyCallError } from './proxy-errors.ts';

// Not an ES import: that would load undici (src/node/transport/http/servers.ts says why).
const nodeHttp = process.getBuiltinModule('node:http');

const MAX_SOCKETS = 255;
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

export class HttpProxyClient {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;

  /** `key` names the proxy's config section in TLS errors. */
  constructor(config: ProxyConfig, key: string) {
    this.url = new URL(config.endpoint);
    const secure = this.url.protocol === 'https:';
    const tls = secure ? clientTlsOptions(config.http.tls, `${key}.http.tls`) : undefined;
    const options = { keepAlive: true, maxSockets: MAX_SOCKETS, ...(tls ?? {}) };
    this.agent = secure ? new https.Agent(options) : new nodeHttp.Agent(options);
    this.request = secure ? https.request : nodeHttp.request;
  }

  /** The answer's text; throws ProxyCallError for a timeout, no connection, a status, a size. */
  post(
    body: string,
    headers: ReadonlyMap<string, string | string[]>,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<string> {
    return new Promise((resolve, reject) => {
      const outgoing: http.OutgoingHttpHeaders = Object.fromEntries(headers);
      outgoing['content-length'] = Buffer.byteLength(body);
      let settled = false;
      const finish = (err: Error | undefined, text?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(text as string);
      };
      const req = this.request(this.url, { method: 'POST', agent: this.agent, headers: outgoing });
      const timer = setTimeout(() => {
        finish(new ProxyCallError('timeout', `no answer within ${timeoutMs}ms`));
        req.destroy();
      }, timeoutMs);
      const onAbort = () => {
        finish(new ProxyCallError('closed', 'the client connection closed'));
        req.destroy();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (err) =>
        finish(new ProxyCallError('unreachable', err.message, { cause: err })),
      );
      req.on('response', (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          finish(
            new ProxyCallError('status', `unexpected HTTP status code: ${res.statusCode}`, {
              status: res.statusCode ?? 0,
            }),
          );
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            finish(new ProxyCallError('answer', `answer over ${MAX_ANSWER_BYTES} bytes`));
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => finish(undefined, Buffer.concat(chunks).toString('utf8')));
        res.on('error', (err) =>
          finish(new ProxyCallError('unreachable', err.message, { cause: err })),
        );
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
