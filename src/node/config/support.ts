// What this node does with each configuration key. Every key Centrifugo v6.9.1 reads either
// works here or stops startup by name ("not supported yet: <key> (...)"), never accepted and
// ignored:
// - a key of the schema is IMPLEMENTED (some code reads it and does what Centrifugo does),
//   NOT_SUPPORTED (the schema knows it, nothing reads it yet: only its default passes), or of
//   NO_EFFECT (it changes nothing in Centrifugo either);
// - a Centrifugo key outside the schema (centrifugo-keys.json) passes at its default and is
//   refused otherwise, with the reason of its feature (FEATURES);
// - anything else is unknown (the schema refuses it, naming the key).
// support.test.ts walks every leaf of the schema and fails when one is on neither list, so a
// new key cannot arrive without saying which it is.
import { Kind, type TSchema } from '@sinclair/typebox';
import {
  CENTRIFUGO_LEAVES,
  CENTRIFUGO_LISTS,
  CENTRIFUGO_SECTIONS,
  isDefaultValue,
  keyName,
  keyPattern,
} from './centrifugo-keys.ts';
import { formatDuration } from './duration.ts';
import { ConfigError } from './errors.ts';
import { LEAF_PATTERNS, type LeafKind } from './leaves.ts';
import { ChannelOptionsProps, type Config, ConfigSchema } from './schema.ts';

const CHANNEL_OPTIONS = Object.keys(ChannelOptionsProps);
const TLS_KEYS = [
  'enabled',
  'cert_pem',
  'key_pem',
  'server_ca_pem',
  'client_ca_pem',
  'insecure_skip_verify',
  'server_name',
];
/** A TLS client's keys of a consumer: every one but client_ca_pem (see NO_EFFECT). */
const consumerTls = (type: string) =>
  TLS_KEYS.filter((k) => k !== 'client_ca_pem').map((k) => `consumers[].${type}.tls.${k}`);
const headerDataMode = (type: string) =>
  [
    'enabled',
    'channels_header',
    'idempotency_key_header',
    'delta_header',
    'version_header',
    'version_epoch_header',
    'tags_header_prefix',
  ].map((k) => `consumers[].${type}.publication_data_mode.${k}`);
/** Every place a proxy's settings live, by its key prefix. */
const PROXY_PLACES = [
  'client.proxy.connect',
  'client.proxy.refresh',
  'channel.proxy.subscribe',
  'channel.proxy.publish',
  'channel.proxy.sub_refresh',
  'channel.proxy.subscribe_stream',
  'rpc.proxy',
  'proxies[]',
];
/** A proxy's keys (src/node/proxy/), but the TLS keys only a TLS server reads (NO_EFFECT). */
const PROXY_KEYS = [
  'endpoint',
  'timeout',
  'http_headers',
  'emulated_headers',
  'binary_encoding',
  'include_connection_meta',
  ...['http', 'grpc'].flatMap((t) =>
    TLS_KEYS.filter((k) => k !== 'client_ca_pem').map((k) => `${t}.tls.${k}`),
  ),
  'http.static_headers',
  ...[
    'status_code',
    'to_error.code',
    'to_error.message',
    'to_error.temporary',
    'to_disconnect.code',
    'to_disconnect.reason',
  ].map((k) => `http.status_to_code_transforms[].${k}`),
  'grpc.credentials_key',
  'grpc.credentials_value',
  'grpc.compression',
  'grpc.static_metadata',
];
/** A channel option, under both places channel options live. */
const bothOptionPlaces = (option: string) => [
  `channel.without_namespace.${option}`,
  `channel.namespaces[].${option}`,
];

/**
 * Schema leaves that nothing reads yet, with what they would do. A non-default value stops
 * startup. When a feature lands, move its keys to IMPLEMENTED.
 */
export const NOT_SUPPORTED: Readonly<Record<string, string>> = {
  'admin.web_proxy_address':
    'proxying the admin UI to a dev server; serve files with admin.web_path',
  'consumers[].kafka.assume_role_arn': 'AWS MSK IAM authentication',
  'consumers[].redis_stream.cluster_address': 'a Redis Cluster for the Redis Streams consumer',
  ...Object.fromEntries(
    [
      'sentinel_address',
      'sentinel_user',
      'sentinel_password',
      'sentinel_master_name',
      'sentinel_client_name',
      ...TLS_KEYS.map((k) => `sentinel_tls.${k}`),
    ].map((k) => [
      `consumers[].redis_stream.${k}`,
      'Redis Sentinel for the Redis Streams consumer',
    ]),
  ),
};

/**
 * Schema leaves some code reads. Not Centrifugo's: engine.nats.*, http_api.max_request_body_size,
 * the http_server timeouts, grpc_api.http2.*, the shutdown drain, the readiness and
 * liveness paths, and rebalance.*.
 */
export const IMPLEMENTED: ReadonlySet<string> = new Set([
  'http_server.address',
  'http_server.port',
  'http_server.internal_address',
  'http_server.internal_port',
  'http_server.read_header_timeout',
  'http_server.read_timeout',
  'http_server.idle_timeout',
  'log.level',
  'log.file',
  'engine.type',
  'engine.nats.urls',
  'engine.nats.prefix',
  'engine.nats.replicas',
  'engine.nats.token',
  'engine.nats.user',
  'engine.nats.password',
  'engine.nats.creds_file',
  'engine.nats.nkey_seed_file',
  'engine.nats.tls.enabled',
  'engine.nats.tls.cert_pem',
  'engine.nats.tls.key_pem',
  'engine.nats.tls.server_ca_pem',
  'engine.nats.tls.insecure_skip_verify',
  'engine.nats.tls.server_name',
  'engine.nats.connect_timeout',
  'engine.nats.request_timeout',
  'engine.nats.presence_ttl',
  'engine.nats.node_info_interval',
  'engine.nats.node_info_ttl',
  'node.name',
  'node.info_metrics_aggregate_interval',
  'shutdown.timeout',
  'shutdown.drain_delay',
  'shutdown.disconnect_window',
  'rebalance.enabled',
  'rebalance.interval',
  'rebalance.tolerance',
  'rebalance.window',
  'http_api.disabled',
  'http_api.key',
  'http_api.insecure',
  'http_api.external',
  'http_api.handler_prefix',
  'http_api.error_mode',
  'http_api.max_request_body_size',
  'grpc_api.enabled',
  'grpc_api.address',
  'grpc_api.port',
  'grpc_api.key',
  'grpc_api.error_mode',
  'grpc_api.reflection',
  'grpc_api.max_receive_message_size',
  'grpc_api.tls.enabled',
  'grpc_api.tls.cert_pem',
  'grpc_api.tls.key_pem',
  'grpc_api.tls.client_ca_pem',
  ...[
    'max_concurrent_streams',
    'max_header_list_size',
    'max_continuation_frames',
    'header_timeout',
    'max_consecutive_empty_frames',
    'max_reset_burst',
    'max_resets_per_second',
    'keepalive_min_time',
    'keepalive_permit_without_stream',
    'max_queued_control_frames',
    'max_pending_reply_size',
    'idle_timeout',
    'handshake_timeout',
  ].map((k) => `grpc_api.http2.${k}`),
  'health.enabled',
  'health.handler_prefix',
  'health.ready_handler_prefix',
  'health.live_handler_prefix',
  'prometheus.enabled',
  'prometheus.handler_prefix',
  ...['enabled', 'handler_prefix', 'password', 'secret', 'insecure', 'external', 'web_path'].map(
    (k) => `admin.${k}`,
  ),
  ...['client.token', 'client.subscription_token'].flatMap((t) =>
    [
      'hmac_secret_key',
      'hmac_previous_secret_key',
      'hmac_previous_secret_key_valid_until',
      'rsa_public_key',
      'ecdsa_public_key',
      'jwks_public_endpoint',
      'audience',
      'audience_regex',
      'issuer',
      'issuer_regex',
      'user_id_claim',
    ].map((k) => `${t}.${k}`),
  ),
  'client.subscription_token.enabled',
  'client.allowed_origins',
  'client.insecure',
  'client.insecure_skip_token_signature_verify',
  'client.allow_anonymous_connect_without_token',
  'client.disallow_anonymous_connection_tokens',
  'client.ping_interval',
  'client.pong_timeout',
  'client.channel_limit',
  'client.queue_max_size',
  'client.user_connection_limit',
  'client.connection_limit',
  'client.connection_rate_limit',
  'client.expired_close_delay',
  'client.expired_sub_close_delay',
  'client.stale_close_delay',
  'client.channel_position_check_delay',
  'client.history_max_publication_limit',
  'client.recovery_max_publication_limit',
  'client.connect_include_server_time',
  'client.user_id_http_header',
  'client.concurrency',
  'client.channel_position_max_time_lag',
  'client.presence_update_interval',
  'client.subscribe_to_user_personal_channel.enabled',
  'client.subscribe_to_user_personal_channel.personal_channel_namespace',
  'client.subscribe_to_user_personal_channel.single_connection',
  'rpc.ping.enabled',
  'rpc.ping.method',
  'channel.max_length',
  'channel.namespace_boundary',
  'channel.private_prefix',
  'channel.user_boundary',
  'channel.user_separator',
  'channel.history_meta_ttl',
  'channel.namespaces[].name',
  ...CHANNEL_OPTIONS.flatMap(bothOptionPlaces).filter((k) => !(k in NOT_SUPPORTED)),
  'websocket.disabled',
  'websocket.handler_prefix',
  'websocket.message_size_limit',
  'websocket.write_timeout',
  'websocket.compression',
  // Async consumers (src/node/consumers/).
  'consumers[].name',
  'consumers[].enabled',
  'consumers[].type',
  ...[
    'dsn',
    'outbox_table_name',
    'num_partitions',
    'partition_select_limit',
    'partition_poll_interval',
    'partition_notification_channel',
    'partition_notification_dsn',
    'use_try_lock',
  ].map((k) => `consumers[].postgresql.${k}`),
  ...consumerTls('postgresql'),
  ...[
    'brokers',
    'topics',
    'consumer_group',
    'max_poll_records',
    'fetch_max_bytes',
    'fetch_max_wait',
    'fetch_read_uncommitted',
    'partition_queue_max_size',
    'dial_timeout',
    'sasl_mechanism',
    'sasl_user',
    'sasl_password',
    'instance_id',
    'method_header',
  ].map((k) => `consumers[].kafka.${k}`),
  ...consumerTls('kafka'),
  ...headerDataMode('kafka'),
  ...[
    'url',
    'credentials_file',
    'username',
    'password',
    'token',
    'stream_name',
    'use_existing_consumer',
    'subjects',
    'durable_consumer_name',
    'deliver_policy',
    'max_ack_pending',
    'method_header',
  ].map((k) => `consumers[].nats_jetstream.${k}`),
  ...consumerTls('nats_jetstream'),
  ...headerDataMode('nats_jetstream'),
  ...[
    'address',
    'connect_timeout',
    'io_timeout',
    'db',
    'user',
    'password',
    'client_name',
    'force_resp2',
    'streams',
    'consumer_group',
    'visibility_timeout',
    'num_workers',
    'payload_value',
    'method_value',
    ...[
      'enabled',
      'channels_value',
      'idempotency_key_value',
      'delta_value',
      'version_value',
      'version_epoch_value',
      'tags_value_prefix',
    ].map((k) => `publication_data_mode.${k}`),
  ].map((k) => `consumers[].redis_stream.${k}`),
  ...consumerTls('redis_stream'),
  'websocket.compression_level',
  'websocket.compression_min_size',
  'websocket.decompressed_message_size_limit',
  // The unidirectional and emulation transports (src/node/transport/).
  ...[
    'enabled',
    'handler_prefix',
    'compression',
    'compression_min_size',
    'compression_level',
    'write_timeout',
    'message_size_limit',
    'decompressed_message_size_limit',
    'disable_closing_handshake',
    'disable_disconnect_push',
    'join_push_messages',
  ].map((k) => `uni_websocket.${k}`),
  ...['uni_sse', 'uni_http_stream'].flatMap((t) =>
    [
      'enabled',
      'handler_prefix',
      'max_request_body_size',
      'connect_code_to_http_response.enabled',
      'connect_code_to_http_response.transforms[].code',
      'connect_code_to_http_response.transforms[].to.status_code',
      'connect_code_to_http_response.transforms[].to.body',
    ].map((k) => `${t}.${k}`),
  ),
  ...['enabled', 'address', 'port', 'max_receive_message_size'].map((k) => `uni_grpc.${k}`),
  ...['enabled', 'cert_pem', 'key_pem', 'client_ca_pem'].map((k) => `uni_grpc.tls.${k}`),
  ...['sse', 'http_stream'].flatMap((t) =>
    ['enabled', 'handler_prefix', 'max_request_body_size'].map((k) => `${t}.${k}`),
  ),
  'emulation.handler_prefix',
  'emulation.max_request_body_size',
  'init.enabled',
  'init.handler_prefix',
  'client.connect_code_to_unidirectional_disconnect.enabled',
  'client.connect_code_to_unidirectional_disconnect.transforms[].code',
  'client.connect_code_to_unidirectional_disconnect.transforms[].to.code',
  'client.connect_code_to_unidirectional_disconnect.transforms[].to.reason',
  'pid_file',
  'swagger.enabled',
  'swagger.handler_prefix',
  'http_server.tls_external',
  ...['http_server.tls', 'http_server.internal_tls'].flatMap((t) =>
    ['enabled', 'cert_pem', 'key_pem', 'client_ca_pem'].map((k) => `${t}.${k}`),
  ),
  // Event proxies (src/node/proxy/, client/commands/).
  ...PROXY_PLACES.flatMap((place) => PROXY_KEYS.map((k) => `${place}.${k}`)),
  'client.proxy.connect.enabled',
  'client.proxy.refresh.enabled',
  'proxies[].name',
  'rpc.without_namespace.proxy_enabled',
  'rpc.without_namespace.proxy_name',
  'rpc.namespaces[].name',
  'rpc.namespaces[].proxy_enabled',
  'rpc.namespaces[].proxy_name',
  'rpc.namespace_boundary',
]);

/**
 * Schema leaves accepted at any value because they change nothing here: Centrifugo's one TLS
 * config type carries client-side options into servers and server-side ones into clients,
 * where Go's TLS ignores them; usage statistics are never sent.
 */
export const NO_EFFECT: Readonly<Record<string, string>> = {
  ...Object.fromEntries(
    PROXY_PLACES.map((place) => [
      `${place}.grpc_metadata`,
      'it forwards metadata of gRPC client transports (uni_grpc), which this node has none of',
    ]),
  ),
  'grpc_api.tls.server_ca_pem': 'a TLS server verifies no server certificate',
  'grpc_api.tls.insecure_skip_verify': 'a TLS server verifies no server certificate',
  'grpc_api.tls.server_name': 'a TLS server verifies no server name',
  ...Object.fromEntries(
    ['http_server.tls', 'http_server.internal_tls'].flatMap((t) => [
      [`${t}.server_ca_pem`, 'a TLS server verifies no server certificate'],
      [`${t}.insecure_skip_verify`, 'a TLS server verifies no server certificate'],
      [`${t}.server_name`, 'a TLS server verifies no server name'],
    ]),
  ),
  'websocket.read_buffer_size':
    "an I/O buffer size of Centrifugo's WebSocket library: what clients receive and the limits do not depend on it",
  'websocket.write_buffer_size':
    "an I/O buffer size of Centrifugo's WebSocket library: what clients receive and the limits do not depend on it",
  'uni_grpc.tls.server_ca_pem': 'a TLS server verifies no server certificate',
  'uni_grpc.tls.insecure_skip_verify': 'a TLS server verifies no server certificate',
  'uni_grpc.tls.server_name': 'a TLS server verifies no server name',
  'uni_websocket.read_buffer_size':
    "an I/O buffer size of Centrifugo's WebSocket library: what clients receive and the limits do not depend on it",
  'uni_websocket.write_buffer_size':
    "an I/O buffer size of Centrifugo's WebSocket library: what clients receive and the limits do not depend on it",
  'uni_websocket.use_write_buffer_pool':
    "a buffer pool of Centrifugo's WebSocket library: what clients receive does not depend on it",
  'engine.nats.tls.client_ca_pem': 'a TLS client verifies no client certificates',
  'usage_stats.disabled': 'this node never sends usage statistics, as if always disabled',
  ...Object.fromEntries(
    ['postgresql', 'kafka', 'nats_jetstream', 'redis_stream'].map((t) => [
      `consumers[].${t}.tls.client_ca_pem`,
      'a TLS client verifies no client certificates',
    ]),
  ),
  ...Object.fromEntries(
    PROXY_PLACES.flatMap((place) =>
      ['http', 'grpc'].map((t) => [
        `${place}.${t}.tls.client_ca_pem`,
        'a TLS client verifies no client certificates',
      ]),
    ),
  ),
  'consumers[].redis_stream.replica_client.enabled':
    "the Redis Streams consumer reads and acknowledges on the primary, as Centrifugo's does",
};

/**
 * Why a Centrifugo key outside the schema is refused: its feature, by the longest key prefix
 * that names one. Keys without a better entry get the generic reason.
 */
const FEATURES: ReadonlyArray<[string, string]> = [
  ['http_server.tls_autocert', 'automatic TLS certificates'],
  ['http_server.http3', 'HTTP/3'],
  ['http_server.h2c_external', 'HTTP/2 without TLS on the external port'],
  ['engine.redis', 'the Redis engine; engine.type here is memory or nats'],
  ['broker', 'a separate broker; engine.type here is memory or nats'],
  ['presence_manager', 'a separate presence manager; engine.type here is memory or nats'],
  ['map_broker', 'map subscriptions'],
  ['controller', 'a separate controller'],
  ['shared_poll', 'shared poll subscriptions'],
  ['channel.proxy.map_publish', 'map subscriptions'],
  ['channel.proxy.map_remove', 'map subscriptions'],
  ['channel.proxy.shared_poll_refresh', 'shared poll subscriptions'],
  ['channel.publication_data_format', 'a global publication data format; set it per namespace'],
  ['consumers[].google_pub_sub', 'the Google Pub/Sub consumer'],
  ['consumers[].aws_sqs', 'the AWS SQS consumer'],
  ['consumers[].azure_service_bus', 'the Azure Service Bus consumer'],
  ['webtransport', 'the WebTransport transport'],
  ['debug', 'pprof debug endpoints'],
  ['opentelemetry', 'OpenTelemetry tracing'],
  ['graphite', 'Graphite export'],
  ['enable_unreleased_features', 'unreleased Centrifugo features'],
  ['channel.namespaces[].subscription_type', 'map and shared poll subscriptions'],
  ['channel.namespaces[].map', 'map subscriptions'],
  ['channel.namespaces[].shared_poll', 'shared poll subscriptions'],
  ['channel.without_namespace.subscription_type', 'map and shared poll subscriptions'],
  ['channel.without_namespace.map', 'map subscriptions'],
  ['channel.without_namespace.shared_poll', 'shared poll subscriptions'],
];

function featureOf(pattern: string): string {
  let best = '';
  let reason = 'a Centrifugo v6 feature this node does not have yet';
  for (const [prefix, why] of FEATURES) {
    const hit =
      pattern === prefix || pattern.startsWith(`${prefix}.`) || pattern.startsWith(`${prefix}[]`);
    if (hit && prefix.length > best.length) {
      best = prefix;
      reason = why;
    }
  }
  return reason;
}

function notSupported(
  path: ReadonlyArray<string | number>,
  why: string,
  def: unknown,
): ConfigError {
  const name = keyName(path);
  const shown = def === undefined || def === null ? 'empty' : JSON.stringify(def);
  return new ConfigError(
    `not supported yet: ${name} (${why}): remove it or leave it at its default ${shown}`,
    name,
  );
}

/**
 * Drops Centrifugo keys the schema does not have when they hold their default, and refuses
 * them by name otherwise; reads schema keys as Go would: null takes the default, a number for
 * a duration is nanoseconds. Works on (and returns) a copy; unknown keys are left for the
 * schema to name.
 */
export function acceptCentrifugoDefaults(raw: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(raw);
  walk(copy, ConfigSchema, []);
  return copy;
}

function walk(
  obj: Record<string, unknown>,
  schema: TSchema | undefined,
  path: (string | number)[],
) {
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    const at = [...path, key];
    const child = schema?.[Kind] === 'Object' ? (schema.properties?.[key] as TSchema) : undefined;
    if (child !== undefined) {
      // null is Go's zero value, which Centrifugo replaces with the key's default.
      if (value === null) delete obj[key];
      else if (child[Kind] === 'Object' && isPlainObject(value)) walk(value, child, at);
      else if (
        child[Kind] === 'Array' &&
        child.items?.[Kind] === 'Object' &&
        Array.isArray(value)
      ) {
        value.forEach((item, i) => {
          if (isPlainObject(item)) walk(item, child.items as TSchema, [...at, i]);
        });
      } else if (child.format === 'duration' && typeof value === 'number') {
        // A number is nanoseconds to Centrifugo's Duration (JSON and YAML alike).
        obj[key] = formatDuration(value / 1e6);
      } else if (keyPattern(at) === 'engine.type' && value === 'redis') {
        throw notSupported(at, 'the Redis engine; engine.type here is memory or nats', 'memory');
      }
      continue;
    }
    const pattern = keyPattern(at);
    const leaf = CENTRIFUGO_LEAVES.get(pattern);
    if (leaf !== undefined) {
      if (!isDefaultValue(leaf.type, leaf.default, value, pattern)) {
        throw notSupported(at, featureOf(pattern), leaf.default);
      }
      delete obj[key];
    } else if (CENTRIFUGO_LISTS.has(pattern)) {
      if (!(value === null || (Array.isArray(value) && value.length === 0))) {
        throw notSupported(at, featureOf(pattern), []);
      }
      delete obj[key];
    } else if (CENTRIFUGO_SECTIONS.has(pattern)) {
      if (value === null) {
        delete obj[key];
      } else if (isPlainObject(value)) {
        walk(value, undefined, at);
        if (Object.keys(value).length === 0) delete obj[key];
      } else {
        throw new ConfigError(`config key "${keyName(at)}" must be an object`, keyName(at));
      }
    } else if (schema === undefined) {
      throw new ConfigError(
        `unknown config key "${keyName(at)}": remove it or check its spelling against the Centrifugo v6 names`,
        keyName(at),
      );
    }
  }
}

/** Refuses a schema key that nothing reads yet when it is set to anything but its default. */
export function refuseUnsupported(config: Config): void {
  for (const { pattern, kind, schema } of LEAF_PATTERNS) {
    const why = NOT_SUPPORTED[pattern];
    if (why === undefined) continue;
    for (const { path, value } of valuesAt(config, pattern)) {
      if (!isDefaultValue(goType(kind), schema.default, value, pattern)) {
        throw notSupported(path, why, schema.default);
      }
    }
  }
}

/** The Centrifugo type a schema kind is compared as. */
function goType(kind: LeafKind): string {
  switch (kind) {
    case 'boolean':
      return 'bool';
    case 'integer':
      return 'int';
    case 'duration':
      return 'Duration';
    case 'string[]':
      return '[]string';
    case 'map':
      return 'MapStringString';
    default:
      return 'string';
  }
}

/** Every concrete value a pattern names in a config (one per namespace for `[]`). */
function valuesAt(
  config: unknown,
  pattern: string,
): Array<{ path: (string | number)[]; value: unknown }> {
  let found: Array<{ path: (string | number)[]; value: unknown }> = [{ path: [], value: config }];
  for (const segment of pattern.split('.')) {
    const list = segment.endsWith('[]');
    const key = list ? segment.slice(0, -2) : segment;
    const next: typeof found = [];
    for (const { path, value } of found) {
      const v = isPlainObject(value) ? value[key] : undefined;
      if (!list) next.push({ path: [...path, key], value: v });
      else if (Array.isArray(v)) {
        for (const [i, item] of v.entries()) next.push({ path: [...path, key, i], value: item });
      }
    }
    found = next;
  }
  return found;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
