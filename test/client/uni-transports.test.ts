// The unidirectional transports with clients no one here wrote: undici's EventSource on
// uni_sse, fetch() reading the stream of uni_http_stream, the ws package on uni_websocket
// and a @grpc/grpc-js client generated from proto/unistream.proto on uni_grpc. Each gets
// its connect push, server-side subscriptions (the token's channels), publications and
// recovery as Centrifugo v6.9.1 sends them (the frames were compared with it by hand:
// `curl -N` on both gives the same lines, and test/compat compares them case by case), and
// each size a client controls has its limit.
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { EventSource } from 'undici';
import WebSocket from 'ws';
import { signHs256 } from '../../src/node/auth/index.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { waitUntil } from './sdk.ts';

const SECRET = 'uni-secret';
const jwt = (sub: string, channels: string[]) =>
  signHs256({ sub, channels, exp: Math.floor(Date.now() / 1000) + 600 }, SECRET);
// biome-ignore lint/suspicious/noExplicitAny: pushes are inspected field by field.
type Msg = Record<string, any>;

let node: TestNode;
let seq = 0;
const fresh = () => `news${++seq}`;
const closers: Array<() => void> = [];

before(async () => {
  node = await startTestNode({
    client: {
      token: { hmac_secret_key: SECRET },
      queue_max_size: 65536,
      connect_code_to_unidirectional_disconnect: {
        enabled: true,
        transforms: [{ code: 109, to: { code: 4109, reason: 'come back' } }],
      },
    },
    channel: {
      without_namespace: { history_size: 10, history_ttl: '300s', force_recovery: true },
    },
    uni_sse: { enabled: true, max_request_body_size: 1024 },
    uni_http_stream: {
      enabled: true,
      max_request_body_size: 1024,
      connect_code_to_http_response: {
        enabled: true,
        transforms: [
          { code: 109, to: { status_code: 401, body: '' } },
          { code: 3500, to: { status_code: 403, body: 'bad token' } },
        ],
      },
    },
    uni_websocket: { enabled: true, message_size_limit: 1024 },
    uni_grpc: { enabled: true, address: '127.0.0.1', port: 0, max_receive_message_size: 1024 },
  });
});

after(async () => {
  for (const close of closers) close();
  await node.close();
});

const clients = () => node.running.node.counts().numClients;

/** A publication push without its epoch (a random string per stream). */
function pubOf(push: Msg | undefined): Msg {
  assert.ok(push?.pub, JSON.stringify(push));
  return { channel: push.channel, data: push.pub.data, offset: push.pub.offset };
}

async function publish(channel: string, data: unknown): Promise<Msg> {
  const answer = await node.api('publish', { channel, data });
  assert.equal(answer.status, 200, answer.text);
  return answer.json.result;
}

/** Collects the JSON lines of a fetch() body as they stream in. */
async function httpStream(body: string): Promise<{ messages: Msg[]; abort: () => void }> {
  const controller = new AbortController();
  const res = await fetch(`${node.url}/connection/uni_http_stream`, {
    method: 'POST',
    body,
    signal: controller.signal,
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
  const messages: Msg[] = [];
  const reader = res.body?.getReader();
  assert.ok(reader);
  void (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffered += decoder.decode(value, { stream: true });
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) if (line !== '') messages.push(JSON.parse(line));
      }
    } catch {
      // aborted
    }
  })();
  const abort = () => controller.abort();
  closers.push(abort);
  return { messages, abort };
}

describe('uni_sse', () => {
  it('serves an EventSource: connect push with the token channels, then publications', async () => {
    const channel = fresh();
    const connect = encodeURIComponent(JSON.stringify({ token: await jwt('alice', [channel]) }));
    const source = new EventSource(`${node.url}/connection/uni_sse?cf_connect=${connect}`);
    closers.push(() => source.close());
    const events: Msg[] = [];
    source.onmessage = (e) => events.push(JSON.parse(e.data as string));
    await waitUntil(() => events.length >= 1, 'the connect push');
    const first = events[0] as Msg;
    assert.equal(typeof first.connect.client, 'string');
    assert.equal(first.connect.ping, 25);
    assert.ok(channel in first.connect.subs, JSON.stringify(first));
    await publish(channel, { n: 1 });
    await waitUntil(() => events.length >= 2, 'the publication');
    assert.deepEqual(pubOf(events[1]), { channel, data: { n: 1 }, offset: 1 });
    const open = clients();
    source.close();
    await waitUntil(() => clients() === open - 1, 'the connection gone');
  });

  it('sends a disconnect push for an invalid token and ends the stream', async () => {
    const res = await fetch(`${node.url}/connection/uni_sse?cf_connect={"token":"bad"}`);
    assert.equal(res.status, 200);
    assert.equal(
      await res.text(),
      '\r\ndata: {"disconnect":{"code":3500,"reason":"invalid token"}}\n\n',
    );
  });

  it('ends an expired token with the disconnect connect_code_to_unidirectional_disconnect names', async () => {
    const expired = await signHs256({ sub: 'old', exp: 1000 }, SECRET);
    const res = await fetch(`${node.url}/connection/uni_sse?cf_connect={"token":"${expired}"}`);
    assert.equal(
      await res.text(),
      '\r\ndata: {"disconnect":{"code":4109,"reason":"come back"}}\n\n',
    );
  });

  it('answers 400 to a connect request that is not JSON, 413 past max_request_body_size', async () => {
    const open = clients();
    const bad = await fetch(`${node.url}/connection/uni_sse?cf_connect=%7Bbad`);
    assert.equal(bad.status, 400);
    const big = await fetch(`${node.url}/connection/uni_sse`, {
      method: 'POST',
      body: JSON.stringify({ token: 'x'.repeat(2048) }),
    });
    assert.equal(big.status, 413);
    assert.equal(clients(), open);
  });
});

describe('uni_http_stream', () => {
  it('streams newline-delimited pushes to fetch() and recovers from a position', async () => {
    const channel = fresh();
    const first = await publish(channel, { n: 1 });
    await publish(channel, { n: 2 });
    await publish(channel, { n: 3 });
    const request = {
      token: await jwt('bob', [channel]),
      subs: { [channel]: { recover: true, epoch: first.epoch, offset: first.offset } },
    };
    const { messages, abort } = await httpStream(JSON.stringify(request));
    await waitUntil(() => messages.length >= 1, 'the connect push');
    const sub = (messages[0] as Msg).connect.subs[channel];
    assert.equal(sub.recovered, true);
    assert.deepEqual(
      sub.publications.map((p: Msg) => p.data),
      [{ n: 2 }, { n: 3 }],
    );
    await publish(channel, { n: 4 });
    await waitUntil(() => messages.length >= 2, 'the live publication');
    assert.deepEqual(pubOf(messages[1]), { channel, data: { n: 4 }, offset: 4 });
    // The server API's disconnect: a disconnect push, then the stream ends.
    const client = (messages[0] as Msg).connect.client;
    await node.api('disconnect', { user: 'bob', client });
    await waitUntil(() => messages.length >= 3, 'the disconnect push');
    assert.deepEqual(messages[2], { disconnect: { code: 3503, reason: 'force disconnect' } });
    abort();
  });

  it('answers failed connects with connect_code_to_http_response statuses', async () => {
    const expired = await signHs256({ sub: 'old', exp: 1000 }, SECRET);
    const cases: Array<[string, number, string]> = [
      [expired, 401, 'token expired'],
      ['x.y.z', 403, 'bad token'],
    ];
    for (const [token, status, body] of cases) {
      const res = await fetch(`${node.url}/connection/uni_http_stream`, {
        method: 'POST',
        body: JSON.stringify({ token }),
      });
      assert.equal(res.status, status);
      assert.equal(await res.text(), body);
    }
  });

  it('answers 405 to GET and 413 past max_request_body_size', async () => {
    const get = await fetch(`${node.url}/connection/uni_http_stream`);
    assert.equal(get.status, 405);
    const big = await fetch(`${node.url}/connection/uni_http_stream`, {
      method: 'POST',
      body: 'x'.repeat(4096),
    });
    assert.equal(big.status, 413);
  });

  it('cuts a client that stops reading (client.queue_max_size), the others keep all', async () => {
    const channel = fresh();
    const token = await jwt('carol', [channel]);
    const reader = await httpStream(JSON.stringify({ token }));
    // A client that sends its request and never reads a byte of the answer.
    const body = JSON.stringify({ token });
    const open = clients();
    const stuck = tcpConnect(Number(new URL(node.url).port), '127.0.0.1');
    closers.push(() => stuck.destroy());
    stuck.pause();
    stuck.write(
      `POST /connection/uni_http_stream HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    await waitUntil(() => clients() === open + 1, 'both connected');
    const big = 'y'.repeat(60_000);
    const count = 300;
    for (let i = 0; i < count; i++) await publish(channel, { i, big });
    await waitUntil(() => clients() === open, 'the stuck one cut', 15_000);
    await waitUntil(() => reader.messages.length === 1 + count, 'every publication', 15_000);
    reader.abort();
    stuck.destroy();
  });
});

describe('uni_websocket', () => {
  const url = () => `${node.url.replace('http://', 'ws://')}/connection/uni_websocket`;

  function open(query = ''): Promise<{ ws: WebSocket; messages: Msg[]; closed: Promise<number> }> {
    const ws = new WebSocket(url() + query);
    closers.push(() => ws.terminate());
    const messages: Msg[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('error', () => {});
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve({ ws, messages, closed }));
      ws.once('unexpected-response', (_q, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  it('takes the connect request as the first message, pushes one frame each', async () => {
    const channel = fresh();
    const { ws, messages, closed } = await open();
    ws.send(JSON.stringify({ token: await jwt('dave', [channel]) }));
    await waitUntil(() => messages.length >= 1, 'the connect push');
    assert.ok(channel in (messages[0] as Msg).connect.subs);
    await publish(channel, 'hello');
    await waitUntil(() => messages.length >= 2, 'the publication');
    assert.deepEqual(pubOf(messages[1]), { channel, data: 'hello', offset: 1 });
    await node.api('disconnect', { user: 'dave', disconnect: { code: 4444, reason: 'bye' } });
    assert.equal(await closed, 4444);
    assert.deepEqual(messages.at(-1), { disconnect: { code: 4444, reason: 'bye' } });
  });

  it('takes cf_connect, refuses bad JSON with 400 and a message past message_size_limit', async () => {
    const connect = encodeURIComponent(JSON.stringify({ token: await jwt('erin', []) }));
    const { ws, messages, closed } = await open(`?cf_connect=${connect}`);
    await waitUntil(() => messages.length >= 1, 'the connect push');
    await assert.rejects(open('?cf_connect=%7Bbad'), /HTTP 400/);
    ws.send('z'.repeat(4096));
    assert.equal(await closed, 1009);
  });
});

describe('uni_grpc', () => {
  const definition = protoLoader.loadSync(
    fileURLToPath(new URL('../../proto/unistream.proto', import.meta.url)),
    { keepCase: true, longs: Number, bytes: String, defaults: false },
  );
  // biome-ignore lint/suspicious/noExplicitAny: the generated client's shape comes from the proto.
  const pkg = grpc.loadPackageDefinition(definition) as any;
  const Service = pkg.centrifugal.centrifugo.unistream.CentrifugoUniStream;
  const client = () => {
    const port = node.running.uniGrpc?.port;
    assert.ok(port);
    const c = new Service(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    closers.push(() => c.close());
    return c;
  };

  it('streams the connect push and publications to a generated client', async () => {
    const channel = fresh();
    const call = client().Consume({ token: await jwt('frank', [channel]) });
    const pushes: Msg[] = [];
    call.on('data', (push: Msg) => pushes.push(push));
    call.on('error', () => {});
    await waitUntil(() => pushes.length >= 1, 'the connect push');
    const connect = (pushes[0] as Msg).connect;
    assert.equal(typeof connect.client, 'string');
    // Protocol pings as Centrifugo's uni_grpc sends them (its connect push says ping 25).
    assert.equal(connect.ping, 25);
    assert.ok(channel in connect.subs);
    await publish(channel, { g: 1 });
    await waitUntil(() => pushes.length >= 2, 'the publication');
    const pub = pushes[1] as Msg;
    assert.equal(pub.channel, channel);
    assert.equal(Buffer.from(pub.pub.data, 'base64').toString(), '{"g":1}');
    const open = clients();
    call.cancel();
    await waitUntil(() => clients() === open - 1, 'the stream gone');
  });

  it('refuses a connect request past max_receive_message_size', async () => {
    const call = client().Consume({ token: 'x'.repeat(4096) });
    const status = await new Promise<grpc.StatusObject>((resolve) => {
      call.on('error', () => {});
      call.on('status', resolve);
    });
    assert.equal(status.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(status.details, /uni_grpc\.max_receive_message_size/);
  });
});
