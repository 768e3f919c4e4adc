// Config files by extension, as Centrifugo v6.9.1 reads them (viper 1.21): `.json`, `.toml`,
// `.yaml` and `.yml`, the extension compared case-sensitively, so `config.JSON` or `config`
// (no extension) is refused naming the type, as Centrifugo's "Unsupported Config Type" does,
// and that before the file is looked for. The same table writes files (defaultconfig,
// genconfig), so reading and writing cannot disagree on a format.
//
// TOML is read and written by smol-toml: TOML 1.0 compliant (it passes the toml-test suite),
// no dependencies, maintained, and it keeps integers as numbers, which is what the schema
// checks. YAML is written with 4-space indents, as Centrifugo's yaml.v3 writes it.
//
// Both libraries are required on first use, not imported: a node started from a JSON file
// (or from flags and the environment alone) never loads them (bench/results/2026-12-02-idle-node.md).
// require, because config loading is synchronous.
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { ConfigError } from './errors.ts';

const require = createRequire(import.meta.url);
const toml = (): typeof import('smol-toml') => require('smol-toml');
const yaml = (): typeof import('yaml') => require('yaml');

export type ConfigFormat = 'json' | 'toml' | 'yaml';

const FORMATS: Readonly<Record<string, ConfigFormat>> = {
  json: 'json',
  toml: 'toml',
  yaml: 'yaml',
  yml: 'yaml',
};

/** Centrifugo's extensions, in the order its defaultconfig names them. */
export const CONFIG_EXTENSIONS = Object.keys(FORMATS);

/** A file's format by its extension (without the dot), or undefined for any other. */
export function formatOf(path: string): ConfigFormat | undefined {
  return FORMATS[extname(path).slice(1)];
}

/** Like formatOf, but refuses another extension as Centrifugo does, naming it. */
export function requireFormat(path: string): ConfigFormat {
  const format = formatOf(path);
  if (format === undefined) {
    // Centrifugo's viper also reads `.env`/`.dotenv` files as flat `section.key=value`
    // configs; that format is not offered here (CENTRIFUGO_* variables do the same job).
    const ext = extname(path).slice(1);
    throw new ConfigError(
      `config file ${path}: unsupported config type "${ext}" (use one of ${CONFIG_EXTENSIONS.map((e) => `.${e}`).join(', ')})`,
    );
  }
  return format;
}

const NAMES: Record<ConfigFormat, string> = { json: 'JSON', toml: 'TOML', yaml: 'YAML' };

/** The object of sections a config file's text holds; an empty file is an empty config. */
export function parseConfigText(text: string, format: ConfigFormat, path: string) {
  let parsed: unknown;
  try {
    if (format === 'json') parsed = JSON.parse(text);
    else if (format === 'toml') parsed = toml().parse(text);
    else parsed = yaml().parse(text);
  } catch (err) {
    throw new ConfigError(
      `config file ${path} is not valid ${NAMES[format]}: ${(err as Error).message}`,
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

/** A config object as the text of a file of that format (JSON indented by 2, as Centrifugo). */
export function configText(config: Record<string, unknown>, format: ConfigFormat): string {
  if (format === 'json') return `${JSON.stringify(config, null, 2)}\n`;
  if (format === 'toml') return `${toml().stringify(config)}\n`;
  return yaml().stringify(config, { indent: 4 });
}
