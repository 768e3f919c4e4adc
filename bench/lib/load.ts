// Load of the fan-out benchmarks: raw WebSocket subscribers that count publications (and
// time a sample of them), and a steady publisher on the HTTP API. The same code drives
// centrifugo-ts and Centrifugo in the side-by-side scenarios (bench/vs-*.ts), so it is kept
// cheap per message: frames stay Buffers, pushes are counted by their first bytes, and only
// the sampled subscribers parse a send time out of the payload.
import { Agent, request } from 'node:http';
import WebSocket from 'ws';
import { Command } from '../../src/node/protocol/descriptors.ts';
import { delimit, encodeMessage, splitDelimited } from '../../src/node/protocol/protobuf-codec.ts';
import { BENCH_KEY } from './node-process.ts';

export type Format = 'json' | 'protobuf';

export interface Subscriber {
  ws: WebSocket;
  received: number;
  /** JSON only, with trackPosition: the last publication offset seen and the stream epoch. */
  offset: number;
  epoch: string;
  /** The subscribe reply (JSON only), e.g. recovered and publications after a recover. */
  subscribeReply: Record<string, unknown> | undefined;
  /** Close code once the server closed the connection (e.g. 3008 slow). */
  closeCode: number | undefined;
  closedAt: number | undefined;
}

export interface SubscriberOptions {
  /** Publish-to-delivery latencies in ms are pushed here (payloads carry "t": send time). */
  latencies?: number[];
  /** Source address, e.g. 127.0.0.2: spreads many connections over more ephemeral ports. */
  localAddress?: string;
  /** JSON only: keep the last offset/epoch seen (parses every push's offset). */
  trackPosition?: boolean;
  /** Subscribe with recovery from this position. */
  recover?: { offset: number; epoch: string };
  /** Stop reading from the socket once subscribed (a slow consumer). */
  stopReading?: boolean;
  /** How long to wait for connect + subscribe replies. */
  timeoutMs?: number;
}

const PUSH = Buffer.from('{"push"');
const PING_JSON = Buffer.from('{}');

function isPrefix(buf: Buffer, start: number, end: number, prefix: Buffer): boolean {
  if (end - start < prefix.length) return false;
  return buf.compare(prefix, 0, prefix.length, start, start + prefix.length) === 0;
}

function sendTime(text: string): number {
  const m = /"t":(\d+)/.exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

export async function connectSubscriber(
  port: number,
  format: Format,
  channel: string,
  latenciesOrOptions?: number[] | SubscriberOptions,
): Promise<Subscriber> {
  const opts: SubscriberOptions = Array.isArray(latenciesOrOptions)
    ? { latencies: latenciesOrOptions }
    : (latenciesOrOptions ?? {});
  const { latencies, trackPosition } = opts;
  const url = `ws://127.0.0.1:${port}/connection/websocket`;
  const ws = new WebSocket(url, format === 'protobuf' ? ['centrifuge-protobuf'] : undefined, {
    perMessageDeflate: false,
    skipUTF8Validation: true,
    localAddress: opts.localAddress,
  });
  const sub: Subscriber = {
    ws,
    received: 0,
    offset: 0,
    epoch: '',
    subscribeReply: undefined,
    closeCode: undefined,
    closedAt: undefined,
  };
  let subscribed!: () => void;
  let failed!: (err: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    subscribed = resolve;
    failed = reject;
  });
  ws.once('error', (err) => failed(err));
  ws.once('close', (code) => {
    sub.closeCode = code;
    sub.closedAt = Date.now();
    failed(new Error(`closed ${code} before subscribed`));
  });
  let replies = 0;
  const onReply = (text: string) => {
    replies += 1;
    if (format === 'json' && text.includes('"error"')) {
      failed(new Error(`error reply: ${text.slice(0, 200)}`));
      return;
    }
    if (replies === 2) {
      if (format === 'json') {
        const reply = JSON.parse(text) as { subscribe?: Record<string, unknown> };
        sub.subscribeReply = reply.subscribe;
        if (trackPosition && reply.subscribe) {
          sub.epoch = String(reply.subscribe.epoch ?? '');
          sub.offset = Number(reply.subscribe.offset ?? 0);
        }
      }
      subscribed();
      if (opts.stopReading) (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    }
  };
  ws.on('message', (data: Buffer, isBinary) => {
    const now = latencies ? Date.now() : 0;
    if (!isBinary) {
      let start = 0;
      while (start < data.length) {
        let end = data.indexOf(10, start);
        if (end < 0) end = data.length;
        if (isPrefix(data, start, end, PUSH)) {
          sub.received += 1;
          if (latencies || trackPosition) {
            const line = data.toString('latin1', start, end);
            if (latencies) latencies.push(now - sendTime(line));
            if (trackPosition) {
              const m = /"offset":(\d+)/.exec(line);
              if (m) sub.offset = Number(m[1]);
            }
          }
        } else if (end - start === 2 && isPrefix(data, start, end, PING_JSON)) {
          ws.send('{}');
        } else if (end > start) {
          onReply(data.toString('utf8', start, end));
        }
        start = end + 1;
      }
      return;
    }
    for (const msg of splitDelimited(data)) {
      if (msg.length === 0) {
        ws.send(new Uint8Array([0]));
        continue;
      }
      // Replies to our commands carry id (field 1); pushes do not.
      if (msg[0] === 0x08) {
        onReply('');
        continue;
      }
      sub.received += 1;
      if (latencies) latencies.push(now - sendTime(Buffer.from(msg).toString('latin1')));
    }
  });
  const timer = setTimeout(
    () => failed(new Error('subscribe timed out')),
    opts.timeoutMs ?? 30_000,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ready.catch(reject);
    });
    const subscribe: Record<string, unknown> = { channel };
    if (opts.recover) Object.assign(subscribe, { recover: true, ...opts.recover });
    const commands = [
      { id: 1, connect: {} },
      { id: 2, subscribe },
    ];
    if (format === 'json') ws.send(commands.map((c) => JSON.stringify(c)).join('\n'));
    else ws.send(Buffer.concat(commands.map((c) => delimit(encodeMessage(Command, c)))));
    await ready;
  } catch (err) {
    ws.terminate();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  ws.removeAllListeners('error');
  ws.removeAllListeners('close');
  ws.on('error', () => {});
  ws.on('close', (code) => {
    sub.closeCode = code;
    sub.closedAt = Date.now();
  });
  return sub;
}

/** Connects `count` subscribers, `concurrency` at a time; the first `sample` time deliveries. */
export async function connectMany(
  port: number,
  format: Format,
  channel: string,
  count: number,
  opts: {
    sample?: number;
    latencies?: number[];
    concurrency?: number;
    localAddresses?: string[];
  } = {},
): Promise<Subscriber[]> {
  const subs: Subscriber[] = [];
  const concurrency = opts.concurrency ?? 50;
  const addrs = opts.localAddresses;
  for (let i = 0; i < count; i += concurrency) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(concurrency, count - i) }, (_, j) =>
        connectSubscriber(port, format, channel, {
          latencies: i + j < (opts.sample ?? 0) ? opts.latencies : undefined,
          localAddress: addrs ? addrs[(i + j) % addrs.length] : undefined,
        }),
      ),
    );
    subs.push(...batch);
  }
  return subs;
}

export function totalReceived(subs: readonly Subscriber[]): number {
  let n = 0;
  for (const s of subs) n += s.received;
  return n;
}

const agents = new Map<number, Agent>();

/** POST to the HTTP server API over a shared keep-alive agent; resolves with the body. */
export function apiPost(port: number, path: string, body: string): Promise<string> {
  let agent = agents.get(port);
  if (!agent) {
    agent = new Agent({ keepAlive: true, maxSockets: 64 });
    agents.set(port, agent);
  }
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: {
          'x-api-key': BENCH_KEY,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200 || text.includes('"error"')) {
            reject(new Error(`HTTP ${res.statusCode} ${text.slice(0, 200)}`));
          } else resolve(text);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export function closeApiAgents(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

/** A publication body with the send time for latency and `size` bytes of filler text. */
export function publishBody(channel: string, size = 100): string {
  return `{"channel":"${channel}","data":{"t":${Date.now()},"text":"${'x'.repeat(size)}"}}`;
}

/**
 * Publishes `rate` per second for `seconds` through the API (open loop, at most 256 in
 * flight: beyond that the publisher falls behind rather than queueing without bound);
 * returns how many were sent.
 */
export async function publishLoop(
  port: number,
  channel: string,
  rate: number,
  seconds: number,
  size = 100,
): Promise<number> {
  let sent = 0;
  let inFlight = 0;
  let failed: Error | undefined;
  const started = Date.now();
  const total = Math.round(rate * seconds);
  // A publisher that falls behind gets one extra second, then stops short.
  const end = started + seconds * 1000 + 1000;
  while (sent < total && Date.now() < end && !failed) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * rate) + 1);
    while (sent < due && inFlight < 256) {
      inFlight += 1;
      sent += 1;
      apiPost(port, '/api/publish', publishBody(channel, size)).then(
        () => {
          inFlight -= 1;
        },
        (err: Error) => {
          inFlight -= 1;
          failed = err;
        },
      );
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 2));
  if (failed) throw failed;
  return sent;
}
