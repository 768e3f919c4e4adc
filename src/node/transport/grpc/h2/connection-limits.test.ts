// The limits of one connection (limits.ts), each hit by hand-written frames: what a client
// that means harm sends. Each case checks the code the client is told, the limit counted, and
// that the server serves a well-behaved client on.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
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
} from '../../../../../test/h2-peer.ts';
import { type ConnectionOptions, H2Connection } from './connection.ts';
import { encodeHeaderBlock } from './hpack.ts';
import type { LimitName } from './limits.ts';
import type { H2Stream } from './stream.ts';

const BASE: ConnectionOptions = {
  maxConcurrentStreams: 100,
  streamWindow: 1 << 16,
  connectionWindow: 1 << 20,
  maxHeaderListSize: 16 * 1024,
  maxBufferedBytes: 1 << 20,
  http1Hint: 'gRPC here\n',
  maxContinuationFrames: 8,
  headerTimeoutMs: 10_000,
  maxConsecutiveEmptyFrames: 1,
  resetBurst: 1000,
  resetsPerSecond: 33,
  pingMinIntervalMs: 5 * 60_000,
  pingWithoutStreams: false,
  maxQueuedControlFrames: 1000,
  maxPendingReplyBytes: 16 << 20,
  idleTimeoutMs: 180_000,
  handshakeTimeoutMs: 10_000,
};
const OK = encodeHeaderBlock([[':status', '200']]);

interface TestServer {
  port: number;
  connections: Set<H2Connection>;
  hits: LimitName[];
  errors: string[];
  /** Paths whose handler heard the end of the request. */
  handled: string[];
  /** /work streams: their handler works (holds its slot) until the test ends it. */
  working: H2Stream[];
  tick(advanceMs: number): void;
  close(): Promise<void>;
}

const servers: TestServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

/** A server with `limits` over BASE: /echo, /big/N (N bytes), /work, /hold. */
async function serve(limits: Partial<ConnectionOptions> = {}): Promise<TestServer> {
  const options = { ...BASE, ...limits };
  const connections = new Set<H2Connection>();
  const hits: LimitName[] = [];
  const errors: string[] = [];
  const handled: string[] = [];
  const working: H2Stream[] = [];
  const handle = (stream: H2Stream) => {
    const path = stream.headers[':path'] as string;
    stream.onEnd = () => {
      handled.push(path);
      if (path === '/hold') return;
      if (path === '/work') {
        stream.beginWork();
        working.push(stream);
        return;
      }
      const size = /^\/big\/(\d+)$/.exec(path)?.[1];
      stream.respond(OK, false);
      stream.write(Buffer.alloc(Number(size ?? 1), 7));
      stream.end(encodeHeaderBlock([['grpc-status', '0']]));
    };
  };
  const server: Server = createServer((socket) => {
    const c = new H2Connection(socket, options, {
      stream: handle,
      limit: (name) => hits.push(name),
      protocolError: (reason) => errors.push(reason),
    });
    connections.add(c);
    socket.on('close', () => connections.delete(c));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const s: TestServer = {
    port: (server.address() as { port: number }).port,
    connections,
    hits,
    errors,
    handled,
    working,
    tick: (advanceMs) => {
      for (const c of connections) c.tick(Date.now() + advanceMs);
    },
    close: async () => {
      for (const c of connections) c.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  servers.push(s);
  return s;
}

/** Sends `bytes` after the handshake; resolves with the GOAWAY once the server closed. */
async function attack(s: TestServer, bytes: Buffer) {
  const peer = new RawPeer(s.port);
  await peer.write(Buffer.concat([HANDSHAKE, bytes]));
  assert.ok(await peer.closedWithin(5000), 'the server closes the connection');
  return { peer, goaway: peer.goaway() };
}

/** A well-behaved request on a fresh connection: its status and body length. */
async function wellBehaved(s: TestServer): Promise<number> {
  const peer = new RawPeer(s.port);
  try {
    await peer.write(
      Buffer.concat([
        HANDSHAKE,
        headersFrame(1, requestBlock('/big/10'), Flag.END_HEADERS | Flag.END_STREAM),
      ]),
    );
    assert.ok(
      await peer.waitFor(() =>
        peer.frames().some((f) => f.type === FrameType.HEADERS && f.flags & Flag.END_STREAM),
      ),
      'a well-behaved client is answered',
    );
    return peer
      .frames()
      .filter((f) => f.type === FrameType.DATA)
      .reduce((n, f) => n + f.length, 0);
  } finally {
    peer.destroy();
  }
}

const continuation = (streamId: number, payload: Buffer, end = false) =>
  rawFrame(FrameType.CONTINUATION, end ? Flag.END_HEADERS : 0, streamId, payload);

describe('header blocks', () => {
  it('closes a connection sending empty CONTINUATION frames (no END_HEADERS) with ENHANCE_YOUR_CALM', async () => {
    const s = await serve();
    const flood = [headersFrame(1, requestBlock('/echo').subarray(0, 3), 0)];
    for (let i = 0; i < 10_000; i++) flood.push(continuation(1, Buffer.alloc(0)));
    const { goaway } = await attack(s, Buffer.concat(flood));
    assert.equal(goaway?.code, ErrorCode.ENHANCE_YOUR_CALM);
    assert.deepEqual(s.hits, ['empty_frames']);
    assert.equal(await wellBehaved(s), 10);
  });

  it('allows maxContinuationFrames CONTINUATIONs per header block, closes on one more', async () => {
    const s = await serve({ maxContinuationFrames: 3 });
    const block = requestBlock('/big/5');
    const cut = (n: number) => {
      const out = [headersFrame(1, block.subarray(0, 1), Flag.END_STREAM)];
      for (let i = 1; i <= n; i++) {
        const part = i === n ? block.subarray(i) : block.subarray(i, i + 1);
        out.push(continuation(1, part, i === n));
      }
      return Buffer.concat(out);
    };
    // 3 CONTINUATIONs: a request like any other.
    const fits = new RawPeer(s.port);
    await fits.write(Buffer.concat([HANDSHAKE, cut(3)]));
    assert.ok(await fits.waitFor(() => s.handled.includes('/big/5')));
    fits.destroy();
    // 1-byte CONTINUATIONs without end: the fourth closes the connection.
    const { goaway } = await attack(s, cut(20));
    assert.equal(goaway?.code, ErrorCode.ENHANCE_YOUR_CALM);
    assert.deepEqual(s.hits, ['continuation_frames']);
  });

  it('bounds the bytes of a header block at twice the list limit', async () => {
    const s = await serve({ maxHeaderListSize: 4096, maxContinuationFrames: 100 });
    const frames = [headersFrame(1, Buffer.alloc(3000, 0x40), 0)];
    for (let i = 0; i < 5; i++) frames.push(continuation(1, Buffer.alloc(3000, 0x40)));
    const { goaway } = await attack(s, Buffer.concat(frames));
    assert.equal(goaway?.code, ErrorCode.ENHANCE_YOUR_CALM);
    assert.deepEqual(s.hits, ['header_block_size']);
  });

  it('closes a connection whose header block stays open past headerTimeoutMs', async () => {
    const s = await serve({ headerTimeoutMs: 2000 });
    const peer = new RawPeer(s.port);
    await peer.write(
      Buffer.concat([HANDSHAKE, headersFrame(1, requestBlock('/x').subarray(0, 4), 0)]),
    );
    await peer.waitFor(() => s.connections.size === 1);
    await new Promise((r) => setTimeout(r, 50));
    s.tick(1000);
    assert.ok(peer.isOpen, 'not yet');
    s.tick(2000);
    assert.ok(await peer.closedWithin(2000));
    assert.equal(peer.goaway()?.code, ErrorCode.ENHANCE_YOUR_CALM);
    assert.deepEqual(s.hits, ['header_timeout']);
  });

  it('refuses a request without :scheme, or with an empty :path, as malformed', async () => {
    const s = await serve();
    const noScheme = encodeHeaderBlock([
      [':method', 'POST'],
      [':path', '/echo'],
    ]);
    const emptyPath = encodeHeaderBlock([
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', ''],
    ]);
    const peer = new RawPeer(s.port);
    await peer.write(
      Buffer.concat([
        HANDSHAKE,
        headersFrame(1, noScheme, Flag.END_HEADERS | Flag.END_STREAM),
        headersFrame(3, emptyPath, Flag.END_HEADERS | Flag.END_STREAM),
      ]),
    );
    assert.ok(
      await peer.waitFor(
        () => peer.frames().filter((f) => f.type === FrameType.RST_STREAM).length === 2,
      ),
    );
    const resets = peer.frames().filter((f) => f.type === FrameType.RST_STREAM);
    assert.deepEqual(
      resets.map((f) => [f.streamId, f.code]),
      [
        [1, ErrorCode.PROTOCOL_ERROR],
        [3, ErrorCode.PROTOCOL_ERROR],
      ],
    );
    assert.deepEqual(s.handled, []);
    peer.destroy();
  });
});

describe('Rapid Reset', () => {
  it('runs no handler for a stream reset in the same read as its request', async () => {
    const s = await serve();
    const frames: Buffer[] = [];
    for (let id = 1; id < 200; id += 2) {
      frames.push(headersFrame(id, requestBlock('/echo'), Flag.END_HEADERS));
      frames.push(dataFrame(id, grpcMessage(Buffer.from('publish'))));
      frames.push(rstFrame(id));
    }
    // The last one is not reset: it is handled, and the connection serves on.
    frames.push(headersFrame(201, requestBlock('/big/3'), Flag.END_HEADERS | Flag.END_STREAM));
    const peer = new RawPeer(s.port);
    await peer.write(Buffer.concat([HANDSHAKE, ...frames]));
    assert.ok(await peer.waitFor(() => s.handled.length === 1));
    assert.deepEqual(s.handled, ['/big/3']);
    peer.destroy();
  });

  it('answers GOAWAY ENHANCE_YOUR_CALM to streams reset faster than the rate', async () => {
    const s = await serve({ resetBurst: 5, resetsPerSecond: 1 });
    const frames: Buffer[] = [];
    for (let id = 1; id < 100; id += 2) {
      frames.push(headersFrame(id, requestBlock('/hold'), Flag.END_HEADERS));
      frames.push(rstFrame(id));
    }
    const { goaway } = await attack(s, Buffer.concat(frames));
    assert.equal(goaway?.code, ErrorCode.ENHANCE_YOUR_CALM);
    assert.match(goaway?.debug ?? '', /reset faster/);
    assert.deepEqual(s.hits, ['reset_rate']);
    assert.equal(await wellBehaved(s), 10);
  });

  it('keeps the slot of a reset stream whose handler still works', async () => {
    const s = await serve({ maxConcurrentStreams: 2 });
    const peer = new RawPeer(s.port);
    const open = (id: number) =>
      headersFrame(id, requestBlock('/work'), Flag.END_HEADERS | Flag.END_STREAM);
    await peer.write(Buffer.concat([HANDSHAKE, open(1), open(3)]));
    assert.ok(await peer.waitFor(() => s.working.length === 2));
    // Both reset: their handlers still run, so a third stream is refused.
    await peer.write(Buffer.concat([rstFrame(1), rstFrame(3), open(5)]));
    assert.ok(await peer.waitFor(() => peer.frames().some((f) => f.streamId === 5)));
    assert.equal(peer.frames().find((f) => f.streamId === 5)?.code, ErrorCode.REFUSED_STREAM);
    assert.deepEqual(s.hits, ['concurrent_streams']);
    // One handler finishes: its slot is free again.
    s.working[0]?.endWork();
    await peer.write(open(7));
    assert.ok(await peer.waitFor(() => s.working.length === 3));
    peer.destroy();
  });
});

describe('PING', () => {
  it("answers a PING flood with GOAWAY ENHANCE_YOUR_CALM 'too_many_pings' on the fourth", async () => {
    const s = await serve();
    const { peer, goaway } = await attack(s, Buffer.concat([1, 2, 3, 4, 5, 6].map(pingFrame)));
    assert.equal(goaway?.code, ErrorCode.ENHANCE_YOUR_CALM);
    assert.equal(goaway?.debug, 'too_many_pings');
    const acks = peer.frames().filter((f) => f.type === FrameType.PING && f.flags & Flag.ACK);
    assert.equal(acks.length, 4, 'acked up to the one that closed it');
    assert.deepEqual(s.hits, ['too_many_pings']);
  });

  it('takes pings that follow replies, and pings as often as keepalive_min_time allows', async () => {
    const s = await serve({ pingMinIntervalMs: 0, pingWithoutStreams: true });
    const peer = new RawPeer(s.port);
    await peer.write(
      Buffer.concat([HANDSHAKE, ...Array.from({ length: 20 }, (_, i) => pingFrame(i))]),
    );
    assert.ok(
      await peer.waitFor(
        () => peer.frames().filter((f) => f.type === FrameType.PING).length === 20,
      ),
    );
    peer.destroy();
    // The default policy: a reply between pings clears the strikes (grpc-go's rule).
    const strict = await serve();
    const calls = new RawPeer(strict.port);
    await calls.write(HANDSHAKE);
    for (let i = 0; i < 6; i++) {
      await calls.write(
        headersFrame(1 + 2 * i, requestBlock('/big/1'), Flag.END_HEADERS | Flag.END_STREAM),
      );
      await calls.waitFor(() => calls.frames().filter((f) => f.type === FrameType.DATA).length > i);
      await calls.write(pingFrame(i));
    }
    assert.ok(
      await calls.waitFor(
        () => calls.frames().filter((f) => f.type === FrameType.PING).length === 6,
      ),
    );
    assert.equal(calls.goaway(), undefined);
    calls.destroy();
  });
});

describe('control frames and replies a client does not read', () => {
  it('closes a connection owing more control frames than the bound', async () => {
    const s = await serve({ maxQueuedControlFrames: 50 });
    const { goaway } = await attack(
      s,
      Buffer.concat(Array.from({ length: 200 }, () => settingsFrame([]))),
    );
    assert.equal(goaway?.code, ErrorCode.ENHANCE_YOUR_CALM);
    assert.deepEqual(s.hits, ['control_frames']);
  });

  it('cuts a client that gives no window past maxPendingReplyBytes, and serves others', async () => {
    const s = await serve({ maxPendingReplyBytes: 200_000 });
    const frames: Buffer[] = [
      PREFACE,
      settingsFrame([[0x4, 0]]),
      rawFrame(FrameType.SETTINGS, Flag.ACK, 0),
    ];
    for (let i = 0; i < 10; i++) {
      frames.push(
        headersFrame(1 + 2 * i, requestBlock('/big/50000'), Flag.END_HEADERS | Flag.END_STREAM),
      );
    }
    const peer = new RawPeer(s.port);
    await peer.write(Buffer.concat(frames));
    assert.ok(await peer.closedWithin(5000));
    assert.equal(peer.goaway()?.code, ErrorCode.ENHANCE_YOUR_CALM);
    assert.deepEqual(s.hits, ['pending_replies']);
    assert.equal(await wellBehaved(s), 10);
  });
});

describe('idle and handshake', () => {
  it('sends GOAWAY NO_ERROR to a connection idle past idleTimeoutMs, not to one with a call', async () => {
    const s = await serve({ idleTimeoutMs: 5000 });
    const idle = new RawPeer(s.port);
    const busy = new RawPeer(s.port);
    await idle.write(HANDSHAKE);
    await busy.write(
      Buffer.concat([HANDSHAKE, headersFrame(1, requestBlock('/hold'), Flag.END_HEADERS)]),
    );
    await idle.waitFor(() => s.connections.size === 2);
    await new Promise((r) => setTimeout(r, 50));
    s.tick(0);
    s.tick(6000);
    assert.ok(await idle.closedWithin(3000));
    assert.equal(idle.goaway()?.code, ErrorCode.NO_ERROR);
    assert.ok(busy.isOpen, 'a connection with a call in flight is not idle');
    assert.deepEqual(s.hits, ['idle_timeout']);
    busy.destroy();
  });

  it('closes a connection without preface, or without SETTINGS, past handshakeTimeoutMs', async () => {
    const s = await serve({ handshakeTimeoutMs: 3000 });
    const silent = new RawPeer(s.port);
    const noSettings = new RawPeer(s.port);
    await silent.connected();
    await noSettings.write(PREFACE);
    await silent.waitFor(() => s.connections.size === 2);
    s.tick(1000);
    assert.ok(silent.isOpen && noSettings.isOpen);
    s.tick(3100);
    assert.ok(await silent.closedWithin(2000));
    assert.ok(await noSettings.closedWithin(2000));
    assert.equal(silent.received().length, 0, 'not a byte to a peer that is not HTTP/2');
    assert.equal(noSettings.goaway()?.code, ErrorCode.SETTINGS_TIMEOUT);
    assert.deepEqual(s.hits, ['handshake_timeout', 'handshake_timeout']);
  });
});

describe('frames on streams this side no longer has (h2spec 6.3/2, 6.9/2, 5.3.1)', () => {
  const priority = (streamId: number, length: number, dependsOn = 0) => {
    const p = Buffer.alloc(length);
    if (length >= 4) p.writeUInt32BE(dependsOn);
    return rawFrame(FrameType.PRIORITY, 0, streamId, p);
  };

  it('answers a PRIORITY of the wrong length with FRAME_SIZE_ERROR in every stream state', async () => {
    const s = await serve();
    const closed = Buffer.concat([
      headersFrame(1, requestBlock('/big/1'), Flag.END_HEADERS | Flag.END_STREAM),
    ]);
    for (const [label, before, streamId] of [
      ['idle', Buffer.alloc(0), 9],
      ['closed', closed, 1],
    ] as const) {
      const { goaway } = await attack(s, Buffer.concat([before, priority(streamId, 4)]));
      assert.equal(goaway?.code, ErrorCode.FRAME_SIZE_ERROR, label);
    }
  });

  it('answers a zero WINDOW_UPDATE on a closed stream with PROTOCOL_ERROR', async () => {
    const s = await serve();
    const peer = new RawPeer(s.port);
    await peer.write(
      Buffer.concat([
        HANDSHAKE,
        headersFrame(1, requestBlock('/big/1'), Flag.END_HEADERS | Flag.END_STREAM),
      ]),
    );
    assert.ok(
      await peer.waitFor(() =>
        peer.frames().some((f) => f.type === FrameType.HEADERS && f.flags & Flag.END_STREAM),
      ),
    );
    await peer.write(windowUpdate(1, 0));
    assert.ok(await peer.closedWithin(3000));
    assert.equal(peer.goaway()?.code, ErrorCode.PROTOCOL_ERROR);
    // A late non-zero update for a finished stream is normal and ignored.
    const late = new RawPeer(s.port);
    await late.write(
      Buffer.concat([
        HANDSHAKE,
        headersFrame(1, requestBlock('/big/1'), Flag.END_HEADERS | Flag.END_STREAM),
      ]),
    );
    assert.ok(
      await late.waitFor(() =>
        late.frames().some((f) => f.type === FrameType.HEADERS && f.flags & Flag.END_STREAM),
      ),
    );
    await late.write(windowUpdate(1, 100));
    await late.write(pingFrame());
    assert.ok(await late.waitFor(() => late.frames().some((f) => f.type === FrameType.PING)));
    assert.equal(late.goaway(), undefined);
    late.destroy();
  });

  it('answers a stream that depends on itself with PROTOCOL_ERROR', async () => {
    const s = await serve();
    const headersWithPriority = (() => {
      const block = requestBlock('/big/1');
      const payload = Buffer.alloc(5 + block.length);
      payload.writeUInt32BE(1);
      block.copy(payload, 5);
      return rawFrame(
        FrameType.HEADERS,
        Flag.END_HEADERS | Flag.END_STREAM | Flag.PRIORITY,
        1,
        payload,
      );
    })();
    for (const bytes of [headersWithPriority, priority(3, 5, 3)]) {
      const { goaway } = await attack(s, bytes);
      assert.equal(goaway?.code, ErrorCode.PROTOCOL_ERROR);
    }
  });
});
