// The command line of both programs, above both: the node's commands (serve by default)
// and `operator`. Parses argv, loads the config where a node command needs it, runs the
// command and returns the exit code. Expected failures (usage, config, tokens) print one `error:` line
// to stderr and exit 1; nothing here calls process.exit.
import { TokenConfigError } from '../node/auth/index.ts';
import { ConfigError, type LoadedConfig, loadConfig, withDotEnv } from '../node/config/index.ts';
import { VERSION } from '../node/version.ts';
import { type ParsedArgs, parseArgs, stringOption, UsageError } from './args.ts';
import { configDoc, defaultConfig, defaultEnv } from './config-commands.ts';
import { writeGeneratedConfig } from './genconfig.ts';
import { helpText } from './help.ts';
import { type CliIo, processIo } from './io.ts';
import { serve } from './serve.ts';
import { checkToken, generateToken } from './tokens.ts';

const DEFAULT_CONFIG_FILE = 'config.json';

export async function runCli(
  argv: readonly string[],
  io: CliIo = processIo,
  env: Record<string, string | undefined> = process.env,
  cwd: string = process.cwd(),
): Promise<number> {
  try {
    const args = parseArgs(argv);
    return await run(args, io, env, cwd);
  } catch (err) {
    if (
      err instanceof UsageError ||
      err instanceof ConfigError ||
      err instanceof TokenConfigError
    ) {
      io.err(`error: ${err.message}`);
      return 1;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      io.err(`error: cannot listen: ${(err as Error).message} (pick another port with -p)`);
      return 1;
    }
    io.err(`error: ${(err as Error).stack ?? String(err)}`);
    return 1;
  }
}

function load(args: ParsedArgs, env: Record<string, string | undefined>): LoadedConfig {
  const explicit = stringOption(args, 'config');
  return loadConfig({
    file: explicit ?? DEFAULT_CONFIG_FILE,
    fileRequired: explicit !== undefined,
    env,
    flags: args.configFlags,
  });
}

async function run(
  args: ParsedArgs,
  io: CliIo,
  env: Record<string, string | undefined>,
  cwd: string,
) {
  switch (args.command) {
    case 'help':
      io.out(helpText());
      return 0;
    case 'version':
      io.out(`centrifugo-ts ${VERSION} (Node ${process.version})`);
      return 0;
    case 'genconfig': {
      const path = stringOption(args, 'config') ?? DEFAULT_CONFIG_FILE;
      writeGeneratedConfig(path);
      io.out(`${path} written with a random http_api.key and client.token.hmac_secret_key`);
      return 0;
    }
    case 'checkconfig': {
      const loaded = load(args, env);
      for (const warning of loaded.warnings) io.err(`warning: ${warning}`);
      io.out(`config ${loaded.file ?? '(defaults, env and flags)'} is valid`);
      return 0;
    }
    case 'gentoken':
      await generateToken(args, load(args, env).config, io, 'connection');
      return 0;
    case 'gensubtoken':
      await generateToken(args, load(args, env).config, io, 'subscription');
      return 0;
    case 'checktoken':
      return checkToken(args, load(args, env).config, io, 'connection');
    case 'checksubtoken':
      return checkToken(args, load(args, env).config, io, 'subscription');
    case 'defaultconfig':
      return defaultConfig(args, io, env);
    case 'defaultenv':
      return defaultEnv(args, io, env);
    case 'configdoc': {
      const { code, server } = await configDoc(args, io);
      if (server) {
        await waitForInterrupt();
        server.close();
      }
      return code;
    }
    case 'completion':
      throw new UsageError(
        'completion: not supported yet (shell completion scripts); commands and flags: centrifugo-ts help',
      );
    case 'serve': {
      // As Centrifugo: a .env in the working directory joins the environment of the node
      // (only of the node: the other commands read the environment as it is).
      const dotEnv = withDotEnv(env, cwd);
      await serve(load(args, dotEnv.env), dotEnv.loaded);
      return 0;
    }
    case 'operator': {
      // Loaded on demand: a node never pays for the operator's code.
      const { runOperatorCommand } = await import('./operator.ts');
      return runOperatorCommand(args, io, env);
    }
  }
}

function waitForInterrupt(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
