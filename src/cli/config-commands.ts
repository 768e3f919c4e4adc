// defaultconfig, defaultenv and configdoc: the whole configuration, generated from the one
// schema, as Centrifugo v6.9.1's commands of the same names print theirs.
// - `defaultconfig [-c out.json|.toml|.yaml] [-b base] [-d]`: every key at its default (or
//   at the base file's value, env applied), written to a new file, or printed with -d;
// - `defaultenv [-b base] [--base-non-zero-only]`: one CENTRIFUGO_*=value line per key;
// - `configdoc [-m] [-s section] [-l level] [-p port]`: the documentation of every key, as
//   Markdown with -m, else as a page served on localhost:<port> until Ctrl-C.
import type { Server } from 'node:http';
import {
  type Config,
  configMarkdown,
  configText,
  documentConfig,
  envLines,
  type FieldDoc,
  formatOf,
  fullConfig,
  loadConfig,
} from '../node/config/index.ts';
import { VERSION } from '../node/version.ts';
import { integerOption, type ParsedArgs, stringOption } from './args.ts';
import type { CliIo } from './io.ts';
import { refuseExisting, unsupportedOutput, writeNewFile } from './output-file.ts';

// Not an ES import: that would load undici into every node (src/node/transport/http/servers.ts).
const { createServer } = process.getBuiltinModule('node:http');

type Env = Record<string, string | undefined>;

/** The config a base file gives (env applied); a base that does not exist is no base. */
function baseConfig(args: ParsedArgs, env: Env): { config: Config; file: Record<string, unknown> } {
  const base = stringOption(args, 'base');
  const loaded = loadConfig({ file: base, env });
  return { config: loaded.config, file: loaded.fileValues };
}

export function defaultConfig(args: ParsedArgs, io: CliIo, env: Env): number {
  const path = stringOption(args, 'config') ?? 'config.json';
  const dryRun = args.options.get('dry-run') === true;
  if (!dryRun) refuseExisting(path);
  const { config } = baseConfig(args, env);
  const format = formatOf(path);
  if (format === undefined) throw unsupportedOutput();
  const text = configText(fullConfig(config), format);
  if (dryRun) io.out(text.replace(/\n$/, ''));
  else writeNewFile(path, text);
  return 0;
}

export function defaultEnv(args: ParsedArgs, io: CliIo, env: Env): number {
  const { config, file } = baseConfig(args, env);
  for (const line of envLines(config, file, args.options.get('base-non-zero-only') === true)) {
    io.out(line);
  }
  return 0;
}

/** configdoc: Markdown with -m, else the page, served until the returned server closes. */
export async function configDoc(
  args: ParsedArgs,
  io: CliIo,
): Promise<{ code: number; server?: Server }> {
  const docs = documentConfig();
  const section = stringOption(args, 'section') ?? '';
  if (args.options.get('markdown') === true) {
    io.out(configMarkdown(docs, { section, baseLevel: integerOption(args, 'base-level', 0) }));
    return { code: 0 };
  }
  const shown = section === '' ? docs : docs.filter((d) => d.field.startsWith(section));
  const page = configPage(shown);
  const server = createServer((req, res) => {
    if (req.url !== '/' && !req.url?.startsWith('/?')) {
      res
        .writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' })
        .end('404 page not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page);
  });
  const port = integerOption(args, 'port', 6060);
  // Only this machine: the page is for whoever runs the command.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = server.address();
  const actual = typeof bound === 'object' && bound !== null ? bound.port : port;
  io.out(`configuration documentation: http://localhost:${actual} (Ctrl-C to stop)`);
  return { code: 0, server };
}

/** The documentation as one self-contained page: headings, types, variables, descriptions. */
function configPage(docs: FieldDoc[]): string {
  const esc = (s: string) =>
    s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  const code = (s: string) =>
    esc(s).replace(/`([^`]+)`/g, (_m, inner: string) => `<code>${inner}</code>`);
  // The Markdown is the one description; each of its blocks becomes a heading or paragraph.
  const body = configMarkdown(docs)
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const heading = /^(#{1,6}) (.*)$/.exec(block);
      if (heading) {
        const level = (heading[1] as string).length;
        const text = heading[2] as string;
        return `<h${level} id="${esc(text.replaceAll('`', ''))}">${code(text)}</h${level}>`;
      }
      return `<p>${code(block)}</p>`;
    })
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>centrifugo-ts ${esc(VERSION)} configuration options</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 1024px; margin: auto; padding: 2rem; line-height: 1.5; }
code { background: #f3f4f6; padding: 0.1rem 0.3rem; border-radius: 0.25rem; }
h1 { border-top: 1px solid #ddd; padding-top: 1rem; }
</style>
</head>
<body>
<h1>centrifugo-ts ${esc(VERSION)} configuration options</h1>
${body}
</body>
</html>
`;
}
