export { CENTRIFUGO_LEAVES } from './centrifugo-keys.ts';
export { clientTlsOptions } from './client-tls.ts';
export { configMarkdown, documentConfig, type FieldDoc } from './config-doc.ts';
export { envLines, fullConfig } from './config-output.ts';
export type {
  ClientTlsConfig,
  ConsumerConfig,
  KafkaConsumerConfig,
  NatsJetStreamConsumerConfig,
  PostgresConsumerConfig,
  RedisStreamConsumerConfig,
} from './consumers-schema.ts';
export { DOTENV_FILE, parseDotEnv, withDotEnv } from './dotenv.ts';
export { formatDuration, formatGoDuration, parseDuration } from './duration.ts';
export { ConfigError } from './errors.ts';
export {
  CONFIG_EXTENSIONS,
  type ConfigFormat,
  configText,
  formatOf,
  requireFormat,
} from './file-formats.ts';
export { LEAF_BY_DOTTED, LEAVES, type Leaf } from './leaves.ts';
export { type LoadedConfig, type LoadOptions, loadConfig, validateConfig } from './load.ts';
export { loadPem } from './pem.ts';
export { DEFAULT_PROXY_NAME, proxyNameOf } from './proxy-check.ts';
export {
  type ChannelOptions,
  type Config,
  ConfigSchema,
  type NamespaceConfig,
  type ProxyConfig,
  type StatusTransformConfig,
} from './schema.ts';

import { parseDuration } from './duration.ts';

/** Milliseconds of a duration that validation already accepted. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`not a duration: ${text}`);
  return ms;
}
