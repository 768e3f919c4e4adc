// Builds the node's Config from defaults < file (JSON, TOML or YAML) < CENTRIFUGO_* env < flags,
// the precedence Centrifugo uses. Anything unknown or mistyped stops startup with a
// ConfigError naming the key, and so does a Centrifugo key this node does not implement yet
// unless it holds its default (support.ts); unknown CENTRIFUGO_* variables only warn, as in
// Centrifugo (env.ts reads them as Centrifugo does).
import { existsSync, readFileSync } from 'node:fs';
import { type TSchema, TypeGuard } from '@sinclair/typebox';
import { Value, ValueErrorType } from '@sinclair/typebox/value';
import { CENTRIFUGO_LEAVES } from './centrifugo-keys.ts';
import { checkConsumers, fillConsumerDefaults } from './consumers-check.ts';
import { formatDuration, parseDuration } from './duration.ts';
import { applyEnv } from './env.ts';
import { ConfigError } from './errors.ts';
import { parseConfigText, requireFormat } from './file-formats.ts';
import { LEAF_BY_DOTTED, parseLeafText } from './leaves.ts';
import { type ChannelOptions, type Config, ConfigSchema } from './schema.ts';
import { acceptCentrifugoDefaults, refuseUnsupported } from './support.ts';

export interface LoadOptions {
  /** Path of the config file; a missing file is a warning unless `fileRequired`. */
  file?: string | undefined;
  fileRequired?: boolean;
  env?: Record<string, string | undefined>;
  /** Dotted config keys from the command line, as text (booleans may be true). */
  flags?: Record<string, string | boolean>;
}

export interface LoadedConfig {
  config: Config;
  /** The file that was read, if any. */
  file: string | undefined;
  /** What the file held, before env and flags (defaultenv --base-non-zero-only reads it). */
  fileValues: Record<string, unknown>;
  warnings: string[];
}

const NAMESPACE_NAME = /^[-a-zA-Z0-9_.]{2,}$/;

export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const warnings: string[] = [];
  let raw: Record<string, unknown> = {};
  let file: string | undefined;
  if (options.file !== undefined && options.file !== '') {
    // As Centrifugo: an extension it cannot read is refused before the file is looked for.
    const format = requireFormat(options.file);
    if (existsSync(options.file)) {
      raw = parseConfigText(readFileSync(options.file, 'utf8'), format, options.file);
      file = options.file;
    } else if (options.fileRequired) {
      throw new ConfigError(`config file ${options.file} not found`);
    } else {
      warnings.push(`config file ${options.file} not found: running on defaults, env and flags`);
    }
  }
  const fileValues = structuredClone(raw);
  warnings.push(...applyEnv(raw, options.env ?? {}));
  for (const [dotted, value] of Object.entries(options.flags ?? {})) {
    const leaf = LEAF_BY_DOTTED.get(dotted);
    if (leaf) {
      setPath(raw, leaf.path, typeof value === 'boolean' ? value : parseLeafText(leaf, value));
    } else if (CENTRIFUGO_LEAVES.has(dotted) && !dotted.includes('[]')) {
      // A Centrifugo key this node lacks (--broker.enabled): support.ts lets its default
      // through and refuses anything else by name.
      setPath(raw, dotted.split('.'), value);
    } else {
      throw new ConfigError(`unknown flag --${dotted}`, dotted);
    }
  }
  return { config: validateConfig(raw), file, fileValues, warnings };
}

/** Applies defaults and checks a raw config object; throws ConfigError naming the first bad key. */
export function validateConfig(raw: unknown): Config {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('config must be an object of sections (http_api, client, channel, ...)');
  }
  // Centrifugo keys this node lacks pass at their default and are refused by name otherwise.
  const known = acceptCentrifugoDefaults(raw as Record<string, unknown>);
  const withDefaults = Value.Default(ConfigSchema, known);
  const first = Value.Errors(ConfigSchema, withDefaults).First();
  if (first) throw new ConfigError(describeError(first), keyOf(first.path));
  const config = withDefaults as Config;
  checkSemantics(config);
  refuseUnsupported(config);
  return config;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function keyOf(pointer: string): string {
  return pointer
    .split('/')
    .filter((p) => p !== '')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function describeError(error: {
  type: ValueErrorType;
  path: string;
  schema: TSchema;
  value: unknown;
  message: string;
}): string {
  const key = keyOf(error.path);
  const got = error.value === undefined ? 'nothing' : `${JSON.stringify(error.value)}`;
  switch (error.type) {
    case ValueErrorType.ObjectAdditionalProperties:
      return `unknown config key "${key}": remove it or check its spelling against the Centrifugo v6 names`;
    case ValueErrorType.ObjectRequiredProperty:
      return `config key "${key}" is required`;
    default: {
      const want = expected(error.schema);
      return `config key "${key}" must be ${want}, got ${got}`;
    }
  }
}

function expected(schema: TSchema): string {
  if (TypeGuard.IsUnion(schema)) {
    return `one of ${schema.anyOf.map((s) => JSON.stringify(s.const)).join(', ')}`;
  }
  if (TypeGuard.IsString(schema) && schema.format === 'duration') {
    return 'a duration such as "500ms", "25s" or "720h"';
  }
  if (TypeGuard.IsInteger(schema)) {
    const max = schema.maximum === undefined ? '' : ` and <= ${schema.maximum}`;
    return `an integer >= ${schema.minimum ?? 0}${max}`;
  }
  if (TypeGuard.IsBoolean(schema)) return 'true or false';
  if (TypeGuard.IsString(schema)) return 'a string';
  if (TypeGuard.IsArray(schema)) return 'a list';
  if (TypeGuard.IsObject(schema)) return 'an object';
  return 'valid';
}

function checkSemantics(config: Config): void {
  const seen = new Set<string>();
  const globalMetaTtl = checkWholeSeconds(
    config.channel.history_meta_ttl,
    'channel.history_meta_ttl',
  );
  config.channel.namespaces.forEach((ns, i) => {
    const key = `channel.namespaces.${i}.name`;
    if (!NAMESPACE_NAME.test(ns.name)) {
      throw new ConfigError(
        `config key "${key}": namespace name "${ns.name}" must match ${NAMESPACE_NAME.source}`,
        key,
      );
    }
    if (seen.has(ns.name))
      throw new ConfigError(`config key "${key}": namespace "${ns.name}" is defined twice`, key);
    seen.add(ns.name);
    checkChannelOptions(ns, `channel.namespaces.${i}`, globalMetaTtl);
  });
  checkChannelOptions(config.channel.without_namespace, 'channel.without_namespace', globalMetaTtl);
  fillConsumerDefaults(config.consumers);
  checkConsumers(config.consumers);
  if (!config.http_api.handler_prefix.startsWith('/')) {
    throw new ConfigError(
      'config key "http_api.handler_prefix" must start with "/"',
      'http_api.handler_prefix',
    );
  }
  for (const key of ['read_header_timeout', 'read_timeout', 'idle_timeout'] as const) {
    if ((parseDuration(config.http_server[key]) ?? 0) < 0) {
      throw new ConfigError(
        `config key "http_server.${key}" must not be negative`,
        `http_server.${key}`,
      );
    }
  }
  // Centrifugo's transports need a ping to be answered before the next one is due.
  const ping = parseDuration(config.client.ping_interval) ?? 0;
  const pong = parseDuration(config.client.pong_timeout) ?? 0;
  if (!config.websocket.disabled && ping <= pong) {
    throw new ConfigError(
      `config key "client.ping_interval" (${config.client.ping_interval}) must be greater than client.pong_timeout (${config.client.pong_timeout})`,
      'client.ping_interval',
    );
  }
  const admin = config.admin.handler_prefix;
  if (admin !== '' && !admin.startsWith('/')) {
    throw new ConfigError(
      'config key "admin.handler_prefix" must be empty or start with "/"',
      'admin.handler_prefix',
    );
  }
  for (const [key, claim] of [
    ['client.token.user_id_claim', config.client.token.user_id_claim],
    ['client.subscription_token.user_id_claim', config.client.subscription_token.user_id_claim],
  ] as const) {
    // Centrifugo's own check and wording.
    if (claim !== '' && !/^[a-zA-Z_]+$/.test(claim)) {
      throw new ConfigError(
        `config key "${key}": invalid custom user ID claim: ${claim}, must match ^[a-zA-Z_]+$ regular expression`,
        key,
      );
    }
  }
  if (config.http_server.internal_port !== '' && !/^\d+$/.test(config.http_server.internal_port)) {
    throw new ConfigError(
      'config key "http_server.internal_port" must be a port number',
      'http_server.internal_port',
    );
  }
}

/** Centrifugo's checks of channel options (its config validation), with the same wording. */
function checkChannelOptions(o: ChannelOptions, at: string, globalMetaTtlMs: number): void {
  const ttl = checkWholeSeconds(o.history_ttl, `${at}.history_ttl`);
  const metaTtl =
    checkWholeSeconds(o.history_meta_ttl, `${at}.history_meta_ttl`) || globalMetaTtlMs;
  if (o.history_size > 0 !== ttl > 0) {
    throw new ConfigError(
      `config key "${at}": both history_size and history_ttl are required for history (set both, or neither)`,
      `${at}.${o.history_size > 0 ? 'history_ttl' : 'history_size'}`,
    );
  }
  if (metaTtl < ttl) {
    throw new ConfigError(
      `config key "${at}.history_ttl" (${o.history_ttl}) can not be greater than the history meta ttl (${formatDuration(metaTtl)})`,
      `${at}.history_ttl`,
    );
  }
  if (o.force_recovery && o.history_size === 0) {
    throw new ConfigError(
      `config key "${at}.force_recovery": both history_size and history_ttl are required for recovery`,
      `${at}.force_recovery`,
    );
  }
  if (o.auto_cache_recover && (!o.force_recovery || o.force_recovery_mode !== 'cache')) {
    throw new ConfigError(
      `config key "${at}.auto_cache_recover": auto_cache_recover requires force_recovery and force_recovery_mode set to cache`,
      `${at}.auto_cache_recover`,
    );
  }
  const deltaType = o.allowed_delta_types.find((t) => t !== 'fossil');
  if (deltaType !== undefined) {
    throw new ConfigError(
      `config key "${at}.allowed_delta_types": unknown allowed delta type: "${deltaType}"`,
      `${at}.allowed_delta_types`,
    );
  }
  checkRegex(o.channel_regex, `${at}.channel_regex`);
}

/** Milliseconds of a duration Centrifugo takes in whole seconds only. */
function checkWholeSeconds(text: string, key: string): number {
  const ms = parseDuration(text) ?? 0;
  if (ms > 0 && ms % 1000 !== 0) {
    throw new ConfigError(
      `config key "${key}": ${text} has sub-second precision, which this key does not support`,
      key,
    );
  }
  return ms;
}

function checkRegex(source: string, key: string): void {
  if (source === '') return;
  try {
    new RegExp(source);
  } catch (err) {
    throw new ConfigError(
      `config key "${key}" is not a valid regular expression: ${(err as Error).message}`,
      key,
      { cause: err },
    );
  }
}
