// The node's proxies, built once from the config as Centrifugo builds its proxy map: the
// connect and refresh proxies when enabled, and for each channel event and RPC the proxies
// that some option enabling it names ("default" is the event's own section, channel.proxy.
// <event> or rpc.proxy; another name a proxies[] item). Endpoints of one proxy share one
// HTTP agent or gRPC channel, whichever events use it. The owner of every socket to the
// backends: close() ends them. @grpc/grpc-js is loaded only when a proxy is a gRPC one.
import {
  type Config,
  DEFAULT_PROXY_NAME,
  durationMs,
  type ProxyConfig,
  proxyNameOf,
} from '../config/index.ts';
import type { Logger, NodeMetrics } from '../observability/index.ts';
import { RateLimitedLog } from '../observability/index.ts';
import type { GrpcProxyClient } from './grpc-client.ts';
import { HttpProxyClient } from './http-client.ts';
import {
  type EndpointDeps,
  ProxyEndpoint,
  type ProxyTransport,
  type ProxyType,
  type UnaryType,
} from './proxy-endpoint.ts';
import { StreamProxyEndpoint } from './stream-endpoint.ts';

/** A proxy's timeout; zero is Centrifugo's default, 1s, as its zero-filled keys are. */
const DEFAULT_TIMEOUT_MS = 1000;

type ChannelEvent = 'subscribe' | 'publish' | 'sub_refresh' | 'subscribe_stream';
const CHANNEL_EVENTS: readonly ChannelEvent[] = [
  'subscribe',
  'publish',
  'sub_refresh',
  'subscribe_stream',
];

/** One endpoint to build: an event type, the proxy's name, its settings and config key. */
interface Plan {
  type: ProxyType;
  name: string;
  proxy: ProxyConfig;
  key: string;
}

/** The endpoints the config enables, once per event type and proxy name. */
function planOf(config: Config): Plan[] {
  const plans: Plan[] = [];
  const add = (type: ProxyType, name: string, section: ProxyConfig, sectionKey: string) => {
    if (plans.some((p) => p.type === type && p.name === name)) return;
    const index = config.proxies.findIndex((p) => p.name === name);
    const named = config.proxies[index];
    // config/proxy-check.ts refused names that are neither.
    if (name === DEFAULT_PROXY_NAME || named === undefined) {
      plans.push({ type, name, proxy: section, key: sectionKey });
    } else {
      plans.push({ type, name, proxy: named, key: `proxies.${index}` });
    }
  };
  const { connect, refresh } = config.client.proxy;
  if (connect.enabled) add('connect', DEFAULT_PROXY_NAME, connect, 'client.proxy.connect');
  if (refresh.enabled) add('refresh', DEFAULT_PROXY_NAME, refresh, 'client.proxy.refresh');
  for (const o of [config.channel.without_namespace, ...config.channel.namespaces]) {
    for (const event of CHANNEL_EVENTS) {
      if (!o[`${event}_proxy_enabled`]) continue;
      const name = proxyNameOf(o[`${event}_proxy_name`]);
      add(event, name, config.channel.proxy[event], `channel.proxy.${event}`);
    }
  }
  for (const o of [config.rpc.without_namespace, ...config.rpc.namespaces]) {
    if (o.proxy_enabled) add('rpc', proxyNameOf(o.proxy_name), config.rpc.proxy, 'rpc.proxy');
  }
  return plans;
}

const isHttp = (proxy: ProxyConfig) => /^https?:\/\//i.test(proxy.endpoint);

export class ProxySet {
  readonly connect: ProxyEndpoint | undefined;
  readonly refresh: ProxyEndpoint | undefined;
  /** Some proxy forwards emulated headers: connections keep their connect `headers`. */
  readonly usesEmulatedHeaders: boolean;
  private readonly endpoints = new Map<ProxyType, Map<string, ProxyEndpoint>>();
  private readonly transports = new Map<ProxyConfig, ProxyTransport>();
  private readonly deps: EndpointDeps;
  private readonly grpc: typeof GrpcProxyClient | undefined;

  /** The proxies of a config; loads the gRPC client only when one of them needs it. */
  static async create(
    config: Config,
    deps: { metrics: NodeMetrics; logger: Logger },
  ): Promise<ProxySet> {
    const plans = planOf(config);
    const grpc = plans.some((p) => !isHttp(p.proxy))
      ? (await import('./grpc-client.ts')).GrpcProxyClient
      : undefined;
    return new ProxySet(plans, deps, grpc);
  }

  /** A set without proxies, for a session made outside a node (tests). */
  static none(deps: { metrics: NodeMetrics; logger: Logger }): ProxySet {
    return new ProxySet([], deps, undefined);
  }

  private constructor(
    plans: Plan[],
    deps: { metrics: NodeMetrics; logger: Logger },
    grpc: typeof GrpcProxyClient | undefined,
  ) {
    const logger = deps.logger.child({ component: 'proxy' });
    this.deps = { metrics: deps.metrics, logger, log: new RateLimitedLog(logger) };
    this.grpc = grpc;
    for (const plan of plans) {
      const e = this.build(plan);
      logger.info({ type: e.type, proxy: e.name, protocol: e.protocol }, `${e.type} proxy enabled`);
    }
    this.connect = this.endpoints.get('connect')?.get(DEFAULT_PROXY_NAME);
    this.refresh = this.endpoints.get('refresh')?.get(DEFAULT_PROXY_NAME);
    const all = [...this.endpoints.values()].flatMap((m) => [...m.values()]);
    this.usesEmulatedHeaders = all.some((e) => e.forwardsEmulated);
  }

  /** The endpoint of an event and proxy name, when some option enables it. */
  endpoint(type: UnaryType, name: string): ProxyEndpoint | undefined {
    return this.endpoints.get(type)?.get(proxyNameOf(name));
  }

  stream(name: string): StreamProxyEndpoint | undefined {
    return this.endpoints.get('subscribe_stream')?.get(proxyNameOf(name)) as
      | StreamProxyEndpoint
      | undefined;
  }

  /** Whether any event of this type has a proxy (Centrifugo registers no handler otherwise). */
  has(type: ProxyType): boolean {
    return (this.endpoints.get(type)?.size ?? 0) > 0;
  }

  close(): void {
    for (const t of this.transports.values()) t.client.close();
    this.transports.clear();
  }

  private build({ type, name, proxy, key }: Plan): ProxyEndpoint {
    const timeoutMs = durationMs(proxy.timeout) || DEFAULT_TIMEOUT_MS;
    const transport = this.transportOf(proxy, key);
    const endpoint =
      type === 'subscribe_stream'
        ? new StreamProxyEndpoint(type, name, proxy, timeoutMs, transport, this.deps)
        : new ProxyEndpoint(type, name, proxy, timeoutMs, transport, this.deps);
    let byName = this.endpoints.get(type);
    if (byName === undefined) {
      byName = new Map();
      this.endpoints.set(type, byName);
    }
    byName.set(name, endpoint);
    return endpoint;
  }

  private transportOf(proxy: ProxyConfig, key: string): ProxyTransport {
    let transport = this.transports.get(proxy);
    if (transport === undefined) {
      if (isHttp(proxy)) {
        transport = { protocol: 'http', client: new HttpProxyClient(proxy, key) };
      } else {
        if (this.grpc === undefined) throw new Error('gRPC proxy client not loaded');
        transport = { protocol: 'grpc', client: new this.grpc(proxy, key) };
      }
      this.transports.set(proxy, transport);
    }
    return transport;
  }
}
