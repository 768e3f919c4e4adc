// A small Kubernetes API client on node:https; credentials come from
// @kubernetes/client-node's KubeConfig (kubeconfig.ts), requests and watches do not. Why,
// checked against the library's 2.0.1 (bench/results/2026-12-01-kube-client.md measures it):
// - KubernetesObjectApi.patch sends the object through its typed models, which drop every
//   field they do not know (a Deployment's unknown spec field and container field vanish):
//   a server-side apply that loses a field releases it, and the server resets it;
// - that patch still defaults to strategic merge (415 on custom resources) and cannot reach
//   /status; the typed per-kind APIs can, one generated method per kind;
// - each generated API call builds a new undici dispatcher (applySecurityAuthentication), so
//   a new TCP and TLS connection per request: 300 GETs opened 300 connections and cost 5x the
//   client CPU and 3-5x the time of this client's, which opened none after the first;
// - its informer still stops on any error but 410 (cache.js) and asks for no bookmarks, so a
//   quiet watch is cut by the 30 s inactivity timer and reopened; 2.0.0's abort of healthy
//   watches after 30 s (PR #3022) is fixed in 2.0.1.
// Here every request states its content type, objects stay plain JSON, connections are kept
// alive, and watches have a server-side timeout plus an idle watchdog so a silently dead
// connection is noticed.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { KubeApiError } from './errors.ts';
import type { ClusterAccess } from './kubeconfig.ts';
import type { KubeObject } from './types.ts';

export const APPLY_PATCH = 'application/apply-patch+yaml';
export const MERGE_PATCH = 'application/merge-patch+json';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface WatchEvent<T = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface ObjectList<T> {
  items: T[];
  metadata: { resourceVersion?: string; continue?: string };
}

export interface ClientOptions {
  userAgent?: string;
  /** Timeout of a non-watch request (default 30 s). */
  requestTimeoutMs?: number;
}

function withQuery(path: string, query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
  const text = params.toString();
  return text === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${text}`;
}

export class KubeClient {
  readonly server: string;
  readonly #access: ClusterAccess;
  readonly #agent: HttpAgent | HttpsAgent;
  readonly #https: boolean;
  readonly #userAgent: string;
  readonly #timeoutMs: number;

  constructor(access: ClusterAccess, options: ClientOptions = {}) {
    this.#access = access;
    this.server = access.server;
    this.#https = access.server.startsWith('https:');
    this.#userAgent = options.userAgent ?? 'centrifugo-ts-operator';
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
    // No TLS material on the agent: each request brings its own (access.credentials()), and
    // the agent pools connections by it, so a rotated client certificate or CA opens new
    // connections instead of reusing ones made with the old.
    this.#agent = this.#https
      ? new HttpsAgent({ keepAlive: true })
      : new HttpAgent({ keepAlive: true });
  }

  /**
   * Sends a request and returns the response, whatever its status. A 401 reloads the
   * credentials (a rotated token, an expired exec credential) and sends once more.
   */
  async #send(method: string, path: string, options: RequestOptions): Promise<IncomingMessage> {
    const res = await this.#sendOnce(method, path, options);
    if (res.statusCode !== 401 || !this.#access.reload()) return res;
    res.resume();
    return this.#sendOnce(method, path, options);
  }

  async #sendOnce(method: string, path: string, options: RequestOptions): Promise<IncomingMessage> {
    const url = new URL(withQuery(path, options.query), this.server);
    const { headers: auth, agent, ...tls } = await this.#access.credentials();
    const headers: Record<string, string> = {
      ...auth,
      accept: 'application/json',
      'user-agent': this.#userAgent,
    };
    let payload: Buffer | undefined;
    if (options.body !== undefined) {
      payload = Buffer.from(JSON.stringify(options.body));
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const send = this.#https ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        { ...tls, method, headers, agent: agent ?? this.#agent, signal: options.signal },
        resolve,
      );
      req.on('error', reject);
      if (options.timeoutMs !== 0) {
        req.setTimeout(options.timeoutMs ?? this.#timeoutMs, () => {
          req.destroy(new Error(`${method} ${path}: no response within the request timeout`));
        });
      }
      req.end(payload);
    });
  }

  /** A JSON request; statuses >= 400 throw KubeApiError with the server's Status. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.#send(method, path, options);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const code = res.statusCode ?? 0;
    if (code >= 400) throw toApiError(method, path, code, text);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  get<T = KubeObject>(path: string, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, { signal });
  }

  list<T = KubeObject>(path: string, query?: Query, signal?: AbortSignal) {
    return this.request<ObjectList<T>>('GET', path, { query, signal });
  }

  create<T = KubeObject>(collection: string, body: unknown, fieldManager: string): Promise<T> {
    return this.request<T>('POST', collection, { body, query: { fieldManager } });
  }

  /** PUT: fails with 409 Conflict when body.metadata.resourceVersion is stale. */
  update<T = KubeObject>(path: string, body: unknown, fieldManager: string): Promise<T> {
    return this.request<T>('PUT', path, { body, query: { fieldManager } });
  }

  mergePatch<T = KubeObject>(path: string, patch: unknown, fieldManager: string): Promise<T> {
    return this.request<T>('PATCH', path, {
      body: patch,
      contentType: MERGE_PATCH,
      query: { fieldManager },
    });
  }

  /**
   * Server-side apply of the full intent (JSON is valid YAML), by default forcing ownership of
   * the fields sent: the operator is the authority on them, as the SSA docs tell controllers
   * to be. `force: false` gives 409 Conflict when another manager owns a field sent.
   */
  apply<T = KubeObject>(
    path: string,
    intent: unknown,
    fieldManager: string,
    options: { force?: boolean } = {},
  ): Promise<T> {
    return this.request<T>('PATCH', path, {
      body: intent,
      contentType: APPLY_PATCH,
      query: { fieldManager, force: options.force ?? true },
    });
  }

  delete(path: string, body?: unknown): Promise<unknown> {
    return this.request('DELETE', path, { body });
  }

  /**
   * Streams watch events to `onEvent` until the server ends the watch (its timeoutSeconds) or
   * `signal` aborts. An ERROR event (410 Gone when the resourceVersion is too old) throws a
   * KubeApiError. No bytes for `idleMs` (bookmarks included) counts as a dead connection.
   */
  async watch<T = KubeObject>(
    path: string,
    query: Query,
    onEvent: (event: WatchEvent<T>) => void,
    options: { signal?: AbortSignal; idleMs: number },
  ): Promise<void> {
    const controller = new AbortController();
    const abort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', abort, { once: true });
    let idle: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => controller.abort(new Error('watch idle')), options.idleMs);
    };
    try {
      arm();
      const res = await this.#send('GET', path, {
        query: { ...query, watch: true },
        signal: controller.signal,
        timeoutMs: 0,
      });
      const code = res.statusCode ?? 0;
      if (code >= 400) {
        const chunks: Buffer[] = [];
        for await (const chunk of res) chunks.push(chunk as Buffer);
        throw toApiError('WATCH', path, code, Buffer.concat(chunks).toString('utf8'));
      }
      let buffered = '';
      for await (const chunk of res) {
        arm();
        buffered += (chunk as Buffer).toString('utf8');
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf('\n');
          if (line === '') continue;
          const event = JSON.parse(line) as WatchEvent<T>;
          if (event.type === 'ERROR') {
            const status = event.object as unknown as Record<string, unknown>;
            throw new KubeApiError(
              'WATCH',
              path,
              Number(status.code ?? 500),
              String(status.reason ?? 'Unknown'),
              String(status.message ?? ''),
              status,
            );
          }
          onEvent(event);
        }
      }
    } finally {
      clearTimeout(idle);
      options.signal?.removeEventListener('abort', abort);
      controller.abort();
    }
  }

  /** Whether the API server serves `plural` in `groupVersion` (e.g. monitoring.coreos.com/v1). */
  async serves(groupVersion: string, plural: string): Promise<boolean> {
    try {
      const list = await this.get<{ resources?: { name: string }[] }>(
        groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`,
      );
      return (list.resources ?? []).some((r) => r.name === plural);
    } catch (err) {
      if (err instanceof KubeApiError && err.code === 404) return false;
      throw err;
    }
  }

  close(): void {
    this.#agent.destroy();
  }
}

function toApiError(method: string, path: string, code: number, text: string): KubeApiError {
  let status: Record<string, unknown> | undefined;
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    if (parsed.kind === 'Status') status = parsed;
  } catch {}
  const reason = typeof status?.reason === 'string' ? status.reason : `HTTP${code}`;
  const message = typeof status?.message === 'string' ? status.message : text.slice(0, 500);
  return new KubeApiError(method, path, code, reason, message, status);
}
