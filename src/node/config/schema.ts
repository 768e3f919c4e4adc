// The one schema of the node's configuration: Centrifugo v6 key names and nesting,
// Centrifugo's defaults. Validation, defaults, env variable names, CLI flags and
// genconfig all read this schema, so a key exists in exactly one place.
import { FormatRegistry, type Static, type TSchema, Type } from '@sinclair/typebox';
import { ConsumerSchema } from './consumers-schema.ts';
import { parseDuration } from './duration.ts';
import {
  ConnectProxySchema,
  NamedProxySchema,
  ProxySchema,
  RefreshProxySchema,
  RpcOptionsProps,
} from './proxy-schema.ts';

FormatRegistry.Set('duration', (value) => parseDuration(value) !== undefined);

const Duration = (def: string, description: string) =>
  Type.String({ format: 'duration', default: def, description });
const Bool = (description: string) => Type.Boolean({ default: false, description });
const Str = (def: string, description: string) => Type.String({ default: def, description });
const Int = (def: number, description: string, minimum = 0) =>
  Type.Integer({ default: def, minimum, description });
const StrList = (description: string) => Type.Array(Type.String(), { default: [], description });
/** A section: an object that exists (filled with defaults) even when the file omits it. */
const Section = <T extends Record<string, TSchema>>(props: T) =>
  Type.Object(props, { additionalProperties: false, default: {} });

const TokenOptions = {
  hmac_secret_key: Str('', 'HMAC secret for HS256/384/512 tokens'),
  // Centrifugo 6.7+ rotation keys (the operator sets them when it rotates the HMAC secret):
  // auth/jwt.ts accepts HS tokens signed with the previous secret until valid_until (0: no
  // end).
  hmac_previous_secret_key: Str('', 'previous HMAC secret, still accepted during a rotation'),
  hmac_previous_secret_key_valid_until: Int(
    0,
    'unix time (seconds) after which hmac_previous_secret_key is refused',
  ),
  rsa_public_key: Str('', 'RSA public key (PEM) for RS256/384/512 tokens'),
  ecdsa_public_key: Str('', 'ECDSA public key (PEM) for ES256/384/512 tokens'),
  jwks_public_endpoint: Str('', 'JWKS endpoint; replaces the static keys'),
  audience: Str('', 'required aud claim'),
  audience_regex: Str('', 'regex the aud claim must match'),
  issuer: Str('', 'required iss claim'),
  issuer_regex: Str('', 'regex the iss claim must match'),
  user_id_claim: Str('', 'claim holding the user ID instead of sub'),
};

/**
 * Centrifugo v6 TLSConfig. Each *_pem value is raw PEM, base64 of PEM, or a path to a PEM file
 * (tried in that order). A server uses cert_pem, key_pem and, for mutual TLS, client_ca_pem;
 * server_ca_pem, insecure_skip_verify and server_name only matter to TLS clients.
 */
const TlsOptions = {
  enabled: Bool('use TLS'),
  cert_pem: Str('', 'certificate: PEM, base64 PEM or file path'),
  key_pem: Str('', 'private key: PEM, base64 PEM or file path'),
  server_ca_pem: Str('', 'CA to verify servers with (TLS clients only)'),
  client_ca_pem: Str('', 'CA client certificates must chain to (turns on mutual TLS)'),
  insecure_skip_verify: Bool('skip server certificate verification (TLS clients only)'),
  server_name: Str('', 'server name to verify (TLS clients only)'),
};

/** uni_sse/uni_http_stream: connect errors answered as HTTP statuses instead of a stream. */
const ConnectCodeToHttpResponse = () =>
  Section({
    enabled: Bool('answer a failed connect with an HTTP status instead of a disconnect push'),
    transforms: Type.Array(
      Type.Object(
        {
          code: Int(0, 'connect error or disconnect code'),
          to: Section({
            status_code: Int(0, 'HTTP status of the answer'),
            body: Str('', 'HTTP body of the answer ("" = the error\'s message)'),
          }),
        },
        { additionalProperties: false },
      ),
      { default: [], description: 'code to HTTP response mappings (others: 500)' },
    ),
  });

export const ChannelOptionsProps = {
  presence: Bool('keep online presence'),
  join_leave: Bool('emit join and leave messages'),
  force_push_join_leave: Bool('push join/leave to every subscriber'),
  history_size: Int(0, 'publications kept in history; history needs history_ttl too'),
  history_ttl: Duration('0s', 'how long history is kept; history needs history_size too'),
  history_meta_ttl: Duration('0s', 'stream meta TTL; 0 takes channel.history_meta_ttl'),
  force_positioning: Bool('server forces position tracking'),
  allow_positioning: Bool('clients may ask for position tracking'),
  force_recovery: Bool('server forces recovery'),
  allow_recovery: Bool('clients may ask for recovery'),
  force_recovery_mode: Type.Union(
    [Type.Literal(''), Type.Literal('stream'), Type.Literal('cache')],
    {
      default: '',
      description: 'recovery mode: stream (default) or cache (only the latest publication)',
    },
  ),
  auto_cache_recover: Bool(
    'cache mode: recover the latest publication on every subscribe, asked or not',
  ),
  allowed_delta_types: StrList('delta types clients may negotiate (fossil)'),
  delta_publish: Bool('publish with delta by default'),
  allow_tags_filter: Bool('clients may filter publications by tags'),
  publication_data_format: Type.Union(
    [Type.Literal(''), Type.Literal('json'), Type.Literal('json_object'), Type.Literal('binary')],
    { default: '' },
  ),
  allow_subscribe_for_client: Bool('authenticated clients subscribe without token'),
  allow_subscribe_for_anonymous: Bool('anonymous clients subscribe without token'),
  allow_publish_for_client: Bool('clients may publish'),
  allow_publish_for_subscriber: Bool('subscribers may publish'),
  allow_publish_for_anonymous: Bool('anonymous clients may publish'),
  allow_presence_for_client: Bool('clients may call presence'),
  allow_presence_for_subscriber: Bool('subscribers may call presence'),
  allow_presence_for_anonymous: Bool('anonymous clients may call presence'),
  allow_history_for_client: Bool('clients may call history'),
  allow_history_for_subscriber: Bool('subscribers may call history'),
  allow_history_for_anonymous: Bool('anonymous clients may call history'),
  allow_user_limited_channels: Bool('enable user-limited channels (#)'),
  channel_regex: Str('', 'regex channel names in this namespace must match'),
  // Event proxies (src/node/proxy/): each names its proxy, "default" being channel.proxy.<event>.
  subscribe_proxy_enabled: Bool('the subscribe proxy decides client subscriptions'),
  subscribe_proxy_name: Str('default', 'its proxy: "default" or a proxies[] name'),
  publish_proxy_enabled: Bool('the publish proxy decides (and may change) client publications'),
  publish_proxy_name: Str('default', 'its proxy: "default" or a proxies[] name'),
  sub_refresh_proxy_enabled: Bool('the sub refresh proxy extends expiring subscriptions'),
  sub_refresh_proxy_name: Str('default', 'its proxy: "default" or a proxies[] name'),
  subscribe_stream_proxy_enabled: Bool('subscriptions are gRPC streams from the backend'),
  subscribe_stream_proxy_name: Str('default', 'its proxy: "default" or a proxies[] name'),
  subscribe_stream_proxy_bidirectional: Bool('client publications go up the stream'),
};

export const ChannelOptionsSchema = Section(ChannelOptionsProps);
export const NamespaceSchema = Type.Object(
  { name: Type.String({ description: 'namespace name' }), ...ChannelOptionsProps },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    http_server: Section({
      address: Str('', 'bind address of the HTTP server ("" = all interfaces)'),
      port: Int(8000, 'HTTP server port'),
      internal_address: Str('', 'bind address of the internal port'),
      internal_port: Str('', 'separate port for API, health and metrics ("" = same as port)'),
      tls: Section(TlsOptions),
      tls_external: Bool('TLS (http_server.tls) on the external port only, not the internal one'),
      internal_tls: Section(TlsOptions),
      // Not Centrifugo keys: Centrifugo fixes these in code (10 s, 30 s; idle = read timeout).
      read_header_timeout: Duration(
        '10s',
        'a request whose headers have not all arrived by then gets 408 (0 = no limit)',
      ),
      read_timeout: Duration(
        '30s',
        'a request (headers and body) not all arrived by then gets 408 (0 = no limit)',
      ),
      idle_timeout: Duration(
        '30s',
        'an idle keep-alive connection is closed after this (0 = never)',
      ),
    }),
    log: Section({
      level: Type.Union(
        [
          Type.Literal('trace'),
          Type.Literal('debug'),
          Type.Literal('info'),
          Type.Literal('warn'),
          Type.Literal('error'),
          Type.Literal('fatal'),
          Type.Literal('none'),
        ],
        { default: 'info', description: 'log level' },
      ),
      file: Str('', 'log to this file instead of stdout'),
    }),
    engine: Section({
      type: Type.Union([Type.Literal('memory'), Type.Literal('nats')], {
        default: 'memory',
        description: 'engine: memory (single node) or nats (cluster)',
      }),
      // Not in Centrifugo (its NATS broker has no history): the JetStream engine's settings.
      nats: Section({
        urls: Type.Array(Type.String(), {
          default: ['nats://127.0.0.1:4222'],
          description: 'NATS server URLs (any servers of one cluster)',
        }),
        prefix: Str('centrifugo', 'prefix of every subject, stream and bucket name'),
        replicas: Int(1, 'JetStream replicas of streams and buckets (3 on a 3-server cluster)', 1),
        token: Str('', 'NATS auth token'),
        user: Str('', 'NATS user'),
        password: Str('', 'NATS password'),
        creds_file: Str('', 'NATS credentials (.creds) file'),
        nkey_seed_file: Str('', 'file holding an NKey seed'),
        tls: Section(TlsOptions),
        connect_timeout: Duration('5s', 'how long to wait for NATS at startup'),
        request_timeout: Duration('2s', 'how long a NATS call may take before error 100'),
        presence_ttl: Duration('60s', 'presence entries expire unless refreshed'),
        node_info_interval: Duration('3s', 'how often nodes announce themselves'),
        node_info_ttl: Duration('10s', 'a node not heard from for this long drops out'),
      }),
    }),
    node: Section({
      name: Str('', 'node name shown in info ("" = hostname_port)'),
      info_metrics_aggregate_interval: Duration(
        '60s',
        'how often the metrics info shows are aggregated (0 = 60s, as in Centrifugo)',
      ),
    }),
    usage_stats: Section({
      disabled: Bool('no anonymous usage statistics (this node never sends any)'),
    }),
    shutdown: Section({
      timeout: Duration('30s', 'how long a graceful shutdown may take, after the drain'),
      // Not Centrifugo keys: the drain on SIGTERM (src/node/lifecycle/drain.ts), off by default
      // as Centrifugo has none; the operator sets both for rolling updates.
      drain_delay: Duration(
        '0s',
        'on SIGTERM, how long the node keeps serving unready before it disconnects clients',
      ),
      disconnect_window: Duration(
        '0s',
        'on SIGTERM, the time over which clients are disconnected (3001), spread evenly',
      ),
    }),
    // Not Centrifugo keys: connections evened out across nodes after a scale-up
    // (src/node/lifecycle/rebalance.ts).
    rebalance: Section({
      enabled: Bool('ask clients on nodes above the cluster mean to reconnect (3011)'),
      interval: Duration('15s', 'how often a node compares its connections with the others'),
      tolerance: Int(20, 'percent above the mean a node may hold before it sheds clients'),
      window: Duration('5s', 'the time over which a node spreads the reconnects it asks for'),
    }),
    http_api: Section({
      disabled: Bool('do not serve the HTTP server API'),
      key: Str('', 'API key required in X-API-Key'),
      insecure: Bool('no API key check (development only)'),
      external: Bool('serve the API on the external port'),
      handler_prefix: Str('/api', 'path prefix of the HTTP server API'),
      error_mode: Type.Union([Type.Literal(''), Type.Literal('transport')], {
        default: '',
        description: '"transport": errors as HTTP statuses',
      }),
      // Not a Centrifugo key: Centrifugo reads API bodies without a limit.
      max_request_body_size: Int(
        8 * 1024 * 1024,
        'largest API request body in bytes; larger ones get 413',
        1,
      ),
    }),
    grpc_api: Section({
      enabled: Bool('serve the gRPC server API'),
      address: Str('', 'gRPC bind address'),
      port: Int(10000, 'gRPC server API port'),
      key: Str(
        '',
        'API key required in gRPC metadata authorization: apikey <key> ("" = no check, as Centrifugo)',
      ),
      error_mode: Type.Union([Type.Literal(''), Type.Literal('transport')], {
        default: '',
        description: '"transport": errors as gRPC status codes',
      }),
      reflection: Bool('gRPC server reflection (not behind the key, as in Centrifugo)'),
      max_receive_message_size: Int(0, 'max gRPC message size in bytes (0 = library default)'),
      tls: Section(TlsOptions),
      // Not Centrifugo keys: the limits of this node's own HTTP/2 (README, gRPC section),
      // defaults from grpc-go, nghttp2, Envoy and nginx.
      http2: Section({
        max_concurrent_streams: Int(1000, 'streams open at once per connection', 1),
        max_header_list_size: Int(
          64 * 1024,
          'largest request header list in bytes (431 past it); a header block may be twice it',
          1024,
        ),
        max_continuation_frames: Int(8, 'CONTINUATION frames per header block (nghttp2: 8)'),
        header_timeout: Duration('10s', 'time from HEADERS to the end of its header block'),
        max_consecutive_empty_frames: Int(
          1,
          'frames in a row that carry and end nothing (Envoy: 1)',
        ),
        max_reset_burst: Int(1000, 'streams a client may reset at once (nghttp2: 1000)', 1),
        max_resets_per_second: Int(33, 'stream resets per second after the burst (nghttp2: 33)', 1),
        keepalive_min_time: Duration('5m', 'least time between client pings (grpc-go: 5m)'),
        keepalive_permit_without_stream: Bool(
          'let clients ping with no call in flight (grpc-go: false)',
        ),
        max_queued_control_frames: Int(
          1000,
          'control frames (acks, resets) queued for a client that reads nothing (nghttp2: 1000)',
          1,
        ),
        max_pending_reply_size: Int(
          16 * 1024 * 1024,
          'reply bytes per connection waiting for flow-control window',
          1,
        ),
        idle_timeout: Duration('3m', 'GOAWAY to a connection without calls this long (0s = never)'),
        handshake_timeout: Duration('10s', 'time to TLS, the HTTP/2 preface and SETTINGS'),
      }),
    }),
    // The admin web UI and admin API (src/node/admin/), as Centrifugo v6's admin section.
    admin: Section({
      enabled: Bool('serve the admin web UI and admin API'),
      handler_prefix: Str('', 'URL prefix of the admin web UI ("" = the root path)'),
      password: Str('', 'password of the admin web UI login'),
      secret: Str('', 'secret that signs admin tokens (HMAC-SHA256); set it with password'),
      insecure: Bool('no admin login at all (development only: firewall the port)'),
      external: Bool('serve the admin UI on the external port, not the internal one'),
      web_path: Str('', 'serve the admin UI files from this directory instead of the built-in UI'),
      web_proxy_address: Str('', 'proxy the admin UI to this address (not supported yet)'),
    }),
    health: Section({
      enabled: Bool('serve the health endpoint (and, beyond Centrifugo, readiness and liveness)'),
      handler_prefix: Str('/health', 'health endpoint path'),
      // Not Centrifugo keys: distinct probes (src/node/lifecycle/readiness.ts).
      ready_handler_prefix: Str(
        '/ready',
        'readiness path: 200 while the engine is connected and the node is not draining',
      ),
      live_handler_prefix: Str('/live', 'liveness path: 200 while the event loop answers'),
    }),
    swagger: Section({
      enabled: Bool('serve the OpenAPI document of the HTTP API and a Swagger UI (internal port)'),
      handler_prefix: Str('/swagger', 'path prefix of the Swagger UI and its swagger.json'),
    }),
    prometheus: Section({
      enabled: Bool('serve Prometheus metrics'),
      handler_prefix: Str('/metrics', 'metrics endpoint path'),
    }),
    client: Section({
      token: Section(TokenOptions),
      subscription_token: Section({
        enabled: Bool('separate subscription token config'),
        ...TokenOptions,
      }),
      allowed_origins: StrList('allowed Origin patterns for browser connections'),
      insecure: Bool('no client auth (development only)'),
      insecure_skip_token_signature_verify: Bool(
        'do not verify token signatures (development only)',
      ),
      allow_anonymous_connect_without_token: Bool('connect without token as anonymous'),
      disallow_anonymous_connection_tokens: Bool('reject tokens with empty sub'),
      user_id_http_header: Str(
        '',
        'take the user ID from this HTTP header of a connection request without a token',
      ),
      ping_interval: Duration('25s', 'server ping interval'),
      pong_timeout: Duration('8s', 'time to wait for a pong'),
      channel_limit: Int(128, 'channels per connection'),
      queue_max_size: Int(1048576, 'bytes queued per connection before disconnect 3008'),
      user_connection_limit: Int(0, 'connections per user per node (0 = no limit)'),
      connection_limit: Int(0, 'connections per node (0 = no limit)'),
      connection_rate_limit: Int(0, 'new connections per second (0 = no limit)'),
      // Centrifugo starts with a negative one and runs commands one at a time, as for 0.
      concurrency: Int(
        0,
        'commands of one connection processed concurrently (1 or less = one at a time)',
        Number.MIN_SAFE_INTEGER,
      ),
      expired_close_delay: Duration('25s', 'delay before closing an expired connection'),
      expired_sub_close_delay: Duration('25s', 'delay before closing an expired subscription'),
      stale_close_delay: Duration('10s', 'close connections that do not connect in time'),
      presence_update_interval: Duration(
        '27s',
        'how often a connection re-adds its presence in its channels, with the current info',
      ),
      channel_position_check_delay: Duration('40s', 'position check interval'),
      channel_position_max_time_lag: Duration(
        '0s',
        'a publication reaching a positioned subscriber later than this after it was published means lost state (0s = no limit)',
      ),
      history_max_publication_limit: Int(300, 'history limit for clients'),
      recovery_max_publication_limit: Int(300, 'recovery limit'),
      connect_include_server_time: Bool('include server time in connect result'),
      connect_code_to_unidirectional_disconnect: Section({
        enabled: Bool(
          'turn connect error codes into these disconnects on unidirectional transports',
        ),
        transforms: Type.Array(
          Type.Object(
            {
              code: Int(0, 'connect error code'),
              to: Section({
                code: Int(0, 'disconnect code'),
                reason: Str('', 'disconnect reason'),
              }),
            },
            { additionalProperties: false },
          ),
          { default: [], description: 'connect error code to disconnect mappings' },
        ),
      }),
      subscribe_to_user_personal_channel: Section({
        enabled: Bool('subscribe each user to the personal channel <namespace>:#<user> on connect'),
        personal_channel_namespace: Str('', 'namespace of personal channels ("" = no namespace)'),
        single_connection: Bool(
          "one connection per user: a new one disconnects the user's others (3504), found by presence in the personal channel",
        ),
      }),
      proxy: Section({ connect: ConnectProxySchema, refresh: RefreshProxySchema }),
    }),
    channel: Section({
      max_length: Int(255, 'max channel name length'),
      namespace_boundary: Str(':', 'namespace separator'),
      private_prefix: Str('$', 'prefix of private channels'),
      user_boundary: Str('#', 'user-limited channel boundary'),
      user_separator: Str(',', 'separator of users in user-limited channels'),
      history_meta_ttl: Duration('720h', 'how long stream meta (offset, epoch) is kept'),
      without_namespace: ChannelOptionsSchema,
      namespaces: Type.Array(NamespaceSchema, { default: [] }),
      proxy: Section({
        subscribe: ProxySchema,
        publish: ProxySchema,
        sub_refresh: ProxySchema,
        subscribe_stream: ProxySchema,
      }),
    }),
    // Client RPC: the built-in ping method first, then the RPC proxy (client/commands/rpc.ts).
    rpc: Section({
      ping: Section({
        enabled: Bool('answer the RPC method rpc.ping.method with an empty result'),
        method: Str('ping', 'name of the built-in RPC ping method'),
      }),
      proxy: ProxySchema,
      without_namespace: Section(RpcOptionsProps),
      namespaces: Type.Array(
        Type.Object(
          { name: Type.String({ description: 'RPC namespace name' }), ...RpcOptionsProps },
          { additionalProperties: false },
        ),
        { default: [] },
      ),
      namespace_boundary: Str(':', 'separator of an RPC namespace and a method name'),
    }),
    proxies: Type.Array(NamedProxySchema, {
      default: [],
      description: 'named proxies, referenced by the *_proxy_name options',
    }),
    websocket: Section({
      disabled: Bool('do not serve WebSocket connections'),
      handler_prefix: Str('/connection/websocket', 'WebSocket endpoint path'),
      message_size_limit: Int(
        65536,
        'largest message a client may send, in bytes on the wire (compressed, if it is)',
      ),
      decompressed_message_size_limit: Int(
        0,
        'largest compressed message once decompressed (0 = 10 times message_size_limit)',
      ),
      write_timeout: Duration('1s', 'write timeout'),
      compression: Bool('offer permessage-deflate compression to clients'),
      compression_level: Type.Integer({
        default: 1,
        minimum: -2,
        maximum: 9,
        description:
          'deflate level of compressed messages: -2 (Huffman only), -1 (zlib default, 6), 0 to 9',
      }),
      compression_min_size: Int(
        0,
        'messages of this many bytes or fewer go uncompressed (0 = compress every message)',
      ),
      read_buffer_size: Int(0, "I/O buffer size of Centrifugo's WebSocket library (no effect)"),
      write_buffer_size: Int(0, "I/O buffer size of Centrifugo's WebSocket library (no effect)"),
    }),
    // The unidirectional transports (connect request in, pushes out) and the bidirectional
    // emulation over SSE and HTTP streaming (src/node/transport/), Centrifugo v6.9.1's keys.
    uni_websocket: Section({
      enabled: Bool('serve the unidirectional WebSocket transport'),
      handler_prefix: Str('/connection/uni_websocket', 'unidirectional WebSocket endpoint path'),
      compression: Bool('offer permessage-deflate compression to clients'),
      compression_min_size: Int(
        0,
        'messages of this many bytes or fewer go uncompressed (0 = compress every message)',
      ),
      compression_level: Type.Integer({
        default: 1,
        minimum: -2,
        maximum: 9,
        description: 'deflate level of compressed messages, as websocket.compression_level',
      }),
      read_buffer_size: Int(0, "I/O buffer size of Centrifugo's WebSocket library (no effect)"),
      use_write_buffer_pool: Bool("a buffer pool of Centrifugo's WebSocket library (no effect)"),
      write_buffer_size: Int(0, "I/O buffer size of Centrifugo's WebSocket library (no effect)"),
      write_timeout: Duration('1s', 'a write making no progress this long drops the connection'),
      message_size_limit: Int(65536, 'largest message a client may send (its connect request)'),
      decompressed_message_size_limit: Int(
        0,
        'largest compressed message once decompressed (0 = 10 times message_size_limit)',
      ),
      disable_closing_handshake: Bool('close without a close frame (before Centrifugo v6.5.1)'),
      disable_disconnect_push: Bool('no disconnect push before the close frame'),
      join_push_messages: Bool('join pushes written together into one frame, one per line'),
    }),
    uni_sse: Section({
      enabled: Bool('serve the unidirectional SSE (EventSource) transport'),
      handler_prefix: Str('/connection/uni_sse', 'unidirectional SSE endpoint path'),
      max_request_body_size: Int(65536, 'largest connect request body (POST), in bytes'),
      connect_code_to_http_response: ConnectCodeToHttpResponse(),
    }),
    uni_http_stream: Section({
      enabled: Bool('serve the unidirectional HTTP streaming transport'),
      handler_prefix: Str(
        '/connection/uni_http_stream',
        'unidirectional HTTP stream endpoint path',
      ),
      max_request_body_size: Int(65536, 'largest connect request body, in bytes'),
      connect_code_to_http_response: ConnectCodeToHttpResponse(),
    }),
    uni_grpc: Section({
      enabled: Bool('serve the unidirectional gRPC transport (unistream.proto) on its own port'),
      address: Str('', 'bind address of the unidirectional gRPC server ("" = all interfaces)'),
      port: Int(11000, 'unidirectional gRPC port'),
      max_receive_message_size: Int(0, 'largest connect request in bytes (0 = 4 MiB)'),
      tls: Section(TlsOptions),
    }),
    sse: Section({
      enabled: Bool('serve the SSE transport of the bidirectional emulation'),
      handler_prefix: Str('/connection/sse', 'SSE endpoint path'),
      max_request_body_size: Int(65536, 'largest initial request body (POST), in bytes'),
    }),
    http_stream: Section({
      enabled: Bool('serve the HTTP streaming transport of the bidirectional emulation'),
      handler_prefix: Str('/connection/http_stream', 'HTTP streaming endpoint path'),
      max_request_body_size: Int(65536, 'largest initial request body, in bytes'),
    }),
    init: Section({
      enabled: Bool(
        'serve the connection init endpoint (GET answers {}: an HTTP/2 warm-up, a health probe)',
      ),
      handler_prefix: Str('/connection/init', 'connection init endpoint path'),
    }),
    emulation: Section({
      handler_prefix: Str('/emulation', 'where emulated connections send their commands'),
      max_request_body_size: Int(65536, 'largest emulation request body, in bytes'),
    }),
    consumers: Type.Array(ConsumerSchema, {
      default: [],
      description: 'async consumers: API commands from PostgreSQL, Kafka, NATS JetStream, Redis',
    }),
    pid_file: Str('', 'write the process ID to this file at startup, remove it at shutdown'),
  },
  { additionalProperties: false },
);

// What each section is for (configdoc shows them above the section's keys).
const SECTION_DOCS: Readonly<Record<string, string>> = {
  http_server: 'The HTTP server: listen address and port, the internal port, TLS, timeouts.',
  log: 'Logging: level and optional log file.',
  engine: 'The engine: memory (one node) or nats (a cluster on NATS JetStream).',
  'engine.nats': 'The NATS JetStream engine: servers, authentication, TLS, timeouts.',
  'engine.nats.tls': 'TLS to NATS.',
  node: 'This node in a cluster: its name and the interval of its info metrics.',
  usage_stats: 'Anonymous usage statistics (this node never sends any).',
  shutdown: 'Graceful shutdown.',
  http_api: 'The HTTP server API (/api): key, insecure mode, port, error mode.',
  grpc_api: 'The gRPC server API: port, key, TLS, reflection, HTTP/2 limits.',
  'grpc_api.tls': 'TLS of the gRPC server API.',
  'grpc_api.http2': 'Limits of the gRPC port HTTP/2.',
  admin: 'The admin web UI and admin API.',
  health: 'The health check endpoint.',
  prometheus: 'The Prometheus metrics endpoint.',
  swagger: 'The OpenAPI document of the HTTP server API and its Swagger UI.',
  client: 'Real-time client connections: tokens, origins, limits, timings.',
  'client.token': 'Connection tokens (JWT).',
  'client.subscription_token':
    'Subscription tokens, when they use other keys than connection tokens.',
  'client.subscribe_to_user_personal_channel': 'Subscribing each user to a personal channel.',
  'client.proxy': 'Connect and refresh proxies: the backend authenticates connections.',
  'client.proxy.connect': 'The connect proxy: connections without a token ask the backend.',
  'client.proxy.refresh': 'The refresh proxy: the backend extends expiring connections.',
  'channel.proxy': 'The default ("default") proxy of each channel event.',
  rpc: 'Client RPC: the built-in ping method, the RPC proxy and RPC namespaces.',
  'rpc.ping': 'The built-in RPC ping method.',
  'rpc.proxy': 'The default ("default") RPC proxy.',
  'rpc.without_namespace': 'RPC options of methods outside any RPC namespace.',
  channel: 'Channels and namespaces: separators, default options, per-namespace options.',
  'channel.without_namespace': 'Options of channels outside any namespace.',
  'channel.namespaces': 'Channel namespaces, each with its own channel options.',
  websocket: 'The bidirectional WebSocket transport: path, limits, compression.',
  uni_websocket: 'The unidirectional WebSocket transport: path, limits, compression, pushes.',
  uni_sse: 'The unidirectional SSE (EventSource) transport.',
  'uni_sse.connect_code_to_http_response': 'Connect errors as HTTP answers on uni_sse.',
  uni_http_stream: 'The unidirectional HTTP streaming transport.',
  'uni_http_stream.connect_code_to_http_response':
    'Connect errors as HTTP answers on uni_http_stream.',
  uni_grpc: 'The unidirectional gRPC transport (unistream.proto) on its own port.',
  'uni_grpc.tls': 'TLS of the unidirectional gRPC transport.',
  sse: 'The SSE transport of the bidirectional emulation.',
  http_stream: 'The HTTP streaming transport of the bidirectional emulation.',
  init: 'The connection init endpoint.',
  emulation: 'The endpoint emulated (SSE, HTTP streaming) connections send commands to.',
  'client.connect_code_to_unidirectional_disconnect':
    'Connect error codes as disconnect codes on unidirectional transports.',
};

for (const [dotted, description] of Object.entries(SECTION_DOCS)) {
  let node: TSchema | undefined = ConfigSchema;
  for (const key of dotted.split('.')) node = node?.properties?.[key] as TSchema | undefined;
  if (node === undefined) throw new Error(`SECTION_DOCS names no section: ${dotted}`);
  node.description = description;
}

export type Config = Static<typeof ConfigSchema>;
export type ChannelOptions = Static<typeof ChannelOptionsSchema>;
export type NamespaceConfig = Static<typeof NamespaceSchema>;
export type { ProxyConfig, StatusTransformConfig } from './proxy-schema.ts';
