// The servers a compat run compares: real Centrifugo and this node, each its own process,
// each started from the same config object written to a config file (only the loopback
// ports differ), the way a user starts either. Ready once its ports accept connections; a
// config it refuses shows as `started: false` with its exit code.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE_FLAGS } from '../../src/node/runtime-flags.ts';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;
// Bounded, with room for a loaded machine: a startup group starts 12 processes at once.
const START_TIMEOUT_MS = 60_000;
const LOG_TAIL_CHARS = 8_000;

export type ServerKind = 'centrifugo' | 'centrifugo-ts';

export interface Server {
  /** Who this is in reports: "centrifugo", "centrifugo (2nd)", "centrifugo-ts". */
  label: string;
  kind: ServerKind;
  started: boolean;
  /** Set when the process exited before it was ready (a refused config). */
  exitCode: number | null;
  httpUrl: string;
  wsUrl: string;
  grpcTarget: string;
  /** Where uni_grpc listens, when the config enables it. */
  uniGrpcTarget: string;
  /** The last lines the process printed (stdout and stderr), for failure reports. */
  logTail(): string;
  stop(): Promise<void>;
}

export interface ServerSpec {
  /** The config object, identical for every server but for the ports set here. */
  config: Record<string, unknown>;
  /** Extra environment variables (CENTRIFUGO_* config by env). */
  env?: Record<string, string>;
}

export interface Ports {
  http: number;
  grpc: number;
  /** uni_grpc's own port, for a config with a uni_grpc section. */
  uniGrpc?: number;
}

/** How many ports a server takes: Ports' fields. */
export const PORTS_PER_SERVER = 3;

const START_ATTEMPTS = 3;

/**
 * Starts a server on these ports; when a port was taken between choosing and binding it
 * (another process got it first), starts again on new ones, up to START_ATTEMPTS times.
 */
export async function startServer(
  kind: ServerKind,
  label: string,
  spec: ServerSpec,
  centrifugoBinary: string,
  ports: Ports,
): Promise<Server> {
  let attempt = await startOnce(kind, label, spec, centrifugoBinary, ports);
  for (
    let n = 1;
    n < START_ATTEMPTS && !attempt.started && PORT_TAKEN.test(attempt.logTail());
    n++
  ) {
    await attempt.stop();
    const [http = 0, grpc = 0, uniGrpc = 0] = await freePorts(PORTS_PER_SERVER);
    attempt = await startOnce(kind, label, spec, centrifugoBinary, { http, grpc, uniGrpc });
  }
  return attempt;
}

const PORT_TAKEN = /EADDRINUSE|address already in use/;

async function startOnce(
  kind: ServerKind,
  label: string,
  spec: ServerSpec,
  centrifugoBinary: string,
  ports: Ports,
): Promise<Server> {
  const { http, grpc, uniGrpc = 0 } = ports;
  const on = (section: string) =>
    (spec.config[section] as { enabled?: boolean } | undefined)?.enabled === true;
  const config = withPorts(spec.config, ports);
  const dir = mkdtempSync(join(tmpdir(), `compat-${kind}-`));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  const argv =
    kind === 'centrifugo'
      ? [centrifugoBinary, '--config', file]
      : [process.execPath, ...NODE_FLAGS, MAIN, '--config', file];
  // A clean environment: the runner's own CENTRIFUGO_TS_* variables would be taken for
  // config. Centrifugo alone is told not to send usage statistics (no network here); that
  // is not a key of this node, and the config object stays the same for both.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? dir,
    ...(kind === 'centrifugo'
      ? { CENTRIFUGO_USAGE_STATS_DISABLED: 'true' }
      : // Node's code cache: the same code, compiled once for the many nodes a run starts
        // (it halves their startup CPU). Not config: no CENTRIFUGO_ prefix.
        { NODE_COMPILE_CACHE: join(tmpdir(), 'centrifugo-ts-compat-compile-cache') }),
    ...spec.env,
  };
  const [cmd, ...args] = argv as [string, ...string[]];
  const proc = spawn(cmd, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-LOG_TAIL_CHARS);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => resolve(code)),
  );

  let ready: boolean;
  try {
    ready = await waitReady(proc, exited, [
      http,
      ...(on('grpc_api') ? [grpc] : []),
      ...(on('uni_grpc') ? [uniGrpc] : []),
    ]);
  } catch (err) {
    // Not ready in time: waitReady killed it; leave nothing behind.
    await exited;
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${label}: ${(err as Error).message}\n${tail}`);
  }
  let stopped: Promise<void> | undefined;
  return {
    label,
    kind,
    started: ready,
    exitCode: ready ? null : proc.exitCode,
    httpUrl: `http://127.0.0.1:${http}`,
    wsUrl: `ws://127.0.0.1:${http}`,
    grpcTarget: `127.0.0.1:${grpc}`,
    uniGrpcTarget: `127.0.0.1:${uniGrpc}`,
    logTail: () => tail,
    stop: () => {
      stopped ??= (async () => {
        // Nothing is tested about shutdown here: kill outright, then wait for the exit.
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
        await exited;
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

function withPorts(config: Record<string, unknown>, { http, grpc, uniGrpc = 0 }: Ports) {
  const out = structuredClone(config);
  out.http_server = { ...(out.http_server as object), address: '127.0.0.1', port: http };
  if (out.grpc_api !== undefined) {
    out.grpc_api = { ...(out.grpc_api as object), address: '127.0.0.1', port: grpc };
  }
  if (out.uni_grpc !== undefined) {
    out.uni_grpc = { ...(out.uni_grpc as object), address: '127.0.0.1', port: uniGrpc };
  }
  return out;
}

/** True once every port accepts a connection; false if the process exits first. */
async function waitReady(
  proc: ChildProcess,
  exited: Promise<number | null>,
  ports: number[],
): Promise<boolean> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (const port of ports) {
    for (;;) {
      if (gone) return false;
      if (await accepts(port)) break;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`server on port ${port} not ready in ${START_TIMEOUT_MS} ms`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return !gone;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** n distinct free loopback ports: all are held open until each is known, then released. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const srv = createServer();
          srv.once('error', reject);
          srv.listen(0, '127.0.0.1', () => resolve(srv));
        }),
    ),
  );
  const ports = servers.map((srv) => {
    const addr = srv.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  });
  await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(resolve))));
  return ports;
}
