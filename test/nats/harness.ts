// Real nats-server processes for tests: one server or a routed cluster, JetStream on, every
// listener on a free 127.0.0.1 port, each server with its own temporary store directory.
// Every process started here is killed when the test process exits, even after a failure.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

const HOW_TO_GET = 'source scripts/ensure-nats.sh (.ci/run does)';
const DEFAULT_READY_MS = 15_000;

export interface NatsServerOptions {
  /** nats-server binary; found with findNatsServer() when absent (throws if missing). */
  bin?: string;
  /** server_name; must be unique inside a cluster. */
  name?: string;
  /** Extra nats.conf text appended to the generated config (accounts, limits, ...). */
  config?: string;
  /** How long start and restart wait for the server to become healthy. */
  readyTimeoutMs?: number;
  /** When given, stop() is registered with t.after(). */
  t?: TestContext;
}

export interface NatsServer {
  readonly name: string;
  /** nats://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** http://127.0.0.1:<monitoring port> (/varz, /jsz, /healthz, ...) */
  readonly monitorUrl: string;
  readonly storeDir: string;
  /** The pid of the current process; changes on restart, undefined once it has exited. */
  readonly pid: number | undefined;
  /** SIGTERM (SIGKILL after 5 s), then removes the store dir. Final; safe to call twice. */
  stop(): Promise<void>;
  /** SIGKILL, keeping the store dir, as a crash would. */
  kill(): Promise<void>;
  /** Stops the process if it runs (SIGTERM), starts again on the same ports and store dir. */
  restart(): Promise<void>;
  /** The last lines the server logged, for assertion messages. */
  logTail(): string;
}

export interface NatsCluster {
  readonly name: string;
  readonly urls: string[];
  readonly servers: NatsServer[];
  /** Waits until every running server agrees on a JetStream meta leader; returns its name. */
  waitForMetaLeader(timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** With t: skips (or fails under CENTRIFUGO_TS_REQUIRE_TOOLS=1) when missing. Without: throws. */
export function findNatsServer(t: TestContext): string | undefined;
export function findNatsServer(): string;
export function findNatsServer(t?: TestContext): string | undefined {
  const fromEnv = process.env.CENTRIFUGO_TS_NATS_SERVER;
  if (fromEnv) return fromEnv;
  const found = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status === 0 && path !== '') return path;
  const reason = `nats-server not found (CENTRIFUGO_TS_NATS_SERVER, PATH): ${HOW_TO_GET}`;
  if (!t || process.env.CENTRIFUGO_TS_REQUIRE_TOOLS === '1') throw new Error(reason);
  console.log(`skipping: ${reason}`);
  t.skip(reason);
  return undefined;
}

export async function startNatsServer(opts: NatsServerOptions = {}): Promise<NatsServer> {
  const [port, httpPort] = (await freePorts(2)) as [number, number];
  const server = await createNatsServer({ ...opts, name: opts.name ?? 'n1', port, httpPort });
  opts.t?.after(() => server.stop());
  try {
    await server.restart();
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

let clusterCount = 0;

export async function startNatsCluster(
  size = 3,
  opts: Omit<NatsServerOptions, 'name'> = {},
): Promise<NatsCluster> {
  const ports = await freePorts(size * 3);
  // Unique per call so two clusters in one test process can never route into each other.
  const clusterName = `centrifugo-ts-test-${process.pid}-${++clusterCount}`;
  const routePorts = ports.slice(size * 2);
  const servers: NatsServer[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  opts.t?.after(stop);
  try {
    for (let i = 0; i < size; i++) {
      const routes = routePorts.filter((_, j) => j !== i).map((p) => `nats-route://127.0.0.1:${p}`);
      const cluster = `cluster {
  name: ${clusterName}
  listen: 127.0.0.1:${routePorts[i]}
  routes: [${routes.join(', ')}]
}`;
      servers.push(
        await createNatsServer({
          ...opts,
          name: `n${i + 1}`,
          port: ports[i] as number,
          httpPort: ports[size + i] as number,
          cluster,
        }),
      );
    }
    // Started together: a clustered server is healthy only once a meta leader is elected,
    // which needs a quorum of its peers up.
    await Promise.all(servers.map((s) => s.restart()));
    const cluster: NatsCluster = {
      name: clusterName,
      urls: servers.map((s) => s.url),
      servers,
      waitForMetaLeader: (timeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_MS) =>
        waitForMetaLeader(servers, size, timeoutMs),
      stop,
    };
    await cluster.waitForMetaLeader();
    return cluster;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Connects to a client port and returns the server's INFO (the first line it sends). */
export async function natsInfo(url: string, timeoutMs = 2_000): Promise<Record<string, unknown>> {
  const { hostname, port } = new URL(url);
  const socket = createConnection({ host: hostname, port: Number(port) });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let buf = '';
      socket.setTimeout(timeoutMs, () => reject(new Error(`no INFO from ${url}`)));
      socket.on('error', reject);
      socket.on('close', () => reject(new Error(`${url} closed before INFO`)));
      socket.on('data', (chunk) => {
        buf += chunk.toString('utf8');
        const end = buf.indexOf('\r\n');
        if (end >= 0) resolve(buf.slice(0, end));
      });
    });
    if (!line.startsWith('INFO ')) throw new Error(`${url} sent ${line.slice(0, 80)}`);
    return JSON.parse(line.slice(5));
  } finally {
    socket.destroy();
  }
}

/** Free loopback ports, all distinct: every socket is held open until all are chosen. */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const srv = createServer();
      servers.push(srv);
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', resolve);
      });
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') throw new Error('no port');
      ports.push(addr.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

// ---- processes ----

interface Spec extends NatsServerOptions {
  name: string;
  port: number;
  httpPort: number;
  cluster?: string;
}

// Everything alive or on disk, so the exit backstop can clean up after tests that fail or
// forget stop(). Synchronous because 'exit' handlers cannot await.
const live = new Set<ChildProcess>();
const dirs = new Set<string>();
let backstop = false;
function installBackstop(): void {
  if (backstop) return;
  backstop = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
}

async function createNatsServer(spec: Spec): Promise<NatsServer> {
  installBackstop();
  const bin = spec.bin ?? findNatsServer();
  const dir = await mkdtemp(join(tmpdir(), `centrifugo-ts-nats-${spec.name}-`));
  dirs.add(dir);
  const storeDir = join(dir, 'jetstream');
  const confPath = join(dir, 'nats.conf');
  await writeFile(
    confPath,
    `server_name: ${spec.name}
listen: 127.0.0.1:${spec.port}
http: 127.0.0.1:${spec.httpPort}
jetstream {
  store_dir: "${storeDir}"
}
${spec.cluster ?? ''}
${spec.config ?? ''}
`,
  );
  const url = `nats://127.0.0.1:${spec.port}`;
  const monitorUrl = `http://127.0.0.1:${spec.httpPort}`;
  const readyMs = spec.readyTimeoutMs ?? DEFAULT_READY_MS;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let log: string[] = [];
  let stopped = false;

  const logTail = () => log.slice(-40).join('\n');

  const launch = () => {
    log = [];
    const proc = spawn(bin, ['-c', confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    live.add(proc);
    const record = (chunk: Buffer) => {
      log.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (log.length > 200) log = log.slice(-100);
    };
    proc.stdout?.on('data', record);
    proc.stderr?.on('data', record);
    exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        live.delete(proc);
        if (child === proc) child = undefined;
        record(Buffer.from(`[nats-server exited: ${signal ?? `code ${code}`}]`));
        resolve();
      });
      proc.once('error', (err) => {
        live.delete(proc);
        if (child === proc) child = undefined;
        record(Buffer.from(`[spawn failed: ${err.message}]`));
        resolve();
      });
    });
    // A forgotten server must not keep the test process alive: then 'exit' fires and the
    // backstop kills it. Awaited waits below hold timers, which keep the loop alive.
    proc.unref();
    (proc.stdout as Socket | null)?.unref();
    (proc.stderr as Socket | null)?.unref();
  };

  const signal = async (sig: NodeJS.Signals) => {
    const proc = child;
    if (!proc) return;
    proc.kill(sig);
    const escalate = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(escalate);
  };

  const server: NatsServer = {
    name: spec.name,
    url,
    port: spec.port,
    monitorUrl,
    storeDir,
    get pid() {
      return child?.pid;
    },
    logTail,
    async stop() {
      if (stopped) return;
      stopped = true;
      await signal('SIGTERM');
      await rm(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
    kill: () => signal('SIGKILL'),
    async restart() {
      if (stopped) throw new Error(`nats-server ${spec.name} was stopped; start a new one`);
      await signal('SIGTERM');
      launch();
      await waitReady(server, () => child === undefined, readyMs);
    },
  };
  return server;
}

// Healthy = /healthz answers 200 (JetStream up; in a cluster, in contact with a meta leader)
// and the client port sends INFO.
async function waitReady(server: NatsServer, hasExited: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (hasExited()) break;
    try {
      const res = await fetch(`${server.monitorUrl}/healthz`, {
        signal: AbortSignal.timeout(1_000),
      });
      const body = await res.text();
      if (res.ok) {
        await natsInfo(server.url, 1_000);
        return;
      }
      last = `/healthz ${res.status} ${body.trim()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(100);
  }
  const why = hasExited() ? 'exited' : `not healthy after ${ms} ms (${last})`;
  throw new Error(
    `nats-server ${server.name} on ${server.url} ${why}; log tail:\n${server.logTail()}`,
  );
}

interface Jsz {
  meta_cluster?: { leader?: string; cluster_size?: number };
}

async function waitForMetaLeader(servers: NatsServer[], size: number, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const running = servers.filter((s) => s.pid !== undefined);
      const views = await Promise.all(
        running.map(async (s) => {
          const res = await fetch(`${s.monitorUrl}/jsz`, { signal: AbortSignal.timeout(1_000) });
          return ((await res.json()) as Jsz).meta_cluster;
        }),
      );
      const leaders = new Set(views.map((v) => v?.leader ?? ''));
      const [leader] = leaders;
      if (leaders.size === 1 && leader && views.every((v) => v?.cluster_size === size)) {
        return leader;
      }
      last = `leaders seen: ${JSON.stringify(views)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(100);
  }
  const tails = servers.map((s) => `--- ${s.name}\n${s.logTail()}`).join('\n');
  throw new Error(`no JetStream meta leader after ${ms} ms (${last}); logs:\n${tails}`);
}
