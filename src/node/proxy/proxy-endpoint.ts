// One configured proxy serving one event type (connect, subscribe, ...): it encodes the
// request for its protocol, picks the headers to forward, calls the backend, decodes the
// answer, and keeps Centrifugo's metrics (centrifugo_proxy_duration_seconds and its
// _histogram, centrifugo_proxy_errors, centrifugo_proxy_inflight_requests, labelled
// {protocol, type, name}). A failed call is counted, logged with the proxy's name (one line
// per proxy, event and cause a minute: a backend down would otherwise write a line per
// client command), and thrown as ProxyCallError; a call the client left is neither.
import type { ProxyConfig, StatusTransformConfig } from '../config/index.ts';
import type { Logger, NodeMetrics, RateLimitedLog } from '../observability/index.ts';
import type { GrpcMethod, GrpcProxyClient } from './grpc-client.ts';
import type { HttpProxyClient } from './http-client.ts';
import { ProxyCallError } from './proxy-errors.ts';
import { decodeResponseJson, encodeRequestJson } from './proxy-json.ts';
import * as M from './proxy-messages.ts';
import {
  grpcMetadata,
  type HeaderRules,
  type HeaderSource,
  headerRules,
  httpHeaders,
} from './request-headers.ts';

export type ProxyType =
  | 'connect'
  | 'refresh'
  | 'subscribe'
  | 'publish'
  | 'rpc'
  | 'sub_refresh'
  | 'subscribe_stream';

export type UnaryType = Exclude<ProxyType, 'subscribe_stream'>;

/** The service method and messages of each unary event. */
export const METHODS: Readonly<Record<UnaryType, GrpcMethod>> = {
  connect: { name: 'Connect', request: M.ConnectRequest, response: M.ConnectResponse },
  refresh: { name: 'Refresh', request: M.RefreshRequest, response: M.RefreshResponse },
  subscribe: { name: 'Subscribe', request: M.SubscribeRequest, response: M.SubscribeResponse },
  publish: { name: 'Publish', request: M.PublishRequest, response: M.PublishResponse },
  rpc: { name: 'RPC', request: M.RPCRequest, response: M.RPCResponse },
  sub_refresh: { name: 'SubRefresh', request: M.SubRefreshRequest, response: M.SubRefreshResponse },
};

/** The connection a call is made for: what goes to the backend besides the event. */
export interface CallContext extends HeaderSource {
  /** Aborted when the client connection closes: the call is dropped, not counted. */
  signal?: AbortSignal | undefined;
}

/** The transport of a proxy, shared by every event type that uses the same proxy. */
export type ProxyTransport =
  | { protocol: 'http'; client: HttpProxyClient }
  | { protocol: 'grpc'; client: GrpcProxyClient };

export interface EndpointDeps {
  metrics: NodeMetrics;
  logger: Logger;
  /** The node's one log limiter of proxy failures. */
  log: RateLimitedLog;
}

type Obj = Record<string, unknown>;

export class ProxyEndpoint {
  /** The metrics' and logs' name: "default" or the proxies[] item's name. */
  readonly name: string;
  readonly type: ProxyType;
  readonly protocol: 'http' | 'grpc';
  /** Payloads go as base64 in b64data (binary_encoding). */
  readonly binary: boolean;
  /** The connection meta goes with each call (include_connection_meta). */
  readonly includeMeta: boolean;
  readonly timeoutMs: number;
  protected readonly transport: ProxyTransport;
  protected readonly rules: HeaderRules;
  protected readonly deps: EndpointDeps;
  private readonly transforms: readonly StatusTransformConfig[];
  private readonly labels: { protocol: string; type: string; name: string };

  constructor(
    type: ProxyType,
    name: string,
    config: ProxyConfig,
    timeoutMs: number,
    transport: ProxyTransport,
    deps: EndpointDeps,
  ) {
    this.type = type;
    this.name = name;
    this.protocol = transport.protocol;
    this.binary = config.binary_encoding;
    this.includeMeta = config.include_connection_meta;
    this.timeoutMs = timeoutMs;
    this.transport = transport;
    this.rules = headerRules(config);
    this.transforms = config.http.status_to_code_transforms;
    this.deps = deps;
    this.labels = { protocol: this.protocol, type, name };
    // The series exist from the start, at zero, as Centrifugo's handlers create them.
    deps.metrics.proxyDuration.labels(this.labels);
    deps.metrics.proxyDurationHistogram.labels(this.labels);
    deps.metrics.proxyErrors.labels(this.labels).inc(0);
    deps.metrics.proxyInflight.labels(this.labels).set(0);
  }

  /** Whether this proxy forwards emulated headers at all (connections keep them if so). */
  get forwardsEmulated(): boolean {
    return this.rules.emulated.size > 0;
  }

  /** One call of this endpoint's event: the backend's answer, or ProxyCallError. */
  async call<R>(request: Obj, ctx: CallContext): Promise<M.ProxyResponse<R>> {
    const { metrics } = this.deps;
    const started = process.hrtime.bigint();
    const inflight = metrics.proxyInflight.labels(this.labels);
    inflight.inc();
    try {
      const answer = await this.exchange(request, ctx);
      this.observe(started);
      return answer as M.ProxyResponse<R>;
    } catch (err) {
      const failure =
        err instanceof ProxyCallError
          ? err
          : new ProxyCallError('answer', (err as Error).message, { cause: err });
      if (failure.kind === 'closed' || ctx.signal?.aborted) throw failure;
      this.failed(started, failure);
      throw failure;
    } finally {
      inflight.dec();
    }
  }

  /** Counts and logs a failure of a call made outside call() (a stream's first answer). */
  protected failed(started: bigint, failure: ProxyCallError): void {
    this.observe(started);
    this.deps.metrics.proxyErrors.labels(this.labels).inc();
    this.deps.log.error(
      `${this.type}:${this.name}:${failure.kind}`,
      `error proxying ${this.type.replace('_', ' ')}`,
      () => ({ proxy: this.name, type: this.type, kind: failure.kind, reason: failure.message }),
    );
  }

  protected observe(started: bigint): void {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.deps.metrics.proxyDuration.labels(this.labels).observe(seconds);
    this.deps.metrics.proxyDurationHistogram.labels(this.labels).observe(seconds);
  }

  protected hintDropped(dropped: string[]): void {
    if (dropped.length === 0) return;
    this.deps.log.info(
      'emulated-headers-dropped',
      'client sent emulation headers matching http_headers but not emulated_headers - not forwarded to proxy (since v6.9.0); values are client-controlled',
      () => ({ headers: dropped }),
    );
  }

  private async exchange(request: Obj, ctx: CallContext): Promise<Obj> {
    const method = METHODS[this.type as UnaryType];
    if (this.transport.protocol === 'grpc') {
      const { headers, droppedEmulated } = grpcMetadata(this.rules, ctx);
      this.hintDropped(droppedEmulated);
      return this.transport.client.unary(method, request, headers, this.timeoutMs, ctx.signal);
    }
    let body: string;
    try {
      body = encodeRequestJson(method.request, request);
    } catch (err) {
      throw new ProxyCallError('request', (err as Error).message, { cause: err });
    }
    const { headers, droppedEmulated } = httpHeaders(this.rules, ctx);
    this.hintDropped(droppedEmulated);
    let text: string;
    try {
      text = await this.transport.client.post(body, headers, this.timeoutMs, ctx.signal);
    } catch (err) {
      const transformed = err instanceof ProxyCallError ? this.transformed(err) : undefined;
      if (transformed) return transformed;
      throw err;
    }
    try {
      return decodeResponseJson(method.response, text);
    } catch (err) {
      throw new ProxyCallError(
        'answer',
        `answer is not a ${method.response.name}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  /** status_to_code_transforms: an HTTP status that stands for an error or a disconnect. */
  private transformed(err: ProxyCallError): Obj | undefined {
    if (err.kind !== 'status') return undefined;
    const t = this.transforms.find((x) => x.status_code === err.status);
    if (t === undefined) return undefined;
    if (t.to_error.code > 0) {
      return {
        error: {
          code: t.to_error.code,
          message: t.to_error.message,
          temporary: t.to_error.temporary,
        },
      };
    }
    if (t.to_disconnect.code > 0) {
      return { disconnect: { code: t.to_disconnect.code, reason: t.to_disconnect.reason } };
    }
    return undefined;
  }
}
