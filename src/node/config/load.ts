// Builds the node's Config from defaults < file (JSON or YAML) < CENTRIFUGO_* env < flags,
// the precedence Centrifugo uses. Anything unknown or mistyped stops startup with a
// ConfigError naming the key; unknown CENTRIFUGO_* variables only warn, as in Centrifugo.
import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { type TSchema, TypeGuard } from '@sinclair/typebox';
import { Value, ValueErrorType } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { parseDuration } from './duration.ts';
import { ConfigError } from './errors.ts';
import { LEAF_BY_DOTTED, LEAF_BY_ENV, parseLeafText } from './leaves.ts';
import { type Config, ConfigSchema } from './schema.ts';

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
  warnings: string[];
}

const NAMESPACE_NAME = /^[-a-zA-Z0-9_.]{2,}$/;

export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const warnings: string[] = [];
  let raw: Record<string, unknown> = {};
  let file: string | undefined;
  if (options.file !== undefined && options.file !== '') {
    if (existsSync(options.file)) {
      raw = readConfigFile(options.file);
      file = options.file;
    } else if (options.fileRequired) {
      throw new ConfigError(`config file ${options.file} not found`);
    } else {
      warnings.push(`config file ${options.file} not found: running on defaults, env and flags`);
    }
  }
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (!name.startsWith('CENTRIFUGO_') || value === undefined) continue;
    const leaf = LEAF_BY_ENV.get(name);
    if (!leaf) {
      warnings.push(`unknown environment variable ${name} ignored`);
      continue;
    }
    setPath(raw, leaf.path, parseLeafText(leaf, value));
  }
  for (const [dotted, value] of Object.entries(options.flags ?? {})) {
    const leaf = LEAF_BY_DOTTED.get(dotted);
    if (!leaf) throw new ConfigError(`unknown flag --${dotted}`, dotted);
    setPath(raw, leaf.path, typeof value === 'boolean' ? value : parseLeafText(leaf, value));
  }
  return { config: validateConfig(raw), file, warnings };
}

/** Applies defaults and checks a raw config object; throws ConfigError naming the first bad key. */
export function validateConfig(raw: unknown): Config {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('config must be an object of sections (http_api, client, channel, ...)');
  }
  const withDefaults = Value.Default(ConfigSchema, structuredClone(raw));
  const first = Value.Errors(ConfigSchema, withDefaults).First();
  if (first) throw new ConfigError(describeError(first), keyOf(first.path));
  const config = withDefaults as Config;
  checkSemantics(config);
  return config;
}

function readConfigFile(path: string): Record<string, unknown> {
  const text = readFileSync(path, 'utf8');
  const ext = extname(path).toLowerCase();
  let parsed: unknown;
  try {
    parsed = ext === '.yaml' || ext === '.yml' ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new ConfigError(
      `config file ${path} is not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
      undefined,
      { cause: err },
    );
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold an object of sections`);
  }
  return parsed as Record<string, unknown>;
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
  if (TypeGuard.IsInteger(schema)) return `an integer >= ${schema.minimum ?? 0}`;
  if (TypeGuard.IsBoolean(schema)) return 'true or false';
  if (TypeGuard.IsString(schema)) return 'a string';
  if (TypeGuard.IsArray(schema)) return 'a list';
  if (TypeGuard.IsObject(schema)) return 'an object';
  return 'valid';
}

function checkSemantics(config: Config): void {
  const seen = new Set<string>();
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
    checkRegex(ns.channel_regex, `channel.namespaces.${i}.channel_regex`);
  });
  checkRegex(
    config.channel.without_namespace.channel_regex,
    'channel.without_namespace.channel_regex',
  );
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
  const admin = config.admin.handler_prefix;
  if (admin !== '' && !admin.startsWith('/')) {
    throw new ConfigError(
      'config key "admin.handler_prefix" must be empty or start with "/"',
      'admin.handler_prefix',
    );
  }
  if (config.admin.web_proxy_address !== '') {
    throw new ConfigError(
      'not supported yet: admin.web_proxy_address (serve a custom UI with admin.web_path)',
      'admin.web_proxy_address',
    );
  }
  if (config.http_server.internal_port !== '' && !/^\d+$/.test(config.http_server.internal_port)) {
    throw new ConfigError(
      'config key "http_server.internal_port" must be a port number',
      'http_server.internal_port',
    );
  }
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
