// A real Prometheus server for tests (Debian's package, scripts/ensure-prometheus.sh), on a free
// loopback port with its own TSDB dir, and the scrape config the README documents.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify } from 'yaml';
import { freePorts } from '../nats/harness.ts';

const HOW_TO_GET = 'source scripts/ensure-e2e.sh (.ci/run does)';

/**
 * A Prometheus server that has Kubernetes service discovery: $CENTRIFUGO_TS_PROMETHEUS, else
 * `prometheus` on PATH unless it is Debian's build (which strips that discovery). Skips, or
 * fails under CENTRIFUGO_TS_REQUIRE_TOOLS=1, when there is none.
 */
export function findPrometheus(t: TestContext): string | undefined {
  const candidates = [process.env.CENTRIFUGO_TS_PROMETHEUS, 'prometheus'].filter(
    (c): c is string => !!c,
  );
  let reason = `no prometheus with Kubernetes service discovery: ${HOW_TO_GET}`;
  for (const bin of candidates) {
    const res = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    const version = `${res.stdout ?? ''}${res.stderr ?? ''}`;
    if (res.status !== 0) continue;
    if (/\+ds\b/.test(version) || /remove_all_sd(?!.*enable_kubernetes_sd)/.test(version)) {
      reason = `${bin} (${version.split('\n')[0]}) has no Kubernetes service discovery (Debian strips it): ${HOW_TO_GET}`;
      continue;
    }
    return bin;
  }
  if (process.env.CENTRIFUGO_TS_REQUIRE_TOOLS === '1') throw new Error(reason);
  console.log(`skipping: ${reason}`);
  t.skip(reason);
  return undefined;
}

const README = fileURLToPath(new URL('../../README.md', import.meta.url));
/** The README line right before the fenced YAML block the e2e test runs. */
export const SCRAPE_CONFIG_MARKER = '<!-- e2e: the scrape config test/e2e runs -->';

/** The `scrape_configs` entries of the README's scrape config block. */
export function documentedScrapeConfigs(): Record<string, unknown>[] {
  const text = readFileSync(README, 'utf8');
  const at = text.indexOf(SCRAPE_CONFIG_MARKER);
  if (at < 0) throw new Error(`README.md has no ${SCRAPE_CONFIG_MARKER}`);
  const block = /```yaml\n([\s\S]*?)```/.exec(text.slice(at));
  if (!block?.[1]) throw new Error('no ```yaml block after the scrape config marker');
  const doc = parseYaml(block[1]) as { scrape_configs?: Record<string, unknown>[] };
  if (!doc.scrape_configs?.length) throw new Error('the README block has no scrape_configs');
  return doc.scrape_configs;
}

export interface Prometheus {
  url: string;
  /** The config file as written (for assertion messages). */
  config: string;
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  activeTargets(): Promise<
    { labels: Record<string, string>; health: string; scrapeUrl: string; lastError: string }[]
  >;
  logTail(): string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
const dirs = new Set<string>();
let backstop = false;

export async function startPrometheus(bin: string, config: Record<string, unknown>) {
  if (!backstop) {
    backstop = true;
    process.on('exit', () => {
      for (const p of live) p.kill('SIGKILL');
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });
  }
  const dir = await mkdtemp(join(tmpdir(), 'cfgo-prometheus-'));
  dirs.add(dir);
  const [port] = (await freePorts(1)) as [number];
  const text = stringify(config);
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, text);
  const child = spawn(
    bin,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  live.add(child);
  let log = '';
  const record = (c: Buffer) => {
    log = (log + c.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', record);
  child.stderr?.on('data', record);
  (child.stdout as Socket | null)?.unref();
  (child.stderr as Socket | null)?.unref();
  child.unref();
  let exited = false;
  const done = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      live.delete(child);
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const escalate = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await done;
      clearTimeout(escalate);
    }
    await rm(dir, { recursive: true, force: true });
    dirs.delete(dir);
  };
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5_000) });
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? res.status}`);
    return body.data;
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`prometheus exited:\n${log}\nconfig:\n${text}`);
    }
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready after 30 s:\n${log}`);
    }
    await sleep(200);
  }
  const prometheus: Prometheus = {
    url,
    config: text,
    async query(promql) {
      const data = await api<{
        result: { metric: Record<string, string>; value: [number, string] }[];
      }>(`/api/v1/query?query=${encodeURIComponent(promql)}`);
      return data.result;
    },
    async activeTargets() {
      const data = await api<{
        activeTargets: {
          labels: Record<string, string>;
          health: string;
          scrapeUrl: string;
          lastError: string;
        }[];
      }>('/api/v1/targets?state=active');
      return data.activeTargets;
    },
    logTail: () => log,
    stop,
  };
  return prometheus;
}
