// Centrifugo's checks of the proxy keys (its config validation and proxy map building), with
// its wording after the key: proxy names, endpoints and timeouts of the proxies in use, the
// names channel and RPC options give, status transforms, and the subscribe stream proxy's
// limits. Beyond Centrifugo: an enabled RPC proxy needs an endpoint (Centrifugo starts and
// fails every call), and an endpoint is http://, https://, grpc:// or host:port.
import { parseDuration } from './duration.ts';
import { ConfigError } from './errors.ts';
import type { ProxyConfig, StatusTransformConfig } from './proxy-schema.ts';
import type { ChannelOptions, Config } from './schema.ts';

/** The name a channel or RPC option uses for the proxy of its own section. */
export const DEFAULT_PROXY_NAME = 'default';
const PROXY_NAME = /^[-a-zA-Z0-9_.]{2,}$/;
const NAME = PROXY_NAME;
/** Centrifugo's limit, from the longest reason a WebSocket close frame carries. */
const REASON_MAX = 123;

const fail = (key: string, message: string): never => {
  throw new ConfigError(`config key "${key}": ${message}`, key);
};

export function checkProxies(config: Config): void {
  const { connect, refresh } = config.client.proxy;
  if (connect.enabled) checkProxy(connect, 'client.proxy.connect');
  if (refresh.enabled) checkProxy(refresh, 'client.proxy.refresh');

  const names = new Set<string>();
  config.proxies.forEach((p, i) => {
    const at = `proxies.${i}`;
    if (names.has(p.name))
      fail(`${at}.name`, `duplicate proxy name in channel.named_proxies: ${p.name}`);
    if (!PROXY_NAME.test(p.name)) {
      fail(
        `${at}.name`,
        `invalid proxy name: ${p.name}, must match ${PROXY_NAME.source} regular expression`,
      );
    }
    checkProxy(p, at);
    names.add(p.name);
  });
  if (names.has(DEFAULT_PROXY_NAME)) {
    fail('proxies', `proxy name ${DEFAULT_PROXY_NAME} is reserved`);
  }

  checkChannelProxies(config, config.channel.without_namespace, 'channel.without_namespace', names);
  config.channel.namespaces.forEach((ns, i) => {
    checkChannelProxies(config, ns, `channel.namespaces.${i}`, names);
  });

  const rpcSeen = new Set<string>();
  checkRpcOptions(config, config.rpc.without_namespace, 'rpc.without_namespace', names);
  config.rpc.namespaces.forEach((ns, i) => {
    const at = `rpc.namespaces.${i}`;
    if (!NAME.test(ns.name)) {
      fail(
        `${at}.name`,
        `invalid rpc namespace name – ${ns.name} (must match ${NAME.source} regular expression)`,
      );
    }
    if (rpcSeen.has(ns.name)) fail(`${at}.name`, `rpc namespace name must be unique: ${ns.name}`);
    rpcSeen.add(ns.name);
    checkRpcOptions(config, ns, at, names);
  });
}

function checkProxy(p: ProxyConfig, at: string): void {
  if (p.endpoint === '') fail(`${at}.endpoint`, 'endpoint not set');
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(p.endpoint)?.[1]?.toLowerCase();
  if (scheme !== undefined && !['http', 'https', 'grpc'].includes(scheme)) {
    fail(`${at}.endpoint`, `endpoint must be http://, https://, grpc:// or host:port`);
  }
  if ((parseDuration(p.timeout) ?? 0) < 0) fail(`${at}.timeout`, 'timeout must not be negative');
  p.http.status_to_code_transforms.forEach((t, i) => {
    checkTransform(t, `${at}.http.status_to_code_transforms.${i}`, i);
  });
}

function checkTransform(t: StatusTransformConfig, at: string, i: number): void {
  const where = `status_to_code_transforms[${i}]`;
  if (t.status_code === 0) fail(`${at}.status_code`, `status_code should be set in ${where}`);
  if (t.to_disconnect.code === 0 && t.to_error.code === 0) {
    fail(at, `no error or disconnect code set in ${where}`);
  }
  if (t.to_disconnect.code > 0 && t.to_error.code > 0) {
    fail(at, `only error or disconnect code can be set in ${where}, but not both`);
  }
  if (!isAscii(t.to_disconnect.reason)) fail(at, `${where} disconnect reason must be ASCII`);
  if (!isAscii(t.to_error.message)) fail(at, `${where} error message must be ASCII`);
  if (t.to_error.message.length > REASON_MAX) {
    fail(at, `${where} item error message can be up to ${REASON_MAX} characters long`);
  }
  if (t.to_disconnect.reason.length > REASON_MAX) {
    fail(at, `${where} disconnect reason can be up to ${REASON_MAX} characters long`);
  }
}

const EVENTS = [
  ['subscribe', 'subscribe'],
  ['publish', 'publish'],
  ['sub_refresh', 'sub refresh'],
  ['subscribe_stream', 'subscribe stream'],
] as const;

function checkChannelProxies(
  config: Config,
  o: ChannelOptions,
  at: string,
  names: ReadonlySet<string>,
): void {
  if (
    o.subscribe_stream_proxy_enabled &&
    (o.subscribe_proxy_enabled || o.publish_proxy_enabled || o.sub_refresh_proxy_enabled)
  ) {
    fail(
      at,
      "can't use subscribe stream proxy together with subscribe, publish or sub refresh proxies",
    );
  }
  for (const [event, words] of EVENTS) {
    const name = proxyNameOf(o[`${event}_proxy_name`]);
    const key = `${at}.${event}_proxy_name`;
    if (name !== DEFAULT_PROXY_NAME && !names.has(name)) {
      fail(key, `${words} proxy with name "${name}" not found`);
    }
    if (!o[`${event}_proxy_enabled`]) continue;
    const proxy =
      name === DEFAULT_PROXY_NAME
        ? config.channel.proxy[event]
        : (config.proxies.find((p) => p.name === name) as ProxyConfig);
    if (name === DEFAULT_PROXY_NAME) checkProxy(proxy, `channel.proxy.${event}`);
    if (event === 'subscribe_stream' && /^https?:\/\//i.test(proxy.endpoint)) {
      fail(key, `subscribe stream proxy ${name}: only gRPC endpoints are supported`);
    }
  }
}

function checkRpcOptions(
  config: Config,
  o: { proxy_enabled: boolean; proxy_name: string },
  at: string,
  names: ReadonlySet<string>,
): void {
  const name = proxyNameOf(o.proxy_name);
  if (name !== DEFAULT_PROXY_NAME && !names.has(name)) {
    fail(`${at}.proxy_name`, `proxy ${name} not found for rpc`);
  }
  if (o.proxy_enabled && name === DEFAULT_PROXY_NAME) checkProxy(config.rpc.proxy, 'rpc.proxy');
}

/** An empty name is the default one, as Centrifugo fills empty keys with their defaults. */
export function proxyNameOf(name: string): string {
  return name === '' ? DEFAULT_PROXY_NAME : name;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}
