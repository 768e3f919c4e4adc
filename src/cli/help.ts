// `centrifugo-ts help`: commands and their flags, generated from the option specs.
import { COMMAND_OPTIONS, COMMANDS, type Command } from './args.ts';

const SUMMARY: Record<Command, string> = {
  serve: 'run a node (the default when no command is given)',
  genconfig: 'write a config file with a random API key and HMAC secret',
  gentoken: 'print an HS256 connection token: -u USER [-t SECONDS]',
  gensubtoken: 'print an HS256 subscription token: -u USER -s CHANNEL [-t SECONDS]',
  checktoken: 'verify a connection token against the config: checktoken TOKEN',
  checksubtoken: 'verify a subscription token against the config: checksubtoken TOKEN',
  checkconfig: 'validate a config file and exit',
  defaultconfig: 'write (or print with -d) every config key at its default',
  defaultenv: 'print every config key as a CENTRIFUGO_* variable at its default',
  configdoc: 'show the documentation of every config key (Markdown with -m)',
  completion: 'shell completion scripts: not supported yet',
  version: 'print the version',
  operator: 'run the Kubernetes operator that reconciles Centrifugo resources',
  help: 'print this help',
};

export function helpText(): string {
  const lines = ['centrifugo-ts: a Centrifugo-compatible real-time messaging server', '', 'usage:'];
  lines.push('  centrifugo-ts [command] [flags]', '', 'commands:');
  for (const command of COMMANDS) {
    lines.push(`  ${command.padEnd(14)}${SUMMARY[command]}`);
    for (const o of COMMAND_OPTIONS[command].options) {
      const flag = `${o.short ? `-${o.short}, ` : ''}--${o.long}`;
      lines.push(`      ${flag.length < 20 ? flag.padEnd(20) : `${flag}  `}${o.help}`);
    }
  }
  lines.push(
    '',
    'Commands that read the config also take any config key as a flag, e.g.',
    '  --http_api.key=KEY --log.level=debug --http_api.insecure',
    'and as an environment variable, e.g. CENTRIFUGO_HTTP_API_KEY. Precedence:',
    'flags > environment > config file > defaults. A .env file in the working directory',
    'adds its variables to the environment (never replacing one already set).',
  );
  return lines.join('\n');
}
