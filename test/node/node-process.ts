// The centrifugo-ts binary as its own process, for tests that need a real process: to
// read its logs, signal it, or kill it outright. Ready once it logs where the API is.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;

export interface Started {
  child: ChildProcess;
  logs: Array<Record<string, unknown>>;
  apiUrl: string;
  exited: Promise<number | null>;
}

export const isApiReady = (entry: Record<string, unknown>) =>
  String(entry.msg).startsWith('HTTP server API ready');

export async function startBinary(args: string[], cwd: string): Promise<Started> {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let buffered = '';
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // A node that never says it is ready must not outlive the test run.
      child.kill('SIGKILL');
      reject(new Error(`node did not start: ${JSON.stringify(logs)}`));
    }, 15_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (isApiReady(entry)) {
          clearTimeout(timer);
          resolve(entry.endpoint as string);
        }
      }
    });
    child.on('exit', () => reject(new Error(`node exited early: ${JSON.stringify(logs)}`)));
  });
  return { child, logs, apiUrl: await ready, exited };
}

export interface NodeProcess extends Started {
  /** Ports of the external and internal listeners (the same when no internal_port). */
  external: number;
  internal: number;
  /** Sends SIGTERM; resolves with the exit code (SIGKILL after killMs). */
  stop(killMs?: number): Promise<number | null>;
}

/**
 * The binary on a config object (written to a temporary dir), bound to 127.0.0.1 on free
 * ports: the external one, and an internal one too when `internal` is true.
 */
export async function startNodeProcess(
  config: Record<string, unknown>,
  opts: { internal?: boolean } = {},
): Promise<NodeProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'cfts-node-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const args = ['-c', 'config.json', '--http_server.address', '127.0.0.1', '-p', '0'];
  if (opts.internal) args.push('--http_server.internal_port', '0');
  const started = await startBinary(args, dir).catch((err) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  void started.exited.then(() => rmSync(dir, { recursive: true, force: true }));
  const portOf = (role: string) => {
    const line = started.logs.find((l) => l.msg === 'HTTP server listening' && l.role === role);
    return line ? Number(new URL(String(line.address)).port) : undefined;
  };
  const external = portOf('external');
  if (external === undefined) throw new Error('no external listener in the logs');
  return {
    ...started,
    external,
    internal: portOf('internal') ?? external,
    async stop(killMs = 30_000) {
      if (started.child.exitCode !== null) return started.child.exitCode;
      started.child.kill('SIGTERM');
      const timer = setTimeout(() => started.child.kill('SIGKILL'), killMs);
      const code = await started.exited;
      clearTimeout(timer);
      return code;
    },
  };
}
