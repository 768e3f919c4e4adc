// Writes the server config an SDK suite runs against, taken from the SDK's own repo: its
// docker-compose.yml (environment and command flags) and, for centrifuge-js, the JSON file it
// mounts. scripts/sdk-suites.sh calls this once per run.
//
//   node test/sdk-suites/server-config.ts --sdk go --suite DIR --mode original|translated \
//     --out DIR --centrifugo BIN
//
// Writes into --out: config.json, server.env (KEY=VALUE per line), server.args (one argument
// per line) and translation.txt (each change made, one per line, empty when none).
//
// original: the SDK's config as shipped. The only change is host.docker.internal -> 127.0.0.1
// (the suites run without Docker, so the server reaches the suite's mock backends on loopback).
// translated: env settings become a config file (Centrifugo itself computes it: its
// `defaultconfig` with and without the SDK's env, diffed, so no env name is guessed here), then
// every key this node refuses is removed, one at a time, as `checkconfig` names it. The same
// translated config is run on both servers, so a test failing on Centrifugo too fails for a
// removed feature and not for a bug of this node.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface ShippedConfig {
  file: JsonObject;
  env: Record<string, string>;
  args: string[];
}

const REPO = resolve(import.meta.dirname, '../..');
const MAX_REMOVALS = 200;

// The `centrifugo` service of a docker-compose.yml: its environment (list or map form) and
// the flags of its command (the binary name dropped).
function composeService(path: string): { env: Record<string, string>; args: string[] } {
  const compose = parseYaml(readFileSync(path, 'utf8')) as {
    services?: Record<string, { environment?: unknown; command?: unknown }>;
  };
  const service = compose.services?.centrifugo;
  if (service === undefined) throw new Error(`${path}: no services.centrifugo`);
  const env: Record<string, string> = {};
  if (Array.isArray(service.environment)) {
    for (const entry of service.environment as string[]) {
      const eq = entry.indexOf('=');
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
  } else if (service.environment !== undefined) {
    for (const [k, v] of Object.entries(service.environment as Record<string, unknown>)) {
      env[k] = String(v);
    }
  }
  const command =
    typeof service.command === 'string'
      ? service.command.split(/\s+/).filter((s) => s !== '')
      : ((service.command as string[] | undefined) ?? []);
  return { env, args: command.slice(1) };
}

function shippedConfig(sdk: string, suite: string): ShippedConfig {
  const { env, args } = composeService(join(suite, 'docker-compose.yml'));
  let file: JsonObject = {};
  const kept: string[] = [];
  for (const arg of args) {
    // The compose file mounts the suite's JSON config at this path; read it from the suite.
    const mounted = /^--config=\/centrifugo\/config\.json$/.exec(arg);
    if (mounted !== null && sdk === 'js') {
      file = JSON.parse(readFileSync(join(suite, 'centrifugo_test.json'), 'utf8')) as JsonObject;
    } else {
      kept.push(arg);
    }
  }
  return { file, env, args: kept };
}

// host.docker.internal is Docker's name for the host; without Docker the host is loopback.
function replaceDockerHost(value: Json, changes: string[], path = ''): Json {
  if (typeof value === 'string' && value.includes('host.docker.internal')) {
    const replaced = value.replaceAll('host.docker.internal', '127.0.0.1');
    changes.push(`${path}: ${value} -> ${replaced} (no Docker: the mock backend is on loopback)`);
    return replaced;
  }
  if (Array.isArray(value))
    return value.map((v, i) => replaceDockerHost(v, changes, `${path}.${i}`));
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = replaceDockerHost(v, changes, path === '' ? k : `${path}.${k}`);
    }
    return out;
  }
  return value;
}

// Centrifugo's full config with the given env applied, from its own `defaultconfig`.
function centrifugoEffective(bin: string, base: JsonObject, env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'sdk-suites-'));
  try {
    const basePath = join(dir, 'base.json');
    writeFileSync(basePath, JSON.stringify(base));
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('CENTRIFUGO_')),
    );
    const out = execFileSync(bin, ['defaultconfig', '-d', '-b', basePath], {
      env: { ...clean, ...env },
      encoding: 'utf8',
      cwd: dir,
    });
    return JSON.parse(out) as JsonObject;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// The keys of `after` that differ from `before`; scalars are taken whole. A list of objects
// (namespaces, proxies) is kept whole, each element reduced to its name and what differs.
function diff(before: Json | undefined, after: Json): Json | undefined {
  if (isObject(after) && isObject(before)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(after)) {
      const d = diff(before[k], v);
      if (d !== undefined) out[k] = d;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  if (Array.isArray(after) && Array.isArray(before) && after.length > 0 && after.every(isObject)) {
    return after.map((element, i) => {
      const reduced = (diff(before[i], element) ?? {}) as JsonObject;
      return 'name' in element ? { name: element.name ?? null, ...reduced } : reduced;
    });
  }
  return JSON.stringify(before) === JSON.stringify(after) ? undefined : after;
}

// Variables that name the elements of a list, as Centrifugo v6 reads them from env
// (CENTRIFUGO_CHANNEL_NAMESPACES="a b" with CENTRIFUGO_CHANNEL_NAMESPACES_A_<OPTION>): the
// baseline for the diff has them too, so each element is compared with its own defaults.
function listNameVars(env: Record<string, string>): Record<string, string> {
  const names = Object.keys(env);
  return Object.fromEntries(
    Object.entries(env).filter(([name, value]) =>
      value
        .split(/\s+/)
        .some((w) => w !== '' && names.some((n) => n.startsWith(`${name}_${w.toUpperCase()}_`))),
    ),
  );
}

// The flag `--a.b` (boolean) as the config key a.b: true.
function flagsToConfig(args: string[], into: JsonObject, changes: string[]): string[] {
  const kept: string[] = [];
  for (const arg of args) {
    const flag = /^--([a-z0-9_.]+)$/.exec(arg);
    if (flag?.[1] === undefined) {
      kept.push(arg);
      continue;
    }
    const parts = flag[1].split('.');
    let node = into;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) node[part] = {};
      node = node[part] as JsonObject;
    }
    node[parts[parts.length - 1] as string] = true;
    changes.push(`flag ${arg} -> config ${flag[1]}: true`);
  }
  return kept;
}

function removePath(config: JsonObject, path: string): boolean {
  const parts = path.split('.');
  let node: Json = config;
  for (const part of parts.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return false;
    node = Array.isArray(node) ? (node[Number(part)] ?? null) : (node[part] ?? null);
  }
  const last = parts[parts.length - 1] as string;
  if (node === null || typeof node !== 'object' || Array.isArray(node) || !(last in node)) {
    return false;
  }
  delete node[last];
  return true;
}

// The key a config error of this node names: `unknown config key "a.b"`, `not supported yet:
// a.b`, `config key "a.b" must be ...`.
export function refusedKey(message: string): string | undefined {
  const notYet = /not supported yet:\s*"?([A-Za-z0-9_.]+)"?/.exec(message);
  if (notYet?.[1] !== undefined) return notYet[1];
  return /"([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)"/.exec(message)?.[1];
}

// Removes, one at a time, every key this node's checkconfig refuses.
function removeRefused(config: JsonObject, changes: string[]): void {
  const dir = mkdtempSync(join(tmpdir(), 'sdk-suites-'));
  try {
    const path = join(dir, 'config.json');
    for (let i = 0; i < MAX_REMOVALS; i++) {
      writeFileSync(path, JSON.stringify(config));
      const check = spawnSync(
        process.execPath,
        [join(REPO, 'src/main.ts'), 'checkconfig', '-c', path],
        { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
      );
      if (check.status === 0) return;
      const message = `${check.stderr}${check.stdout}`.trim().split('\n').pop() ?? '';
      const key = refusedKey(message);
      if (key === undefined || !removePath(config, key)) {
        throw new Error(
          `cannot translate: this node refuses the config and names no key: ${message}`,
        );
      }
      changes.push(`removed ${key} (node: ${message.replace(/^error:\s*/, '')})`);
    }
    throw new Error(`cannot translate: more than ${MAX_REMOVALS} keys refused`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const { values } = parseArgs({
    options: {
      sdk: { type: 'string' },
      suite: { type: 'string' },
      mode: { type: 'string' },
      out: { type: 'string' },
      centrifugo: { type: 'string' },
    },
  });
  const { sdk, suite, mode, out, centrifugo } = values;
  if (!sdk || !suite || !out || (mode !== 'original' && mode !== 'translated')) {
    throw new Error('usage: --sdk S --suite DIR --mode original|translated --out DIR');
  }
  const shipped = shippedConfig(sdk, suite);
  const changes: string[] = [];
  let file = replaceDockerHost(shipped.file, changes) as JsonObject;
  let env = shipped.env;
  let args = shipped.args;
  if (mode === 'translated') {
    if (Object.keys(env).length > 0) {
      if (!centrifugo) throw new Error('--centrifugo BIN is needed to translate env settings');
      const withEnv = centrifugoEffective(centrifugo, file, env);
      const without = centrifugoEffective(centrifugo, file, listNameVars(env));
      const fromEnv = (diff(without, withEnv) ?? {}) as JsonObject;
      file = mergeInto(file, fromEnv);
      changes.push(
        `env ${Object.keys(env).join(' ')} -> config file (computed by centrifugo defaultconfig)`,
      );
      env = {};
    }
    args = flagsToConfig(args, file, changes);
    removeRefused(file, changes);
  }
  writeFileSync(join(out, 'config.json'), `${JSON.stringify(file, null, 2)}\n`);
  writeFileSync(
    join(out, 'server.env'),
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  );
  writeFileSync(join(out, 'server.args'), args.map((a) => `${a}\n`).join(''));
  writeFileSync(join(out, 'translation.txt'), changes.map((c) => `${c}\n`).join(''));
}

function mergeInto(base: JsonObject, extra: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    const b = out[k];
    out[k] = isObject(v) && isObject(b) ? mergeInto(b, v) : v;
  }
  return out;
}

if (process.argv[1] === import.meta.filename) main();
