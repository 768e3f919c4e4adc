// Splits argv into a subcommand, its options and positionals, for both programs: the
// node's commands and `operator`. Each command declares its own options; the node's
// commands that read the config also take any config key as `--dotted.key`, so a flag can
// never name a key the schema does not have.
import { CENTRIFUGO_LEAVES, LEAF_BY_DOTTED } from '../node/config/index.ts';
// The flag table only: the operator's code (and its Kubernetes client) loads for `operator`.
import { OPERATOR_FLAGS, type OperatorFlag } from '../operator/cli-options.ts';

export const COMMANDS = [
  'serve',
  'genconfig',
  'gentoken',
  'gensubtoken',
  'checktoken',
  'checksubtoken',
  'checkconfig',
  'defaultconfig',
  'defaultenv',
  'configdoc',
  'completion',
  'version',
  'operator',
  'help',
] as const;
export type Command = (typeof COMMANDS)[number];

export interface OptionSpec {
  long: string;
  short?: string;
  kind: 'string' | 'integer' | 'boolean';
  /** A config key the option sets (serve's -p and -a). */
  configKey?: string;
  help: string;
}

/** An operator flag as an option; its default, when it has one, ends its help. */
function operatorOption(flag: OperatorFlag): OptionSpec {
  const help = flag.default === undefined ? flag.help : `${flag.help} (default ${flag.default})`;
  return { long: flag.long, ...(flag.short ? { short: flag.short } : {}), kind: flag.kind, help };
}

const CONFIG: OptionSpec = {
  long: 'config',
  short: 'c',
  kind: 'string',
  help: 'config file, .json, .toml, .yaml or .yml (default config.json)',
};
const BASE: OptionSpec = {
  long: 'base',
  short: 'b',
  kind: 'string',
  help: 'base config file whose values replace the defaults',
};
const USER: OptionSpec = { long: 'user', short: 'u', kind: 'string', help: 'user ID (sub claim)' };
const TTL: OptionSpec = {
  long: 'ttl',
  short: 't',
  kind: 'integer',
  help: 'token lifetime in seconds, -1 for no expiration (default 604800)',
};
const QUIET: OptionSpec = {
  long: 'quiet',
  short: 'q',
  kind: 'boolean',
  help: 'print the token only',
};

export const COMMAND_OPTIONS: Record<Command, { options: OptionSpec[]; configFlags: boolean }> = {
  serve: {
    configFlags: true,
    options: [
      CONFIG,
      {
        long: 'port',
        short: 'p',
        kind: 'integer',
        configKey: 'http_server.port',
        help: 'HTTP port',
      },
      {
        long: 'address',
        short: 'a',
        kind: 'string',
        configKey: 'http_server.address',
        help: 'HTTP bind address',
      },
    ],
  },
  genconfig: {
    configFlags: false,
    options: [
      { ...CONFIG, help: 'file to write, .json, .toml, .yaml or .yml (default config.json)' },
    ],
  },
  defaultconfig: {
    configFlags: false,
    options: [
      { ...CONFIG, help: 'file to write, .json, .toml, .yaml or .yml (default config.json)' },
      BASE,
      {
        long: 'dry-run',
        short: 'd',
        kind: 'boolean',
        help: 'print the config instead of writing it',
      },
    ],
  },
  defaultenv: {
    configFlags: false,
    options: [
      BASE,
      {
        long: 'base-non-zero-only',
        kind: 'boolean',
        help: 'only the variables of keys the base file sets to a non-zero value',
      },
    ],
  },
  configdoc: {
    configFlags: false,
    options: [
      {
        long: 'markdown',
        short: 'm',
        kind: 'boolean',
        help: 'print Markdown instead of serving a page',
      },
      { long: 'section', short: 's', kind: 'string', help: 'only keys starting with this section' },
      {
        long: 'port',
        short: 'p',
        kind: 'integer',
        help: 'port of the page on localhost (default 6060)',
      },
      { long: 'base-level', short: 'l', kind: 'integer', help: 'added to Markdown heading levels' },
    ],
  },
  completion: { configFlags: false, options: [] },
  gentoken: { configFlags: true, options: [CONFIG, USER, TTL, QUIET] },
  gensubtoken: {
    configFlags: true,
    options: [
      CONFIG,
      USER,
      { long: 'channel', short: 's', kind: 'string', help: 'channel the token grants' },
      TTL,
      QUIET,
    ],
  },
  checktoken: { configFlags: true, options: [CONFIG] },
  checksubtoken: { configFlags: true, options: [CONFIG] },
  checkconfig: {
    configFlags: true,
    options: [
      CONFIG,
      { long: 'strict', short: 's', kind: 'boolean', help: 'accepted, always strict' },
    ],
  },
  version: { configFlags: false, options: [] },
  // The operator's options and defaults are its own (src/operator/cli-options.ts).
  operator: { configFlags: false, options: OPERATOR_FLAGS.map(operatorOption) },
  help: { configFlags: false, options: [] },
};

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ParsedArgs {
  command: Command;
  /** Command options by long name. */
  options: Map<string, string | boolean>;
  /** Config keys set on the command line (dotted, as text). */
  configFlags: Record<string, string | boolean>;
  positionals: string[];
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const first = argv[0];
  let command: Command = 'serve';
  let rest = argv;
  if (first !== undefined && !first.startsWith('-')) {
    if (!(COMMANDS as readonly string[]).includes(first)) {
      throw new UsageError(`unknown command "${first}": run \`centrifugo-ts help\` for the list`);
    }
    command = first as Command;
    rest = argv.slice(1);
  }
  const spec = COMMAND_OPTIONS[command];
  const parsed: ParsedArgs = { command, options: new Map(), configFlags: {}, positionals: [] };
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i] as string;
    if (token === '-h' || token === '--help') {
      parsed.command = 'help';
      continue;
    }
    if (!token.startsWith('-') || token === '-' || /^-\d/.test(token)) {
      parsed.positionals.push(token);
      continue;
    }
    const isLong = token.startsWith('--');
    const body = token.slice(isLong ? 2 : 1);
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const inline = eq >= 0 ? body.slice(eq + 1) : undefined;
    const option = spec.options.find((o) => (isLong ? o.long === name : o.short === name));
    const leaf = isLong && spec.configFlags ? configFlagOf(name) : undefined;
    if (!option && !leaf) {
      throw new UsageError(
        `unknown flag ${token.split('=')[0]} for ${command}: run \`centrifugo-ts help\` for flags`,
      );
    }
    const kind = option?.kind ?? (leaf?.kind === 'boolean' ? 'boolean' : 'string');
    let value: string | boolean;
    if (inline !== undefined) value = inline;
    else if (kind === 'boolean') value = true;
    else {
      const next = rest[i + 1];
      if (next === undefined) throw new UsageError(`flag ${token} needs a value`);
      value = next;
      i += 1;
    }
    if (option?.configKey) parsed.configFlags[option.configKey] = value;
    else if (option) parsed.options.set(option.long, value);
    else if (leaf) parsed.configFlags[leaf.dotted] = value;
  }
  return parsed;
}

/**
 * A config key as a flag: any key of the schema, or any other key of Centrifugo v6.9.1
 * (`--broker.enabled`), which the loader then refuses by name unless it holds its default.
 */
function configFlagOf(name: string): { dotted: string; kind: string } | undefined {
  const leaf = LEAF_BY_DOTTED.get(name);
  if (leaf) return leaf;
  const key = name.includes('[]') ? undefined : CENTRIFUGO_LEAVES.get(name);
  return key && { dotted: name, kind: key.type === 'bool' ? 'boolean' : 'string' };
}

/** An integer option, or `fallback` when absent. */
export function integerOption(args: ParsedArgs, name: string, fallback: number): number {
  const raw = args.options.get(name);
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw)) {
    throw new UsageError(`--${name} must be an integer, got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const raw = args.options.get(name);
  return typeof raw === 'string' ? raw : undefined;
}
