// Slow and idle HTTP/1 clients, as an attacker runs them against a server's HTTP port, and
// the measurements around them: when the server closed each connection and what it said,
// its RSS and CPU while under attack, and how a normal API client fared meanwhile. Shared by
// the attack suite (test/attack/http-slow.test.ts) and the side-by-side record
// (bench/vs-http-attack.ts), which runs the same attacks against real Centrifugo.
import { connect, type Socket } from 'node:net';
import { cpuSeconds, rssBytes } from '../../bench/lib/node-process.ts';

export interface HoldSpec {
  port: number;
  connections: number;
  /** Written once connected: a request line and some headers, or a whole request. */
  start: string;
  /** Written to every live connection each `everyMs` (one header or body byte). */
  drip?: string;
  everyMs?: number;
  /** The connections still open this long after the last one opened are closed by us. */
  maxMs: number;
}

export interface Held {
  opened: number;
  failedToOpen: number;
  /** Milliseconds from connect to the server's close, sorted, for those it closed. */
  closedAfterMs: number[];
  /** Connections the server had not closed by `maxMs`. */
  stillOpen: number;
  /** First response line of each connection the server answered before closing, counted. */
  answers: Record<string, number>;
}

const OPEN_BATCH = 200;

/**
 * Opens `connections` sockets to the port (in batches, so the accept queue does not
 * overflow), writes `start` on each, drips bytes into all of them from one timer, and
 * resolves once every one closed or `maxMs` after the last opened.
 */
export async function holdConnections(spec: HoldSpec): Promise<Held> {
  const live = new Set<Socket>();
  const closedAfterMs: number[] = [];
  const answers: Record<string, number> = {};
  let failedToOpen = 0;
  let opened = false;
  let settle: () => void = () => {};
  const allClosed = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const openOne = () =>
    new Promise<void>((resolve) => {
      const socket = connect(spec.port, '127.0.0.1');
      let openedAt = 0;
      let firstLine: string | undefined;
      socket.on('connect', () => {
        openedAt = performance.now();
        live.add(socket);
        if (spec.start !== '') socket.write(spec.start);
        resolve();
      });
      socket.on('data', (chunk: Buffer) => {
        firstLine ??= chunk.toString('latin1').split('\r\n', 1)[0];
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        if (openedAt === 0) {
          failedToOpen++;
          resolve();
          return;
        }
        if (!live.delete(socket)) return;
        closedAfterMs.push(performance.now() - openedAt);
        const answer = firstLine ?? '(closed without an answer)';
        answers[answer] = (answers[answer] ?? 0) + 1;
        if (live.size === 0 && opened) settle();
      });
    });
  for (let i = 0; i < spec.connections; i += OPEN_BATCH) {
    await Promise.all(Array.from({ length: Math.min(OPEN_BATCH, spec.connections - i) }, openOne));
  }
  opened = true;
  const drip =
    spec.drip === undefined
      ? undefined
      : setInterval(() => {
          for (const socket of live) socket.write(spec.drip as string);
        }, spec.everyMs ?? 1000);
  const giveUp = new Promise<void>((resolve) => setTimeout(resolve, spec.maxMs).unref());
  if (live.size === 0) settle();
  await Promise.race([allClosed, giveUp]);
  clearInterval(drip);
  const stillOpen = live.size;
  for (const socket of live) socket.destroy();
  live.clear();
  closedAfterMs.sort((a, b) => a - b);
  return {
    opened: spec.connections - failedToOpen,
    failedToOpen,
    closedAfterMs,
    stillOpen,
    answers,
  };
}

/** The attacks of the suite: what each connection sends, for a server API key. */
export const attacks = {
  /** Headers that never end: one more byte of a header value per tick. */
  slowHeaders: (): Pick<HoldSpec, 'start' | 'drip'> => ({
    start: 'POST /api/publish HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ',
    drip: 'a',
  }),
  /** Complete headers announcing 100 KB of body, then one byte (JSON white space) per tick. */
  slowBodies: (key: string): Pick<HoldSpec, 'start' | 'drip'> => ({
    start: `POST /api/publish HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${key}\r\nContent-Length: 100000\r\n\r\n`,
    drip: ' ',
  }),
  /** One complete request, answered, then nothing: a keep-alive connection left idle. */
  idleKeepAlive: (key: string): Pick<HoldSpec, 'start' | 'drip'> => ({
    start: `POST /api/channels HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${key}\r\nContent-Length: 2\r\n\r\n{}`,
  }),
};

export interface Served {
  requests: number;
  failures: number;
  p50Ms: number;
  maxMs: number;
}

/**
 * A normal API client while `during` runs: one publish every `everyMs` on its own
 * keep-alive connection, with its latencies and failures (a non-200 or a network error).
 */
export async function servedDuring(
  port: number,
  key: string,
  during: Promise<unknown>,
  everyMs = 100,
): Promise<Served> {
  let done = false;
  void during.finally(() => {
    done = true;
  });
  const latencies: number[] = [];
  let failures = 0;
  while (!done) {
    const t0 = performance.now();
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/publish`, {
        method: 'POST',
        headers: { 'X-API-Key': key },
        body: '{"channel":"normal","data":{}}',
        signal: AbortSignal.timeout(5000),
      });
      await res.text();
      if (res.status !== 200) failures++;
    } catch {
      failures++;
    }
    latencies.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    failures,
    p50Ms: latencies[Math.floor(latencies.length / 2)] ?? Number.NaN,
    maxMs: latencies[latencies.length - 1] ?? Number.NaN,
  };
}

export interface ProcessWatch {
  /** RSS when the watch began, bytes. */
  rssBefore: number;
  /** Highest RSS seen, bytes. */
  rssPeak(): number;
  /** CPU seconds the process used since the watch began. */
  cpuSeconds(): number;
  stop(): void;
}

/** Samples a process's RSS every `everyMs` (for its peak) and its CPU time. */
export function watchProcess(pid: number, everyMs = 100): ProcessWatch {
  const rssBefore = rssBytes(pid);
  const cpuBefore = cpuSeconds(pid);
  let peak = rssBefore;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {}
  }, everyMs);
  return {
    rssBefore,
    rssPeak: () => Math.max(peak, rssBytes(pid)),
    cpuSeconds: () => cpuSeconds(pid) - cpuBefore,
    stop: () => clearInterval(timer),
  };
}

export interface OversizedResult {
  answered413: number;
  otherStatus: Record<string, number>;
  errors: Record<string, number>;
}

/** `count` bodies of `size` bytes with Node's fetch, `concurrency` at a time, counted. */
export async function oversizedBodies(
  port: number,
  key: string,
  count: number,
  size: number,
  concurrency = 10,
): Promise<OversizedResult> {
  const body = new Uint8Array(size).fill(0x20);
  const result: OversizedResult = { answered413: 0, otherStatus: {}, errors: {} };
  const one = async () => {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/publish`, {
        method: 'POST',
        headers: { 'X-API-Key': key },
        body,
        signal: AbortSignal.timeout(20_000),
      });
      await res.arrayBuffer();
      if (res.status === 413) result.answered413++;
      else result.otherStatus[res.status] = (result.otherStatus[res.status] ?? 0) + 1;
    } catch (err) {
      const code = String((err as { cause?: { code?: string } }).cause?.code ?? err);
      result.errors[code] = (result.errors[code] ?? 0) + 1;
    }
  };
  for (let i = 0; i < count; i += concurrency) {
    await Promise.all(Array.from({ length: Math.min(concurrency, count - i) }, one));
  }
  return result;
}
