// defaultconfig, defaultenv and configdoc, and the CLI's other Centrifugo parity: what each
// prints is compared with real Centrifugo v6.9.1 where its binary is built (the keys both
// have must print the same), else with the format Centrifugo's was seen to print.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { fullConfig, loadConfig, parseDuration } from '../node/config/index.ts';
import { parseArgs } from './args.ts';
import { configDoc } from './config-commands.ts';
import { runCli } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'cfgo-cfgcmd-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const CENTRIFUGO = join(homedir(), '.cache', 'centrifugo-ts', 'centrifugo-v6.9.1', 'centrifugo');

async function cli(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, env, dir);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const BASE = join(dir, 'base.json');
writeFileSync(
  BASE,
  JSON.stringify({
    client: { allowed_origins: ['http://a', 'http://b'], ping_interval: '10s' },
    channel: { namespaces: [{ name: 'chat', history_size: 10, history_ttl: '60s' }] },
    http_api: { key: 'k' },
  }),
);

describe('defaultconfig', () => {
  it('prints every key with -d, durations as Go prints them, and the output loads back', async () => {
    const { code, out } = await cli(['defaultconfig', '-d']);
    assert.equal(code, 0);
    const printed = JSON.parse(out);
    assert.equal(printed.channel.history_meta_ttl, '720h0m0s');
    assert.equal(printed.client.ping_interval, '25s');
    assert.equal(printed.http_server.port, 8000);
    assert.equal(printed.pid_file, '');
    assert.equal(printed.swagger.handler_prefix, '/swagger');
    const path = join(dir, 'printed.json');
    writeFileSync(path, out);
    const reread = loadConfig({ file: path, fileRequired: true }).config;
    assert.deepEqual(fullConfig(reread), fullConfig(loadConfig().config));
  });

  it('writes JSON, TOML or YAML by extension, owner-only, never over a file', async () => {
    for (const ext of ['json', 'toml', 'yaml', 'yml']) {
      const path = join(dir, `default.${ext}`);
      const first = await cli(['defaultconfig', '-c', path, '-b', BASE]);
      assert.equal(first.code, 0, first.err);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      const { config } = loadConfig({ file: path, fileRequired: true });
      assert.equal(config.http_api.key, 'k', ext);
      assert.equal(config.channel.namespaces[0]?.history_ttl, '1m0s', ext);
      const again = await cli(['defaultconfig', '-c', path]);
      assert.equal(again.code, 1);
      assert.match(again.err, /already exists/);
    }
    const bad = await cli(['defaultconfig', '-d', '-c', 'x.ini']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /must have one of supported extensions: json, toml, yaml, yml/);
  });

  it('takes the environment over the base file, and a missing base as no base', async () => {
    const { out } = await cli(['defaultconfig', '-d', '-b', BASE], {
      CENTRIFUGO_HTTP_API_KEY: 'from-env',
    });
    assert.equal(JSON.parse(out).http_api.key, 'from-env');
    const missing = await cli(['defaultconfig', '-d', '-b', join(dir, 'none.json')]);
    assert.equal(missing.code, 0);
    assert.equal(JSON.parse(missing.out).http_api.key, '');
  });
});

describe('defaultenv', () => {
  it('prints one sorted line per key, values as Centrifugo writes them', async () => {
    const { code, out } = await cli(['defaultenv']);
    assert.equal(code, 0);
    const lines = out.split('\n');
    assert.deepEqual([...lines].sort(), lines);
    for (const line of [
      'CENTRIFUGO_CHANNEL_HISTORY_META_TTL=720h0m0s',
      'CENTRIFUGO_CHANNEL_NAMESPACES=""',
      'CENTRIFUGO_CLIENT_ALLOWED_ORIGINS=""',
      'CENTRIFUGO_HTTP_SERVER_PORT=8000',
      'CENTRIFUGO_LOG_LEVEL="info"',
      'CENTRIFUGO_ADMIN_ENABLED=false',
    ]) {
      assert.ok(lines.includes(line), line);
    }
  });

  it('prints only what the base file sets with --base-non-zero-only', async () => {
    const { out } = await cli(['defaultenv', '-b', BASE, '--base-non-zero-only']);
    // What Centrifugo v6.9.1 printed for the same base file.
    assert.deepEqual(out.split('\n'), [
      'CENTRIFUGO_CHANNEL_NAMESPACES="chat"',
      'CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_HISTORY_SIZE=10',
      'CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_HISTORY_TTL=1m0s',
      'CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_NAME="chat"',
      'CENTRIFUGO_CLIENT_ALLOWED_ORIGINS="http://a" "http://b"',
      'CENTRIFUGO_CLIENT_PING_INTERVAL=10s',
      'CENTRIFUGO_HTTP_API_KEY="k"',
    ]);
  });

  it('agrees with Centrifugo v6.9.1 on every variable both have', async (t) => {
    if (!existsSync(CENTRIFUGO)) {
      skipWithoutCentrifugo(t);
      return;
    }
    const theirs = new Map(
      execFileSync(CENTRIFUGO, ['defaultenv', '-b', BASE], { encoding: 'utf8', env: {} })
        .trim()
        .split('\n')
        .map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]),
    );
    const ours = (await cli(['defaultenv', '-b', BASE])).out.split('\n');
    let shared = 0;
    for (const line of ours) {
      const [name, value] = line.split(/=(.*)/s) as [string, string];
      if (!theirs.has(name)) continue;
      shared++;
      assert.equal(value, theirs.get(name), name);
    }
    assert.ok(shared > 150, `only ${shared} variables in common`);
  });
});

describe('configdoc', () => {
  it('prints Markdown in Centrifugo layout, filtered by section, levels shifted', async () => {
    const { out } = await cli(['configdoc', '-m', '-s', 'pid_file', '-l', '2']);
    assert.equal(
      out,
      '### `pid_file`\n\nType: `string`\n\nEnv: `CENTRIFUGO_PID_FILE`\n\nWrite the process ID to this file at startup, remove it at shutdown.\n\n',
    );
    const all = (await cli(['configdoc', '-m'])).out;
    assert.match(all, /^# `http_server`\n\nType: `HTTPServer` object\n\n/);
    assert.match(
      all,
      /## `client.ping_interval`\n\nType: `Duration`. Default: `25s`\n\nEnv: `CENTRIFUGO_CLIENT_PING_INTERVAL`/,
    );
    // List items have no variable line, as in Centrifugo's.
    assert.match(all, /### `channel.namespaces\[\].presence`\n\nType: `bool`\n\n[A-Z]/);
    assert.match(all, /Not supported yet \([^)]+\): only its default is accepted/);
    assert.doesNotMatch(all, /Not supported yet \(delta compression\)/, 'delta is built');
  });

  it('gives every key Centrifugo also has the same type, level and variable', async (t) => {
    if (!existsSync(CENTRIFUGO)) {
      skipWithoutCentrifugo(t);
      return;
    }
    const entries = (md: string) => {
      const out = new Map<string, { level: number; type: string; def: string; env: string }>();
      for (const block of md.split(/\n(?=#+ `)/)) {
        const m =
          /^(#+) `([^`]+)`\n\nType: `([^`]+)`( object)?(?:\. Default: `([^`]*)`)?(?:\n\nEnv: `([^`]+)`)?/.exec(
            block,
          );
        if (m) {
          out.set(m[2] as string, {
            level: (m[1] as string).length,
            type: `${m[3]}${m[4] ?? ''}`,
            def: m[5] ?? '',
            env: m[6] ?? '',
          });
        }
      }
      return out;
    };
    const theirs = entries(execFileSync(CENTRIFUGO, ['configdoc', '-m'], { encoding: 'utf8' }));
    const ours = entries((await cli(['configdoc', '-m'])).out);
    let shared = 0;
    for (const [field, doc] of ours) {
      const other = theirs.get(field);
      if (!other) continue;
      shared++;
      assert.deepEqual({ ...doc, def: '' }, { ...other, def: '' }, field);
      // Defaults printed differently but equal (1s and 1000ms) count as the same.
      const same = doc.def === other.def || parseDuration(doc.def) === parseDuration(other.def);
      assert.ok(same, `${field}: ${doc.def} vs ${other.def}`);
    }
    assert.ok(shared > 180, `only ${shared} keys in common`);
  });

  it('serves the documentation as a page on localhost until stopped', async () => {
    const lines: string[] = [];
    const { server } = await configDoc(parseArgs(['configdoc', '-p', '0', '-s', 'websocket']), {
      out: (l) => lines.push(l),
      err: () => {},
    });
    assert.ok(server);
    try {
      const url = /http:\/\/localhost:\d+/.exec(lines.join())?.[0];
      assert.ok(url, lines.join());
      const page = await (await fetch(url.replace('localhost', '127.0.0.1'))).text();
      assert.match(page, /<h1 id="websocket"><code>websocket<\/code><\/h1>/);
      assert.match(page, /<code>websocket.compression_level<\/code>/);
      assert.doesNotMatch(page, /http_server/);
    } finally {
      server.close();
    }
  });
});

describe('other Centrifugo commands and flags', () => {
  it('refuses completion by name', async () => {
    const { code, err } = await cli(['completion', 'bash']);
    assert.equal(code, 1);
    assert.match(err, /completion: not supported yet/);
  });

  it('takes any Centrifugo key as a flag: its default passes, anything else is refused by name', async () => {
    const refused = await cli(['checkconfig', '--broker.enabled']);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /not supported yet: broker\.enabled \(a separate broker/);
    const passes = await cli(['checkconfig', '--broker.enabled=false', '--uni_grpc.port', '11000']);
    assert.equal(passes.code, 0, passes.err);
    const unknown = await cli(['checkconfig', '--broker.nope']);
    assert.match(unknown.err, /unknown flag --broker\.nope/);
  });

  it('genconfig writes TOML for a .toml path', async () => {
    const path = join(dir, 'gen.toml');
    assert.equal((await cli(['genconfig', '-c', path])).code, 0);
    assert.match(readFileSync(path, 'utf8'), /\[http_api\]\nkey = "/);
    assert.equal((await cli(['checkconfig', '-c', path])).code, 0);
  });
});

/** Prints why the comparison is skipped; in CI (CENTRIFUGO_TS_REQUIRE_TOOLS=1) it fails instead. */
function skipWithoutCentrifugo(t: TestContext): void {
  const reason = `no Centrifugo binary at ${CENTRIFUGO} (bash bench/centrifugo.sh builds it)`;
  if (process.env.CENTRIFUGO_TS_REQUIRE_TOOLS === '1') throw new Error(reason);
  console.log(`skipping: ${reason}`);
  t.skip(reason);
}
