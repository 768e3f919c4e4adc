// The config groups: each config object is written, as is, to the config file of every
// server compared (servers.ts adds only the loopback ports), and its cases run against
// servers started once for the group. A startup group checks the config itself: whether
// each server accepts it, then a few probes when it does.
import type { Json } from './proto.ts';

export const API_KEY = 'compat-api-key';
export const TOKEN_SECRET = 'compat-token-secret-of-32-bytes!';
export const SUB_TOKEN_SECRET = 'compat-subscription-secret-32-b!';

export interface Group {
  name: string;
  config: Record<string, Json>;
  env?: Record<string, string>;
  startup?: boolean;
}

/** The base config with more namespaces after the shared ones. */
export function withNamespaces(config: Record<string, Json>, more: Json[]): Record<string, Json> {
  const channel = config.channel as { namespaces: Json[] };
  return { ...config, channel: { ...channel, namespaces: [...channel.namespaces, ...more] } };
}

export const HISTORY = { history_size: 10, history_ttl: '300s' };
export const CLIENT_SUBSCRIBE = { allow_subscribe_for_client: true };

/**
 * Namespaces every ordinary group has, named after what they allow. Only options this node
 * implements: a namespace using a feature not built yet lives in its feature's group
 * (cases/features.ts), where this node refuses the config, so every other group starts.
 */
const NAMESPACES: Json[] = [
  // history with everything a subscriber may ask for
  {
    name: 'hist',
    ...HISTORY,
    ...CLIENT_SUBSCRIBE,
    allow_recovery: true,
    allow_positioning: true,
    allow_history_for_subscriber: true,
    allow_publish_for_subscriber: true,
    presence: true,
    allow_presence_for_subscriber: true,
  },
  // history for any client, no subscribe needed
  {
    name: 'open',
    ...HISTORY,
    ...CLIENT_SUBSCRIBE,
    allow_history_for_client: true,
    presence: true,
    allow_presence_for_client: true,
    allow_publish_for_client: true,
  },
  // presence with join/leave
  {
    name: 'pres',
    presence: true,
    join_leave: true,
    ...CLIENT_SUBSCRIBE,
    allow_presence_for_subscriber: true,
  },
  // join/leave pushed to everyone, the subscriber itself included
  {
    name: 'push',
    presence: true,
    join_leave: true,
    force_push_join_leave: true,
    ...CLIENT_SUBSCRIBE,
  },
  // nothing allowed: subscription tokens or server-side subscriptions only
  { name: 'locked', ...HISTORY, presence: true },
  // anonymous clients may subscribe and publish
  {
    name: 'anon',
    allow_subscribe_for_anonymous: true,
    allow_publish_for_anonymous: true,
    ...CLIENT_SUBSCRIBE,
    allow_publish_for_client: true,
    allow_history_for_anonymous: true,
    allow_presence_for_anonymous: true,
    presence: true,
    ...HISTORY,
  },
  // recovery and positioning forced by the server
  {
    name: 'rec',
    history_size: 5,
    history_ttl: '300s',
    force_recovery: true,
    force_positioning: true,
    ...CLIENT_SUBSCRIBE,
  },
  // channel names after the namespace must be lower-case letters
  { name: 'rx', channel_regex: '^[a-z]+$', ...CLIENT_SUBSCRIBE, allow_publish_for_client: true },
  // user-limited channels (#)
  { name: 'user', allow_user_limited_channels: true, ...CLIENT_SUBSCRIBE },
  // publication data must be a JSON object
  {
    name: 'obj',
    publication_data_format: 'json_object',
    ...HISTORY,
    ...CLIENT_SUBSCRIBE,
    allow_publish_for_client: true,
  },
];

export function baseConfig(
  extra: { [key: string]: Record<string, Json> } = {},
): Record<string, Json> {
  const config: Record<string, Json> = {
    log: { level: 'error' },
    http_api: { key: API_KEY },
    grpc_api: { enabled: true, key: API_KEY },
    client: {
      token: { hmac_secret_key: TOKEN_SECRET },
      subscription_token: { enabled: true, hmac_secret_key: SUB_TOKEN_SECRET },
      allow_anonymous_connect_without_token: true,
    },
    channel: {
      without_namespace: {
        presence: true,
        ...CLIENT_SUBSCRIBE,
        allow_presence_for_subscriber: true,
        allow_publish_for_subscriber: true,
      },
      namespaces: NAMESPACES,
    },
  };
  for (const [section, values] of Object.entries(extra)) {
    config[section] = { ...(config[section] as Record<string, Json> | undefined), ...values };
  }
  return config;
}

const TRANSPORT = baseConfig({
  http_api: { key: API_KEY, error_mode: 'transport' },
  grpc_api: { enabled: true, key: API_KEY, error_mode: 'transport' },
});

export const API_GROUPS: Group[] = [
  // server API over HTTP, then the same calls over gRPC on fresh servers; no client
  // connection is opened, so info's counts are exact
  { name: 'api', config: baseConfig() },
  { name: 'grpc', config: baseConfig() },
  // the same, errors as transport statuses
  { name: 'api-transport', config: TRANSPORT },
  { name: 'grpc-transport', config: TRANSPORT },
  // HTTP edges: methods, paths, headers, keys
  { name: 'http', config: baseConfig() },
];

/**
 * Groups of client-protocol cases. Each runs twice, once per encoding (`client/json`,
 * `client/protobuf`), on fresh servers: a case's channels are new in both runs.
 */
export const CLIENT_GROUPS: Group[] = [
  // client protocol
  { name: 'client', config: baseConfig() },
  // server API acting on open connections
  { name: 'live', config: baseConfig() },
  // small limits
  {
    name: 'limits',
    config: baseConfig({
      client: {
        token: { hmac_secret_key: TOKEN_SECRET },
        allow_anonymous_connect_without_token: true,
        channel_limit: 2,
        history_max_publication_limit: 3,
        recovery_max_publication_limit: 3,
        user_connection_limit: 2,
      },
      websocket: { message_size_limit: 1024 },
    }),
  },
  // pings every second
  {
    name: 'pings',
    config: baseConfig({
      client: {
        token: { hmac_secret_key: TOKEN_SECRET },
        allow_anonymous_connect_without_token: true,
        ping_interval: '1s',
        pong_timeout: '900ms',
      },
    }),
  },
];

/**
 * baseConfig's client section for the unidirectional transports: an expired token (109) ends
 * the connection with a disconnect of the config's choosing.
 */
export function uniClientConfig(): Record<string, Json> {
  return {
    ...(baseConfig().client as Record<string, Json>),
    connect_code_to_unidirectional_disconnect: {
      enabled: true,
      transforms: [{ code: 109, to: { code: 4109, reason: 'come back with a token' } }],
    },
  };
}
