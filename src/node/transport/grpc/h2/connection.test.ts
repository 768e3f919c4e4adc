// The server connection against node's own HTTP/2 client (nghttp2, strict about the
// protocol) and against hand-written frames for what no well-behaved client sends.
import assert from 'node:assert/strict';
import { type ClientHttp2Session, connect as http2Connect } from 'node:http2';
import { createServer, type Server, connect as tcpConnect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type ConnectionOptions, H2Connection } from './connection.ts';
import { FRAME_HEADER_SIZE, FrameType, frame, settingsFrame } from './frames.ts';
import { encodeHeaderBlock } from './hpack.ts';
import type { H2Stream } from './stream.ts';

const LIMITS: ConnectionOptions = {
  maxConcurrentStreams: 8,
  streamWindow: 1 << 16,
  connectionWindow: 1 << 20,
  maxHeaderListSize: 40 * 1024,
  maxBufferedBytes: 1 << 20,
  http1Hint: 'this is a gRPC endpoint\n',
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

let server: Server;
let port: number;
const connections = new Set<H2Connection>();
const errors: string[] = [];
const aborted: number[] = [];
/** Streams whose reply the test releases itself (path /hold). */
const held: H2Stream[] = [];

// /echo answers the request body; /big/N answers N bytes; /hold waits for the test.
function handle(stream: H2Stream) {
  const path = stream.headers[':path'] as string;
  const chunks: Buffer[] = [];
  stream.onAbort = () => aborted.push(stream.id);
  stream.onData = (c) => chunks.push(Buffer.from(c));
  stream.onEnd = () => {
    if (path === '/hold') {
      held.push(stream);
      return;
    }
    const size = /^\/big\/(\d+)$/.exec(path)?.[1];
    const body = size ? Buffer.alloc(Number(size), 7) : Buffer.concat(chunks);
    stream.respond(OK, false);
    stream.write(body);
    stream.end(encodeHeaderBlock([['x-done', String(stream.headers['x-size'] ?? '')]]));
  };
}

before(async () => {
  server = createServer((socket) => {
    const c = new H2Connection(socket, LIMITS, {
      stream: handle,
      limit: () => {},
      protocolError: (reason) => errors.push(reason),
    });
    connections.add(c);
    socket.on('close', () => connections.delete(c));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
after(async () => {
  for (const c of connections) c.destroy();
  await new Promise((resolve) => server.close(resolve));
});

function client(settings: Parameters<typeof http2Connect>[1] = {}): ClientHttp2Session {
  const session = http2Connect(`http://127.0.0.1:${port}`, settings);
  session.on('error', () => {});
  return session;
}

function request(
  session: ClientHttp2Session,
  path: string,
  body: Buffer,
  extra: Record<string, string> = {},
): Promise<{ status: number; body: Buffer; trailers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': path, ...extra });
    const chunks: Buffer[] = [];
    let status = 0;
    let trailers: Record<string, unknown> = {};
    req.on('response', (h) => {
      status = Number(h[':status']);
    });
    req.on('trailers', (t) => {
      trailers = t;
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve({ status, body: Buffer.concat(chunks), trailers }));
    req.on('error', reject);
    req.setTimeout(5000, () => reject(new Error(`${path}: no answer in 5 s`)));
    req.end(body);
  });
}

/** Raw bytes to the server; resolves with all it sent until it closed (or 3 s). */
function raw(bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const sock = tcpConnect(port, '127.0.0.1', () => sock.write(bytes));
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', () => {});
    sock.on('close', () => resolve(Buffer.concat(chunks)));
    sock.setTimeout(3000, () => sock.destroy());
  });
}

/** Frame types and, for GOAWAY, the error code, of what the server sent. */
function framesOf(bytes: Buffer): { type: number; code?: number }[] {
  const out: { type: number; code?: number }[] = [];
  for (let at = 0; at + FRAME_HEADER_SIZE <= bytes.length; ) {
    const length = bytes.readUIntBE(at, 3);
    const type = bytes[at + 3] as number;
    out.push(type === FrameType.GOAWAY ? { type, code: bytes.readUInt32BE(at + 13) } : { type });
    at += FRAME_HEADER_SIZE + length;
  }
  return out;
}

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

describe('HTTP/2 server connection', () => {
  it('carries requests and replies, headers and trailers, many streams at once', async () => {
    const session = client();
    try {
      const bodies = Array.from({ length: 20 }, (_, i) => Buffer.alloc(i * 1000, i));
      const replies = await Promise.all(
        bodies.map((b, i) => request(session, '/echo', b, { 'x-size': String(i) })),
      );
      replies.forEach((r, i) => {
        assert.equal(r.status, 200);
        assert.deepEqual(r.body, bodies[i]);
        assert.equal(r.trailers['x-done'], String(i));
      });
    } finally {
      session.close();
    }
  });

  it("keeps to the client's windows and frame size: a reply far larger arrives whole", async () => {
    // 1 KiB stream window: the 300 KB reply waits for the client's WINDOW_UPDATEs.
    const session = client({ settings: { initialWindowSize: 1024 } });
    try {
      const r = await request(session, '/big/300000', Buffer.alloc(0));
      assert.equal(r.body.length, 300000);
      assert.ok(r.body.every((b) => b === 7));
    } finally {
      session.close();
    }
  });

  it('takes a request body larger than its stream window, giving window back as it reads', async () => {
    const session = client();
    try {
      const body = Buffer.alloc(LIMITS.streamWindow * 5, 3);
      const r = await request(session, '/echo', body);
      assert.equal(r.body.length, body.length);
    } finally {
      session.close();
    }
  });

  it('reads a header block cut in CONTINUATION frames, and answers 431 past the list limit', async () => {
    const session = client({ maxSendHeaderBlockLength: 1 << 20 });
    try {
      const big = 'v'.repeat(24 * 1024);
      const over = await request(session, '/echo', Buffer.from('x'), { 'x-a': big, 'x-b': big });
      assert.equal(over.status, 431, 'two 24 KiB values exceed the 40 KiB list limit');
      // 30 KB of value: more than one 16 KiB frame even Huffman-coded, within the limit.
      const fits = await request(session, '/echo', Buffer.from('y'), { 'x-a': 'w'.repeat(30000) });
      assert.equal(fits.status, 200);
      assert.deepEqual(fits.body, Buffer.from('y'));
    } finally {
      session.close();
    }
  });

  it('answers PING', async () => {
    const session = client();
    try {
      // node's client cancels a ping sent before it is connected, whatever the server.
      await new Promise((resolve) => session.once('connect', resolve));
      await new Promise<void>((resolve, reject) =>
        session.ping((err) => (err ? reject(err) : resolve())),
      );
    } finally {
      session.close();
    }
  });

  it('hears a client reset a stream in flight, and serves the connection on', async () => {
    const session = client();
    try {
      const req = session.request({ ':method': 'POST', ':path': '/hold' });
      req.on('error', () => {});
      req.end();
      await waitFor(() => held.length > 0);
      const stream = held.pop() as H2Stream;
      req.close(0x8); // CANCEL
      await waitFor(() => aborted.includes(stream.id));
      assert.ok(stream.closed);
      stream.respond(OK, true); // a reply to a cancelled call goes nowhere, harmlessly
      const r = await request(session, '/echo', Buffer.from('after'));
      assert.deepEqual(r.body, Buffer.from('after'));
    } finally {
      session.close();
    }
  });

  it('drains on GOAWAY: the call in flight finishes, the socket then ends', async () => {
    const session = client();
    const closed = new Promise<void>((resolve) => session.on('close', resolve));
    const before = held.length;
    const reply = new Promise<number>((resolve, reject) => {
      const req = session.request({ ':method': 'POST', ':path': '/hold' });
      req.on('response', (h) => resolve(Number(h[':status'])));
      req.on('error', reject);
      req.end();
    });
    await waitFor(() => held.length > before);
    for (const c of connections) c.drain();
    const stream = held.pop() as H2Stream;
    stream.respond(OK, true);
    assert.equal(await reply, 200);
    await closed;
  });

  it('answers an HTTP/1 request with 415 and a hint, then closes', async () => {
    const text = (await raw(Buffer.from('GET / HTTP/1.1\r\nhost: x\r\n\r\n'))).toString();
    assert.match(text, /^HTTP\/1\.1 415 /);
    assert.match(text, /gRPC endpoint/);
  });

  it('closes a connection that is not HTTP/2, naming why', async () => {
    const before = errors.length;
    const got = await raw(Buffer.alloc(100, 0xab));
    assert.equal(got.length, 0, 'not a byte of HTTP/2 to a stranger');
    assert.match(errors.slice(before).join(), /not HTTP\/2/);
  });

  it('sends GOAWAY with the error code for frames no client may send', async () => {
    const settings = settingsFrame([]);
    const cases: [string, Buffer, number][] = [
      // A frame longer than the 16 KiB it may be: FRAME_SIZE_ERROR.
      ['oversized frame', frame(FrameType.DATA, 0, 1, 20000).fill(0, 9), 0x6],
      // A first frame other than SETTINGS: PROTOCOL_ERROR.
      ['no SETTINGS first', frame(FrameType.PING, 0, 0, 8).fill(0, 9), 0x1],
      // DATA on a stream never opened: PROTOCOL_ERROR.
      ['DATA on an idle stream', Buffer.concat([settings, frame(FrameType.DATA, 0, 5, 0)]), 0x1],
      // An HPACK index past both tables: COMPRESSION_ERROR.
      ['bad HPACK', Buffer.concat([settings, headersWith(1, Buffer.from([0xff, 0x7f]))]), 0x9],
    ];
    for (const [name, bytes, code] of cases) {
      const got = framesOf(await raw(Buffer.concat([PREFACE, bytes])));
      const goaway = got.find((f) => f.type === FrameType.GOAWAY);
      assert.equal(goaway?.code, code, `${name}: ${JSON.stringify(got)}`);
    }
    // The server itself serves on.
    const session = client();
    try {
      assert.equal((await request(session, '/echo', Buffer.from('z'))).status, 200);
    } finally {
      session.close();
    }
  });

  it('refuses streams past SETTINGS_MAX_CONCURRENT_STREAMS with REFUSED_STREAM', async () => {
    // The client's SETTINGS and its ACK of the server's: it knows the limit.
    const settings = Buffer.concat([settingsFrame([]), frame(FrameType.SETTINGS, 0x1, 0, 0)]);
    const opens = Array.from({ length: LIMITS.maxConcurrentStreams + 1 }, (_, i) =>
      headersWith(
        1 + 2 * i,
        encodeHeaderBlock([
          [':method', 'POST'],
          [':scheme', 'http'],
          [':path', '/hold'],
        ]),
        0,
      ),
    );
    const got = await raw(Buffer.concat([PREFACE, settings, ...opens]));
    const resets = framesOf(got).filter((f) => f.type === FrameType.RST_STREAM);
    assert.equal(resets.length, 1, 'exactly the stream over the limit is refused');
    held.length = 0;
  });
});

/** A HEADERS frame with END_HEADERS (and END_STREAM unless flags say otherwise). */
function headersWith(streamId: number, block: Buffer, endStream = 1): Buffer {
  const f = frame(FrameType.HEADERS, 0x4 | endStream, streamId, block.length);
  block.copy(f, FRAME_HEADER_SIZE);
  return f;
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(check(), 'condition not reached in 5 s');
}
