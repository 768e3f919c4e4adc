// A centrifugo-ts node as its own process for benchmarks: free ports, readiness by polling
// the API, CPU time and RSS read from /proc, optional pinning to a CPU with taskset.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const ROOT = new URL('../../', import.meta.url).pathname;
export const BENCH_KEY = 'bench-key';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject()));
    });
  });
}

export interface NodeProcess {
  proc: ChildProcess;
  httpPort: number;
  stop(): Promise<void>;
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `src/main.ts` with the given extra flags (the API key and port are added).
 * `cpu` pins the node to one CPU when taskset exists, so the load generator keeps the other.
 */
export async function startNodeProcess(flags: string[], cpu?: number): Promise<NodeProcess> {
  const httpPort = await freePort();
  const args = [
    `${ROOT}src/main.ts`,
    '--http_server.address',
    '127.0.0.1',
    '--http_server.port',
    String(httpPort),
    '--http_api.key',
    BENCH_KEY,
    '--log.level',
    'error',
    ...flags,
  ];
  const pinned = cpu !== undefined && hasTaskset();
  const proc = pinned
    ? spawn('taskset', ['-c', String(cpu), process.execPath, ...args], { stdio: 'inherit' })
    : spawn(process.execPath, args, { stdio: 'inherit' });
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${httpPort}/api/info`, {
        method: 'POST',
        headers: { 'X-API-Key': BENCH_KEY },
        body: '{}',
      });
      if (res.ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error('node did not start within 15 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    proc,
    httpPort,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** utime + stime of a process in seconds (Linux /proc). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident set size in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : 0;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}
