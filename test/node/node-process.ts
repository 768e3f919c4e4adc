// The centrifugo-ts binary as its own process, for tests that need a real process: to
// read its logs, signal it, or kill it outright. Ready once it logs where the API is.
import { type ChildProcess, spawn } from 'node:child_process';

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
