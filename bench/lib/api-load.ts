// Closed-loop load on the server API: light clients (node:http keep-alive; gRPC framed by
// hand over node:http2) so the rates compare servers rather than client libraries, and a
// runner that keeps `concurrency` requests in flight and reads the server's CPU time.
import { Agent, request } from 'node:http';
import { connect as http2Connect } from 'node:http2';
import { type Socket, connect as tcpConnect } from 'node:net';
import { loadSync } from '@grpc/proto-loader';
import { BENCH_KEY } from './node-process.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

export type Publish = () => Promise<void>;
export interface Publisher {
  publish: Publish;
  close(): void;
}

/** 128 bytes of JSON, as in the perf suite. */
export const DATA_128 = JSON.stringify({ text: 'x'.repeat(128 - 11) });

/**
 * POSTs one fixed body to `path` with `concurrency` keep-alive connections. A reply that is
 * not 200, or carries an "error", rejects (`expect`, when given, must match exactly).
 */
export function httpPublisher(
  port: number,
  body: string,
  opts: { path?: string; concurrency?: number; expect?: string } = {},
): Publisher {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency ?? 64 });
  const length = Buffer.byteLength(body);
  const publish: Publish = () =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          agent,
          host: '127.0.0.1',
          port,
          path: opts.path ?? '/api/publish',
          method: 'POST',
          headers: {
            'x-api-key': BENCH_KEY,
            'content-type': 'application/json',
            'content-length': length,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const problem = replyProblem(
              res.statusCode ?? 0,
              Buffer.concat(chunks).toString(),
              opts.expect,
            );
            if (problem) reject(problem);
            else resolve();
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { publish, close: () => agent.destroy() };
}

/**
 * The same load as httpPublisher, with HTTP/1.1 written and read by hand on `concurrency`
 * keep-alive sockets: a third of node:http's client CPU per request, so that one load
 * generator core can keep a server core busy (with node:http it saturates first, and both
 * servers then idle part of the time). Replies must be 200 with Content-Length (both servers
 * send it); the same check as httpPublisher's applies.
 */
export function rawHttpPublisher(
  port: number,
  body: string,
  opts: { path?: string; concurrency?: number; expect?: string } = {},
): Publisher {
  const request = Buffer.from(
    `POST ${opts.path ?? '/api/publish'} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nx-api-key: ${BENCH_KEY}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  const idle: RawHttpConnection[] = [];
  const all: RawHttpConnection[] = [];
  const publish: Publish = async () => {
    let c = idle.pop();
    if (c === undefined) {
      c = new RawHttpConnection(port);
      all.push(c);
    }
    const reply = await c.exchange(request);
    idle.push(c);
    const problem = replyProblem(reply.status, reply.body, opts.expect);
    if (problem) throw problem;
  };
  return {
    publish,
    close: () => {
      for (const c of all) c.close();
    },
  };
}

/** A reply that is not 200, or carries an "error" (or differs from `expect`), is a failure. */
function replyProblem(status: number, body: string, expect: string | undefined): Error | undefined {
  const ok = status === 200 && (expect !== undefined ? body === expect : !body.includes('"error"'));
  return ok ? undefined : new Error(`HTTP ${status} ${body.slice(0, 200)}`);
}

const HEADERS_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length: *(\d+)/i;

/** One keep-alive connection, one request at a time. */
class RawHttpConnection {
  private readonly socket: Socket;
  private input: Buffer = Buffer.alloc(0);
  private waiting:
    | { resolve: (r: { status: number; body: string }) => void; reject: (e: Error) => void }
    | undefined;

  constructor(port: number) {
    this.socket = tcpConnect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => {
      this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
      this.parse();
    });
    const fail = (err: Error) => {
      this.waiting?.reject(err);
      this.waiting = undefined;
    };
    this.socket.on('error', fail);
    this.socket.on('close', () => fail(new Error('connection closed')));
  }

  exchange(request: Buffer): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private parse(): void {
    const end = this.input.indexOf(HEADERS_END);
    if (end < 0) return;
    const head = this.input.toString('latin1', 0, end);
    const length = Number(CONTENT_LENGTH.exec(head)?.[1] ?? 0);
    const total = end + 4 + length;
    if (this.input.length < total) return;
    const status = Number(head.slice(9, 12));
    const body = this.input.toString('utf8', end + 4, total);
    this.input = this.input.subarray(total);
    const w = this.waiting;
    this.waiting = undefined;
    w?.resolve({ status, body });
  }
}

/**
 * gRPC Publish over node:http2 by hand: one pre-encoded request on one HTTP/2 connection, a
 * check of the answer's bytes. As light a client as node:http is for HTTP.
 */
export function rawGrpcPublisher(port: number, channel: string, data = DATA_128): Publisher {
  const session = http2Connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  const def = loadSync('api.proto', {
    keepCase: true,
    longs: Number,
    includeDirs: [`${ROOT}proto`],
  });
  // biome-ignore lint/suspicious/noExplicitAny: proto-loader method definition.
  const method = (def['centrifugal.centrifugo.api.CentrifugoApi'] as any).Publish;
  const message: Buffer = method.requestSerialize({ channel, data: Buffer.from(data) });
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  // PublishResponse{result: PublishResult{}}: field 2, length 0.
  const expected = Buffer.from([0, 0, 0, 0, 2, 0x12, 0x00]);
  const headers = {
    ':method': 'POST',
    ':path': method.path,
    'content-type': 'application/grpc',
    te: 'trailers',
    authorization: `apikey ${BENCH_KEY}`,
  };
  const publish: Publish = () =>
    new Promise((resolve, reject) => {
      const req = session.request(headers);
      const chunks: Buffer[] = [];
      let grpcStatus: unknown;
      req.on('response', (h) => {
        grpcStatus = h['grpc-status'];
      });
      req.on('trailers', (t) => {
        grpcStatus = t['grpc-status'];
      });
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('error', reject);
      req.on('close', () => {
        const body = Buffer.concat(chunks);
        if (grpcStatus !== '0' || !body.equals(expected)) {
          reject(new Error(`grpc-status ${grpcStatus}, body ${body.toString('hex')}`));
        } else resolve();
      });
      req.end(frame);
    });
  return { publish, close: () => session.close() };
}

export interface ClosedLoopResult {
  count: number;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
  serverCpu: number;
  /** CPU seconds of this (load generator) process over the run. */
  loadgenCpu: number;
}

/** Keeps `concurrency` calls of `publish` in flight for `seconds`. */
export async function closedLoop(
  publish: Publish,
  seconds: number,
  concurrency: number,
  serverCpuSeconds: () => number,
): Promise<ClosedLoopResult> {
  const latencies: number[] = [];
  const cpu0 = serverCpuSeconds();
  const u0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const s = performance.now();
      await publish();
      latencies.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  const serverCpu = serverCpuSeconds() - cpu0;
  const u = process.cpuUsage(u0);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return {
    count: latencies.length,
    seconds: elapsed,
    rate: latencies.length / elapsed,
    p50: pct(0.5),
    p99: pct(0.99),
    serverCpu,
    loadgenCpu: (u.user + u.system) / 1e6,
  };
}
