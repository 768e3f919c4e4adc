// Configs themselves: each variant is its own group, so whether a server starts with it is
// the first thing compared; when both start, probes show the config took effect. Config by
// environment variables is here too (the same variables given to every server).
import type { CompatCase, Step } from '../case.ts';
import { baseConfig, type Group } from '../configs.ts';
import type { Json } from '../proto.ts';

interface Variant {
  id: string;
  config?: Record<string, Json>;
  env?: Record<string, string>;
  probes?: Step[];
}

const withNamespace = (ns: Record<string, Json>) => {
  const config = baseConfig();
  const channel = config.channel as { namespaces: Json[] };
  return { ...config, channel: { ...channel, namespaces: [...channel.namespaces, ns] } };
};
const withSection = (section: string, value: Json) => ({ ...baseConfig(), [section]: value });
const withClient = (keys: Record<string, Json>) => ({
  ...baseConfig(),
  client: { ...(baseConfig().client as Record<string, Json>), ...keys },
});
const presenceOf = (channel: string): Step => ({ api: 'presence_stats', body: { channel } });
const historyOf = (channel: string): Step => ({ api: 'history', body: { channel, limit: 1 } });
const publishTo = (channel: string): Step => ({ api: 'publish', body: { channel, data: {} } });

const VARIANTS: Variant[] = [
  { id: 'base', probes: [publishTo('hist:st1')] },
  // keys of features Centrifugo v6.8-v6.9 has
  { id: 'http-stream', config: withSection('http_stream', { enabled: true }) },
  { id: 'sse', config: withSection('sse', { enabled: true }) },
  { id: 'uni-websocket', config: withSection('uni_websocket', { enabled: true }) },
  { id: 'map-broker', config: withSection('map_broker', { type: 'memory' }) },
  { id: 'shared-poll', config: withSection('shared_poll', {}) },
  { id: 'proxies-empty', config: withSection('proxies', []) },
  {
    id: 'namespace-subscription-type',
    config: withNamespace({ name: 'st', subscription_type: 'stream' }),
  },
  { id: 'namespace-map', config: withNamespace({ name: 'stm', map: {} }) },
  { id: 'namespace-shared-poll', config: withNamespace({ name: 'stp', shared_poll: {} }) },
  { id: 'admin', config: withSection('admin', { enabled: false }) },
  {
    id: 'health-enabled',
    config: withSection('health', { enabled: true }),
    probes: [{ http: { method: 'GET', path: '/health' } }],
  },
  { id: 'prometheus-enabled', config: withSection('prometheus', { enabled: true }) },
  { id: 'usage-stats', config: withSection('usage_stats', { disabled: true }) },
  // what Centrifugo refuses or tolerates
  { id: 'unknown-top-level-key', config: withSection('no_such_section', { a: 1 }) },
  { id: 'unknown-namespace-key', config: withNamespace({ name: 'stu', no_such_option: true }) },
  { id: 'namespace-bad-name', config: withNamespace({ name: 'a b' }) },
  { id: 'namespace-duplicate', config: withNamespace({ name: 'hist' }) },
  { id: 'history-size-without-ttl', config: withNamespace({ name: 'sth', history_size: 10 }) },
  { id: 'bad-channel-regex', config: withNamespace({ name: 'str', channel_regex: '([' }) },
  {
    id: 'ping-not-above-pong',
    config: {
      ...baseConfig(),
      client: { ...(baseConfig().client as object), ping_interval: '5s', pong_timeout: '5s' },
    },
  },
  { id: 'wrong-type', config: withSection('http_api', { key: 5 }) },
  // client.subscribe_to_user_personal_channel's own checks
  {
    id: 'personal-namespace-missing',
    config: withClient({
      subscribe_to_user_personal_channel: { enabled: true, personal_channel_namespace: 'nope' },
    }),
  },
  {
    id: 'personal-namespace-missing-disabled',
    config: withClient({
      subscribe_to_user_personal_channel: { personal_channel_namespace: 'nope' },
    }),
  },
  {
    id: 'single-connection-no-presence',
    config: withClient({
      subscribe_to_user_personal_channel: {
        enabled: true,
        personal_channel_namespace: 'user',
        single_connection: true,
      },
    }),
  },
  {
    id: 'single-connection-top-level-presence',
    config: withClient({
      subscribe_to_user_personal_channel: { enabled: true, single_connection: true },
    }),
    probes: [presenceOf('#st9')],
  },
  {
    id: 'single-connection-disabled-no-presence',
    config: withClient({
      subscribe_to_user_personal_channel: {
        personal_channel_namespace: 'user',
        single_connection: true,
      },
    }),
  },
  { id: 'concurrency-negative', config: withClient({ concurrency: -1 }) },
  { id: 'position-lag-negative', config: withClient({ channel_position_max_time_lag: '-1s' }) },
  { id: 'presence-update-zero', config: withClient({ presence_update_interval: '0s' }) },
  { id: 'presence-update-negative', config: withClient({ presence_update_interval: '-1s' }) },
  // env
  {
    id: 'env-namespaces-names',
    env: {
      CENTRIFUGO_CHANNEL_NAMESPACES: 'ena enb',
      CENTRIFUGO_CHANNEL_NAMESPACES_ENA_PRESENCE: 'true',
    },
    probes: [presenceOf('ena:x'), presenceOf('enb:x'), presenceOf('enc:x')],
  },
  {
    id: 'env-namespaces-json',
    env: { CENTRIFUGO_CHANNEL_NAMESPACES: '[{"name":"enj","history_size":5,"history_ttl":"60s"}]' },
    probes: [publishTo('enj:x'), historyOf('enj:x')],
  },
  {
    id: 'env-api-key',
    env: { CENTRIFUGO_HTTP_API_KEY: 'from-env' },
    probes: [
      presenceOf('hist:st3'),
      { ...presenceOf('hist:st3'), noKey: true, headers: { 'X-API-Key': 'from-env' } },
    ],
  },
  {
    id: 'env-unknown-variable',
    env: { CENTRIFUGO_NO_SUCH_THING: '1' },
    probes: [publishTo('hist:st2')],
  },
  {
    id: 'env-bool-word',
    env: { CENTRIFUGO_HEALTH_ENABLED: 'yes' },
    probes: [{ http: { method: 'GET', path: '/health' } }],
  },
  // env named lists other than channel.namespaces: a JSON array, names with per-item keys
  {
    id: 'env-proxies-json',
    env: { CENTRIFUGO_PROXIES: '[{"name":"pj","endpoint":"http://127.0.0.1:9/p"}]' },
  },
  {
    id: 'env-proxies-names',
    env: {
      CENTRIFUGO_PROXIES: 'pa pb',
      CENTRIFUGO_PROXIES_PA_ENDPOINT: 'http://127.0.0.1:9/a',
      CENTRIFUGO_PROXIES_PB_ENDPOINT: 'http://127.0.0.1:9/b',
      CENTRIFUGO_PROXIES_PB_TIMEOUT: '2s',
    },
  },
  {
    id: 'env-proxies-empty-json',
    env: { CENTRIFUGO_PROXIES: '[]' },
    probes: [publishTo('hist:st4')],
  },
  { id: 'env-proxies-empty', env: { CENTRIFUGO_PROXIES: '' }, probes: [publishTo('hist:st5')] },
  { id: 'env-proxies-bad-json', env: { CENTRIFUGO_PROXIES: '[{"name":' } },
  {
    id: 'env-rpc-namespaces-names',
    env: { CENTRIFUGO_RPC_NAMESPACES: 'ra', CENTRIFUGO_RPC_NAMESPACES_RA_PROXY_ENABLED: 'false' },
  },
  { id: 'env-rpc-namespaces-json', env: { CENTRIFUGO_RPC_NAMESPACES: '[{"name":"rj"}]' } },
  {
    id: 'env-rpc-namespaces-empty-json',
    env: { CENTRIFUGO_RPC_NAMESPACES: '[]' },
    probes: [publishTo('hist:st6')],
  },
  {
    id: 'env-consumers-names',
    env: { CENTRIFUGO_CONSUMERS: 'ca', CENTRIFUGO_CONSUMERS_CA_ENABLED: 'false' },
  },
  {
    id: 'env-consumers-json',
    env: { CENTRIFUGO_CONSUMERS: '[{"name":"cj","enabled":false,"type":"kafka"}]' },
  },
  {
    id: 'env-consumers-empty-json',
    env: { CENTRIFUGO_CONSUMERS: '[]' },
    probes: [publishTo('hist:st7')],
  },
  {
    id: 'env-namespaces-names-history',
    env: {
      CENTRIFUGO_CHANNEL_NAMESPACES: 'enh',
      CENTRIFUGO_CHANNEL_NAMESPACES_ENH_HISTORY_SIZE: '5',
      CENTRIFUGO_CHANNEL_NAMESPACES_ENH_HISTORY_TTL: '60s',
    },
    probes: [publishTo('enh:x'), historyOf('enh:x'), publishTo('hist:st8')],
  },
  {
    id: 'env-namespaces-names-unknown-option',
    env: { CENTRIFUGO_CHANNEL_NAMESPACES: 'enu', CENTRIFUGO_CHANNEL_NAMESPACES_ENU_NO_SUCH: '1' },
    probes: [presenceOf('enu:x')],
  },
  {
    id: 'env-namespaces-bad-json',
    env: { CENTRIFUGO_CHANNEL_NAMESPACES: '[{"name":"x"' },
  },
];

export const STARTUP_GROUPS: Group[] = VARIANTS.map((v) => ({
  name: `startup-${v.id}`,
  config: v.config ?? baseConfig(),
  ...(v.env ? { env: v.env } : {}),
  startup: true,
}));

export const STARTUP_CASES: CompatCase[] = VARIANTS.map((v) => ({
  id: `startup/${v.id}`,
  group: `startup-${v.id}`,
  steps: v.probes ?? [],
}));
