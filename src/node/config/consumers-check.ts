// Centrifugo's checks of `consumers[]` (its config validation), with its wording: a name of
// [a-zA-Z0-9_]{2,}, unique; and for an enabled consumer, what its type cannot run without.
// An enabled consumer of a type this node does not run, or a Kafka SASL mechanism it lacks,
// stops startup by name rather than being skipped.
import { Kind, type TSchema } from '@sinclair/typebox';
import { type ConsumerConfig, ConsumerSchema } from './consumers-schema.ts';
import { parseDuration } from './duration.ts';
import { ConfigError } from './errors.ts';

const CONSUMER_NAME = /^[a-zA-Z0-9_]{2,}$/;

const NOT_RUN_HERE: Readonly<Record<string, string>> = {
  google_pub_sub: 'the Google Pub/Sub consumer',
  aws_sqs: 'the AWS SQS consumer',
  azure_service_bus: 'the Azure Service Bus consumer',
};

/**
 * Gives every zero value of a key that has a default its default, in place: Centrifugo reads
 * each consumer again through its env pass, which applies `default` tags to zero fields, so
 * `"method_header": ""` or `"num_workers": 0` run as the defaults there (verified with
 * Centrifugo v6.9.1's checkconfig: an empty channels_header passes, an empty address list
 * does not).
 */
export function fillConsumerDefaults(consumers: ConsumerConfig[]): void {
  for (const c of consumers) fill(c as unknown as Record<string, unknown>, ConsumerSchema);
}

function fill(obj: Record<string, unknown>, schema: TSchema): void {
  for (const [key, child] of Object.entries(schema.properties as Record<string, TSchema>)) {
    const value = obj[key];
    if (child[Kind] === 'Object') {
      if (typeof value === 'object' && value !== null)
        fill(value as Record<string, unknown>, child);
      continue;
    }
    const def = child.default;
    if (def === undefined || isZero(def) || !isZero(value)) continue;
    obj[key] = structuredClone(def);
  }
}

/** Zero scalars only: a list given empty stays empty (Centrifugo then says the key is required). */
function isZero(v: unknown): boolean {
  if (v === '' || v === 0 || v === false || v === undefined) return true;
  return typeof v === 'string' && parseDuration(v) === 0;
}

export function checkConsumers(consumers: readonly ConsumerConfig[]): void {
  const seen = new Set<string>();
  consumers.forEach((c, i) => {
    const at = `consumers.${i}`;
    if (!CONSUMER_NAME.test(c.name)) {
      throw new ConfigError(
        `config key "${at}.name": invalid consumer name: ${c.name}, must match ${CONSUMER_NAME.source} regular expression`,
        `${at}.name`,
      );
    }
    if (seen.has(c.name)) {
      throw new ConfigError(
        `config key "${at}.name": invalid consumer name: ${c.name}, must be unique`,
        `${at}.name`,
      );
    }
    seen.add(c.name);
    if (!c.enabled) return;
    const why = NOT_RUN_HERE[c.type];
    if (why !== undefined) {
      throw new ConfigError(
        `not supported yet: ${at}.type (${why}): use postgresql, kafka, nats_jetstream or redis_stream, or set enabled to false`,
        `${at}.type`,
      );
    }
    if (c.type === 'kafka' && c.kafka.sasl_mechanism === 'aws-msk-iam') {
      throw new ConfigError(
        `not supported yet: ${at}.kafka.sasl_mechanism (AWS MSK IAM authentication): use plain, scram-sha-256 or scram-sha-512`,
        `${at}.kafka.sasl_mechanism`,
      );
    }
    const problem = problemOf(c);
    if (problem !== undefined) {
      throw new ConfigError(
        `config key "${at}.${c.type}.${problem.key}": in consumer ${c.name} (${c.type}): ${problem.message}`,
        `${at}.${c.type}.${problem.key}`,
      );
    }
  });
}

function problemOf(c: ConsumerConfig): { key: string; message: string } | undefined {
  switch (c.type) {
    case 'postgresql': {
      const p = c.postgresql;
      if (p.dsn === '') return { key: 'dsn', message: 'no Postgres DSN provided' };
      if (p.outbox_table_name === '')
        return { key: 'outbox_table_name', message: 'no Postgres outbox table name provided' };
      return undefined;
    }
    case 'kafka': {
      const k = c.kafka;
      if (k.brokers.length === 0) return { key: 'brokers', message: 'no Kafka brokers provided' };
      if (k.topics.length === 0) return { key: 'topics', message: 'no Kafka topics provided' };
      if (k.consumer_group === '')
        return { key: 'consumer_group', message: 'no Kafka consumer group provided' };
      if (k.publication_data_mode.enabled && k.publication_data_mode.channels_header === '')
        return {
          key: 'publication_data_mode.channels_header',
          message: 'no Kafka channels_header_name provided for publication data mode',
        };
      if (k.assume_role_arn !== '' && k.sasl_mechanism !== 'aws-msk-iam')
        return {
          key: 'assume_role_arn',
          message: 'assume_role_arn requires sasl_mechanism aws-msk-iam',
        };
      return undefined;
    }
    case 'nats_jetstream': {
      const n = c.nats_jetstream;
      if (n.url === '') return { key: 'url', message: 'url is required' };
      if (n.stream_name === '') return { key: 'stream_name', message: 'stream_name is required' };
      if (n.durable_consumer_name === '')
        return {
          key: 'durable_consumer_name',
          message: 'durable_consumer_name is required for consumer',
        };
      if (n.publication_data_mode.enabled && n.publication_data_mode.channels_header === '')
        return {
          key: 'publication_data_mode.channels_header',
          message: 'channels_header is required for publication data mode',
        };
      return undefined;
    }
    case 'redis_stream': {
      const r = c.redis_stream;
      if (r.address.length === 0) return { key: 'address', message: 'redis address is required' };
      if (r.address.length > 1)
        return {
          key: 'address',
          message: `expected a single Redis shard, got ${r.address.length}`,
        };
      if (r.streams.length === 0) return { key: 'streams', message: "streams can't be empty" };
      if (r.consumer_group === '')
        return { key: 'consumer_group', message: 'consumer_group is required' };
      if (r.publication_data_mode.enabled && r.publication_data_mode.channels_value === '')
        return {
          key: 'publication_data_mode.channels_value',
          message: 'channels_value is required when publication data mode is enabled',
        };
      return undefined;
    }
    default:
      return undefined;
  }
}
