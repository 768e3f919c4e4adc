// The `consumers[]` list: Centrifugo v6.9.1's keys and defaults (its configtypes.Consumer and
// the config of each consumer type), so a Centrifugo consumers section runs here unchanged.
// google_pub_sub, aws_sqs and azure_service_bus are not in the schema: their keys pass at
// their defaults and are refused by name otherwise (support.ts), as is such a type enabled.
import { type Static, type TSchema, Type } from '@sinclair/typebox';

const Duration = (def: string, description: string) =>
  Type.String({ format: 'duration', default: def, description });
const Bool = (description: string) => Type.Boolean({ default: false, description });
/**
 * Marks a zero default that Centrifugo's configdoc still prints (its struct tag names it), so
 * `configdoc` here prints it too (src/node/config/config-doc.ts).
 */
const printed = <T extends TSchema>(schema: T): T => ({ ...schema, printDefault: true });
const Str = (def: string, description: string) => Type.String({ default: def, description });
const Int = (def: number, description: string, minimum = 0) =>
  Type.Integer({ default: def, minimum, description });
const StrList = (description: string, def: string[] = []) =>
  Type.Array(Type.String(), { default: def, description });
const Section = <T extends Record<string, TSchema>>(props: T) =>
  Type.Object(props, { additionalProperties: false, default: {} });

/** Centrifugo's TLSConfig as a TLS client reads it. */
const ClientTls = () =>
  Section({
    enabled: Bool('use TLS'),
    cert_pem: Str('', 'client certificate: PEM, base64 PEM or file path'),
    key_pem: Str('', 'client private key: PEM, base64 PEM or file path'),
    server_ca_pem: Str('', 'CA to verify the server with'),
    client_ca_pem: Str('', 'server-side option: a TLS client verifies no client certificates'),
    insecure_skip_verify: Bool('skip server certificate verification (testing only)'),
    server_name: Str('', 'server name to verify'),
  });

/** The publication data mode of Kafka and NATS JetStream: message headers name the fields. */
const HeaderPublicationDataMode = (what: string) =>
  Section({
    enabled: Bool(`the ${what} payload is data published as-is into channels`),
    channels_header: Str('centrifugo-channels', 'header of comma-separated channels'),
    idempotency_key_header: Str('centrifugo-idempotency-key', 'header of the idempotency key'),
    delta_header: Str('centrifugo-delta', 'header of the delta flag'),
    version_header: Str('centrifugo-version', 'header of the publication version'),
    version_epoch_header: Str('centrifugo-version-epoch', 'header of the version epoch'),
    tags_header_prefix: Str('centrifugo-tag-', 'prefix of headers that become tags'),
  });

export const PostgresConsumerSchema = Section({
  dsn: Str('', 'PostgreSQL connection string (postgres://user:pass@host:5432/db)'),
  outbox_table_name: Str('', 'the outbox table'),
  num_partitions: Int(1, 'partitions of the outbox table, consumed in parallel'),
  partition_select_limit: Int(100, 'rows read per partition per transaction'),
  partition_poll_interval: Duration('300ms', 'how often an idle partition is polled'),
  partition_notification_channel: Str('', 'LISTEN channel whose NOTIFY payload is a partition'),
  partition_notification_dsn: Str('', 'separate DSN for the LISTEN connection (past PgBouncer)'),
  tls: ClientTls(),
  use_try_lock: printed(
    Bool('pg_try_advisory_xact_lock instead of waiting on pg_advisory_xact_lock'),
  ),
});

export const KafkaConsumerSchema = Section({
  brokers: StrList('seed brokers, host:port'),
  topics: StrList('topics to consume'),
  consumer_group: Str('', 'consumer group ID'),
  max_poll_records: Int(100, 'records buffered ahead of processing'),
  fetch_max_bytes: Int(0, 'bytes per fetch (0 = 50 MB)'),
  fetch_max_wait: Duration('500ms', 'how long a fetch waits for records'),
  fetch_read_uncommitted: printed(Bool('read uncommitted records of transactional producers')),
  partition_queue_max_size: Int(1000, 'records queued per partition before it pauses', -1),
  dial_timeout: Duration('3s', 'TCP connect timeout per broker'),
  tls: ClientTls(),
  sasl_mechanism: Type.Union(
    [
      Type.Literal(''),
      Type.Literal('plain'),
      Type.Literal('scram-sha-256'),
      Type.Literal('scram-sha-512'),
      Type.Literal('aws-msk-iam'),
    ],
    { default: '', description: 'SASL mechanism ("" = no SASL)' },
  ),
  sasl_user: Str('', 'SASL user'),
  sasl_password: Str('', 'SASL password'),
  assume_role_arn: Str('', 'AWS role to assume for aws-msk-iam'),
  instance_id: Str('', 'static group membership ID (the pod name, say)'),
  method_header: Str('centrifugo-method', 'header naming the API method of the payload'),
  publication_data_mode: HeaderPublicationDataMode('Kafka record'),
});

export const NatsJetStreamConsumerSchema = Section({
  url: Str('nats://127.0.0.1:4222', 'NATS server URL'),
  credentials_file: Str('', 'NATS credentials (.creds) file'),
  username: Str('', 'NATS user'),
  password: Str('', 'NATS password'),
  token: Str('', 'NATS token'),
  stream_name: Str('', 'the JetStream stream'),
  use_existing_consumer: printed(Bool('attach to an existing durable consumer, creating nothing')),
  subjects: StrList('filter subjects of the consumer'),
  durable_consumer_name: Str('', 'the durable consumer, shared by every node'),
  deliver_policy: Type.Union([Type.Literal('new'), Type.Literal('all')], {
    default: 'new',
    description: 'new: only messages after creation; all: the whole stream',
  }),
  max_ack_pending: Int(100, 'unacknowledged messages outstanding'),
  method_header: Str('centrifugo-method', 'header naming the API method of the payload'),
  publication_data_mode: HeaderPublicationDataMode('NATS message'),
  tls: ClientTls(),
});

export const RedisStreamConsumerSchema = Section({
  address: StrList('Redis address (one shard): redis://host:port, rediss:// for TLS', [
    'redis://127.0.0.1:6379',
  ]),
  connect_timeout: Duration('1s', 'connect timeout'),
  io_timeout: Duration('4s', 'timeout of one command'),
  db: printed(Int(0, 'Redis database number')),
  user: Str('', 'Redis ACL user'),
  password: Str('', 'Redis password'),
  client_name: Str('', 'CLIENT SETNAME of the connections'),
  force_resp2: Bool('speak RESP2 instead of RESP3'),
  cluster_address: StrList('Redis Cluster addresses'),
  tls: ClientTls(),
  sentinel_address: StrList('Redis Sentinel addresses'),
  sentinel_user: Str('', 'Sentinel user'),
  sentinel_password: Str('', 'Sentinel password'),
  sentinel_master_name: Str('', 'Sentinel master name'),
  sentinel_client_name: Str('', 'Sentinel client name'),
  sentinel_tls: ClientTls(),
  replica_client: Section({ enabled: Bool('a replica client (consumers read the primary)') }),
  streams: StrList('stream keys to consume'),
  consumer_group: Str('', 'consumer group, shared by every node'),
  visibility_timeout: Duration('30s', 'a message pending this long is claimed again'),
  num_workers: Int(1, 'messages processed concurrently per stream'),
  payload_value: Str('payload', 'field holding the payload'),
  method_value: Str('method', 'field naming the API method of the payload'),
  publication_data_mode: Section({
    enabled: Bool('the payload field is data published as-is into channels'),
    channels_value: Str('centrifugo-channels', 'field of comma-separated channels'),
    idempotency_key_value: Str('centrifugo-idempotency-key', 'field of the idempotency key'),
    delta_value: Str('centrifugo-delta', 'field of the delta flag'),
    version_value: Str('centrifugo-version', 'field of the publication version'),
    version_epoch_value: Str('centrifugo-version-epoch', 'field of the version epoch'),
    tags_value_prefix: Str('centrifugo-tag-', 'prefix of fields that become tags'),
  }),
});

/** Every type Centrifugo v6.9.1 knows; this node runs the first four. */
export const CONSUMER_TYPES = [
  'postgresql',
  'kafka',
  'nats_jetstream',
  'redis_stream',
  'google_pub_sub',
  'aws_sqs',
  'azure_service_bus',
] as const;

export const ConsumerSchema = Type.Object(
  {
    name: Type.String({ description: 'unique name of the consumer ([a-zA-Z0-9_]{2,})' }),
    enabled: Bool('run this consumer'),
    type: Type.Union(
      CONSUMER_TYPES.map((t) => Type.Literal(t)),
      { description: 'postgresql, kafka, nats_jetstream or redis_stream' },
    ),
    postgresql: PostgresConsumerSchema,
    kafka: KafkaConsumerSchema,
    nats_jetstream: NatsJetStreamConsumerSchema,
    redis_stream: RedisStreamConsumerSchema,
  },
  { additionalProperties: false },
);

export type ConsumerConfig = Static<typeof ConsumerSchema>;
export type PostgresConsumerConfig = Static<typeof PostgresConsumerSchema>;
export type KafkaConsumerConfig = Static<typeof KafkaConsumerSchema>;
export type NatsJetStreamConsumerConfig = Static<typeof NatsJetStreamConsumerSchema>;
export type RedisStreamConsumerConfig = Static<typeof RedisStreamConsumerSchema>;
export type ClientTlsConfig = PostgresConsumerConfig['tls'];
