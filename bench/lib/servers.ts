// Side-by-side servers for the bench/vs-*.ts scenarios: centrifugo-ts and real Centrifugo v6
// (built by bench/centrifugo.sh) started from one equivalent JSON config, each as its own
// process, optionally pinned to a CPU with taskset; readiness by polling POST /api/info.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NODE_FLAGS } from '../../src/node/runtime-flags.ts';
import { BENCH_KEY, cpuSeconds, freePort, rssBytes } from './node-process.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

export type ServerKind = 'centrifugo-ts' | 'centrifugo';
export const SERVER_KINDS: readonly ServerKind[] = ['centrifugo-ts', 'centrifugo'];

export interface ServerOptions {
  /** Pin the server to this CPU (taskset), leaving the others to the load generator. */
  cpu?: number;
  /** channel.namespaces, written identically for both servers. */
  namespaces?: Record<string, unknown>[];
  /** Extra client.* options (queue_max_size, ...), identical for both. */
  client?: Record<string, unknown>;
  /** Serve the gRPC server API too (same key). */
  grpc?: boolean;
  /** Use a NATS server: Centrifugo's NATS broker (core NATS) / centrifugo-ts's NATS engine. */
  nats?: { url: string; prefix: string };
  /** Extra node flags for centrifugo-ts only (e.g. --cpu-prof), placed before the script. */
  nodeFlags?: string[];
  /** centrifugo-ts only: run the tree at this root instead of this checkout (A/B runs). */
  root?: string;
  /**
   * centrifugo-ts only: the script to run, relative to the root: `src/main.ts` (the default,
   * type-stripped sources) or `dist/main.js` (the compiled JavaScript the image ships).
   */
  entry?: string;
  /** Top-level sections written identically for both servers (consumers, ...). */
  extra?: Record<string, unknown>;
}

export interface BenchServer {
  kind: ServerKind;
  pid: number;
  httpPort: number;
  grpcPort: number;
  proc: ChildProcess;
  config: Record<string, unknown>;
  cpuSeconds(): number;
  rssBytes(): number;
  stop(): Promise<void>;
}

/** The same settings for both servers: API key, anonymous connect and subscribe, 25 s pings. */
export function benchConfig(
  kind: ServerKind,
  opts: ServerOptions,
  ports: { http: number; grpc: number },
): Record<string, unknown> {
  const config: Record<string, unknown> = {
    http_server: { address: '127.0.0.1', port: ports.http },
    log: { level: 'error' },
    http_api: { key: BENCH_KEY },
    client: {
      allow_anonymous_connect_without_token: true,
      ping_interval: '25s',
      pong_timeout: '8s',
      ...opts.client,
    },
    channel: {
      without_namespace: {
        allow_subscribe_for_client: true,
        allow_subscribe_for_anonymous: true,
      },
      namespaces: opts.namespaces ?? [],
    },
  };
  Object.assign(config, opts.extra);
  if (opts.grpc) {
    config.grpc_api = { enabled: true, address: '127.0.0.1', port: ports.grpc, key: BENCH_KEY };
  }
  if (kind === 'centrifugo') {
    // No network here beyond loopback: do not try to send usage statistics.
    config.usage_stats = { disabled: true };
    if (opts.nats) {
      config.broker = {
        enabled: true,
        type: 'nats',
        nats: { url: opts.nats.url, prefix: opts.nats.prefix },
      };
    }
  } else if (opts.nats) {
    config.engine = { type: 'nats', nats: { urls: [opts.nats.url], prefix: opts.nats.prefix } };
  }
  return config;
}

let centrifugoBin: string | undefined;

/** Path of the Centrifugo binary, built on first use by bench/centrifugo.sh. */
export function centrifugoBinary(): string {
  centrifugoBin ??= execFileSync('bash', [`${ROOT}bench/centrifugo.sh`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  return centrifugoBin;
}

export function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins this process (all its threads) to one CPU: the load generator's. */
export function pinSelf(cpu: number): boolean {
  if (!hasTaskset() || cpus().length < 2) return false;
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], {
    stdio: 'ignore',
  });
  return true;
}

/**
 * One side of a side-by-side run. With `beforeTree` (a before/after run, `--a`), the
 * "centrifugo" side is centrifugo-ts from that tree, without this tree's node flags; the
 * records then hold the before figures where Centrifugo's would be.
 */
export function startSide(
  kind: ServerKind,
  opts: ServerOptions,
  beforeTree: string | undefined,
): Promise<BenchServer> {
  if (beforeTree === undefined) return startServer(kind, opts);
  if (kind === 'centrifugo-ts') return startServer(kind, opts);
  return startServer('centrifugo-ts', { ...opts, nodeFlags: [], root: beforeTree });
}

export async function startServer(
  kind: ServerKind,
  opts: ServerOptions = {},
): Promise<BenchServer> {
  const ports = { http: await freePort(), grpc: await freePort() };
  const config = benchConfig(kind, opts, ports);
  const dir = mkdtempSync(join(tmpdir(), `bench-${kind}-`));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  const argv =
    kind === 'centrifugo'
      ? [centrifugoBinary(), '--config', file]
      : [
          process.execPath,
          // As shipped (the image's ENTRYPOINT); --node-flags come later and win.
          ...NODE_FLAGS,
          ...(opts.nodeFlags ?? []),
          // A relative --a tree is resolved here: the server may run in another directory.
          opts.entry
            ? join(resolve(opts.root ?? ROOT), opts.entry)
            : entryOf(resolve(opts.root ?? ROOT)),
          '--config',
          file,
        ];
  const pinned = opts.cpu !== undefined && hasTaskset() && cpus().length > 1;
  const [cmd, ...args] = pinned ? ['taskset', '-c', String(opts.cpu), ...argv] : argv;
  // taskset execs the server, so the child's pid is the server's.
  const proc = spawn(cmd as string, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    cwd: dir,
    // Centrifugo: GOMAXPROCS follows the affinity mask, so pinned it runs on one P.
    env: { ...process.env },
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${kind} exited with ${proc.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${ports.http}/api/info`, {
        method: 'POST',
        headers: { 'X-API-Key': BENCH_KEY },
        body: '{}',
      });
      if (res.ok) break;
    } catch {}
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${kind} did not start within 20 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = proc.pid as number;
  return {
    kind,
    pid,
    httpPort: ports.http,
    grpcPort: ports.grpc,
    proc,
    config,
    cpuSeconds: () => cpuSeconds(pid),
    rssBytes: () => rssBytes(pid),
    stop: () =>
      new Promise((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (proc.exitCode !== null || proc.signalCode !== null) return done();
        proc.once('exit', done);
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** Versions for the results header. */
export function versions(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };
  let centrifugo = 'unknown';
  try {
    centrifugo = execFileSync(centrifugoBinary(), ['version'], { encoding: 'utf8' }).trim();
  } catch {}
  let kernel = 'unknown';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {}
  return {
    'centrifugo-ts': `${pkg.version} (${BUILT ? 'compiled dist/, as the image runs' : 'type-stripped src/'})`,
    node: process.version,
    centrifugo,
    kernel,
  };
}

export function machine(): string {
  const c = cpus();
  return `${c.length} × ${c[0]?.model.trim() ?? '?'}`;
}

/** 1-minute load average (the machine is shared; measurements want it low). */
export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** Waits (bounded) until the 1-minute load average drops below `max`; returns the last value. */
export async function waitForQuiet(max = 1.5, timeoutS = 600): Promise<number> {
  const deadline = Date.now() + timeoutS * 1000;
  let load = loadAverage();
  while (load >= max && Date.now() < deadline) {
    console.error(`load average ${load} >= ${max}: waiting`);
    await new Promise((r) => setTimeout(r, 15_000));
    load = loadAverage();
  }
  return load;
}

/**
 * Other processes' CPU use during a measurement: total busy jiffies of the machine minus
 * ours, read from /proc/stat. Lets a result say how busy the box was besides the benchmark.
 */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] as string;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
  return busy / 100;
}

/**
 * CENTRIFUGO_TS_BENCH_DIST=1: centrifugo-ts runs its compiled dist/main.js (`npm run build`),
 * what the image runs, rather than the type-stripped sources (28 MiB less RSS at idle).
 */
const BUILT = process.env.CENTRIFUGO_TS_BENCH_DIST === '1';

/**
 * The tree's entry point: src/main.ts, or src/node/main.ts in trees from before src/cli/;
 * dist/main.js with CENTRIFUGO_TS_BENCH_DIST=1 (the tree must be built).
 */
function entryOf(root: string): string {
  if (BUILT) {
    const built = join(root, 'dist/main.js');
    if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build in ${root}`);
    return built;
  }
  const entry = `${root}/src/main.ts`.replace(/\/\/+/g, '/');
  return existsSync(entry) ? entry : entry.replace(/src\/main\.ts$/, 'src/node/main.ts');
}
