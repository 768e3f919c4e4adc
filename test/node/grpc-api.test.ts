// The gRPC server API of a real node over real HTTP/2: every method through a client loaded
// from proto/api.proto and through one built from server reflection, the key, both error
// modes with their details, PRO and unknown methods, size limits, binary payloads, bytes that
// are not protobuf, TLS, and the listener's lifetime.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as http2Connect } from 'node:http2';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { credentials, Metadata, status } from '@grpc/grpc-js';
import type { MethodDefinition, ServiceDefinition } from '@grpc/proto-loader';
import { findTool } from '../tools.ts';
import {
  type Answer,
  type ApiClient,
  apiDefinition,
  decodeStatusDetails,
  type GrpcTestNode,
  generatedClient,
  type Json,
  keyMetadata,
  rawCall,
  reflect,
  reflectedClient,
  SERVICE,
  startGrpcTestNode,
} from './grpc-client.ts';
import { API_KEY } from './harness.ts';

const CONFIG = {
  channel: {
    without_namespace: { presence: true },
    namespaces: [
      { name: 'chat', history_size: 10, history_ttl: '300s' },
      { name: 'bin', history_size: 10, history_ttl: '300s', publication_data_format: 'binary' },
      { name: 'obj', publication_data_format: 'json_object' },
    ],
  },
  prometheus: { enabled: true },
};

const OSS = [
  'Batch',
  'Publish',
  'Broadcast',
  'Subscribe',
  'Unsubscribe',
  'Disconnect',
  'Presence',
  'PresenceStats',
  'History',
  'HistoryRemove',
  'Info',
  'RPC',
  'Refresh',
  'Channels',
];

/** Methods for map and shared-poll subscriptions, last in Centrifugo v6.9.1's service. */
const MAP = [
  'MapPublish',
  'MapRemove',
  'MapReadState',
  'MapReadStream',
  'MapStats',
  'MapClear',
  'SharedPollPublish',
];

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const parse = (b: Buffer | undefined) => (b === undefined ? undefined : JSON.parse(b.toString()));

function ok(a: Answer): Json {
  assert.ok(a.ok, `expected a response, got status ${a.ok ? '' : `${a.code} ${a.details}`}`);
  return a.response;
}

function failed(a: Answer): Extract<Answer, { ok: false }> {
  assert.ok(!a.ok, `expected a status, got ${JSON.stringify(a.ok && a.response)}`);
  return a;
}

let node: GrpcTestNode;
before(async () => {
  node = await startGrpcTestNode({ ...CONFIG, grpc_api: { reflection: true } });
});
after(async () => {
  await node.close();
});

/** Calls every OSS method with a valid request and checks each answer's shape. */
async function exerciseEveryMethod(client: ApiClient, tag: string) {
  const ch = `chat:every-${tag}`;
  const pub = ok(await client.call('Publish', { channel: ch, data: json({ n: 1 }) }));
  assert.equal(pub.result.offset, 1);
  assert.match(pub.result.epoch, /^[\w-]+$/);

  const bc = ok(
    await client.call('Broadcast', { channels: [`${ch}-a`, `${ch}-b`], data: json({ n: 2 }) }),
  );
  assert.deepEqual(
    bc.result.responses.map((r: Json) => r.result.offset),
    [1, 1],
  );

  for (const rpc of ['Subscribe', 'Unsubscribe']) {
    assert.deepEqual(ok(await client.call(rpc, { channel: 'news', user: '42' })), { result: {} });
  }
  assert.deepEqual(ok(await client.call('Disconnect', { user: '42' })), { result: {} });
  assert.deepEqual(ok(await client.call('Refresh', { user: '42', expired: true })), {
    result: {},
  });
  // No connections here: proto3 leaves the empty map out; zero counters read as 0 either way.
  assert.deepEqual(ok(await client.call('Presence', { channel: 'news' })), { result: {} });
  const stats = ok(await client.call('PresenceStats', { channel: 'news' })).result;
  assert.deepEqual([stats.num_clients ?? 0, stats.num_users ?? 0], [0, 0]);

  const hist = ok(await client.call('History', { channel: ch, limit: 10 }));
  assert.equal(hist.result.offset, 1);
  assert.equal(hist.result.epoch, pub.result.epoch);
  assert.deepEqual(parse(hist.result.publications[0].data), { n: 1 });
  assert.deepEqual(ok(await client.call('HistoryRemove', { channel: ch })), { result: {} });
  const after = ok(await client.call('History', { channel: ch, limit: 10 }));
  assert.equal(after.result.publications, undefined, 'history removed');
  assert.equal(after.result.offset, 1, 'position kept');

  const info = ok(await client.call('Info', {}));
  assert.equal(info.result.nodes.length, 1);
  assert.match(info.result.nodes[0].uid, /^[0-9a-f-]{36}$/);
  assert.ok(info.result.nodes[0].version);

  assert.deepEqual(ok(await client.call('RPC', { method: 'anything' })), {
    error: { code: 104, message: 'not found' },
  });
  assert.deepEqual(ok(await client.call('Channels', { pattern: 'chat:*' })), { result: {} });

  const batch = ok(
    await client.call('Batch', {
      commands: [
        { publish: { channel: ch, data: json({ n: 3 }) } },
        { info: {} },
        { connections: {} },
        { presence: { channel: 'nope:x' } },
      ],
    }),
  );
  assert.equal(batch.replies.length, 4);
  assert.equal(batch.replies[0].publish.offset, 2);
  assert.equal(batch.replies[1].info.nodes.length, 1);
  assert.deepEqual(batch.replies[2], { error: { code: 104, message: 'not found' } });
  assert.deepEqual(batch.replies[3], { error: { code: 102, message: 'unknown channel' } });
}

describe('every method', () => {
  it('answers every OSS method through a client loaded from proto/api.proto', async () => {
    await exerciseEveryMethod(node.client, 'generated');
  });

  it('answers every OSS method through a client built from server reflection', async () => {
    const client = await reflectedClient(node.target);
    try {
      await exerciseEveryMethod(client, 'reflected');
    } finally {
      client.close();
    }
  });

  it('reflects the service (without the key, as Centrifugo) and the same field numbers', async () => {
    const { services } = await reflect(node.target);
    // The reflection services list themselves, as grpc-go's do.
    assert.deepEqual(services, [
      SERVICE,
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
    ]);
    // A request encoded by the reflected schema decodes with proto/api.proto unchanged.
    const client = await reflectedClient(node.target);
    try {
      const res = ok(
        await client.call('History', {
          channel: 'chat:numbers',
          limit: 1,
          since: { offset: 0, epoch: '' },
          reverse: false,
        }),
      );
      assert.equal(res.result.offset ?? 0, 0);
    } finally {
      client.close();
    }
  });

  it('has every method of Centrifugo service order, PRO ones answering UNIMPLEMENTED', async () => {
    const service = apiDefinition()[SERVICE] as ServiceDefinition;
    const names = Object.keys(service);
    assert.deepEqual(names.slice(0, OSS.length), OSS);
    assert.deepEqual(names.slice(-MAP.length), MAP);
    const pro = names.slice(OSS.length, -MAP.length);
    assert.equal(pro.length, 19, pro.join());
    for (const name of pro) {
      const res = failed(await node.client.call(name, {}));
      assert.equal(res.code, status.UNIMPLEMENTED, name);
      assert.equal(res.details, `method ${name} not implemented`);
    }
  });

  it('answers the map and shared-poll methods as Centrifugo v6.9.1 without such namespaces', async () => {
    // Checked against Centrifugo v6.9.1: required fields first (107), then the namespace
    // (102), then its subscription type (107: none here is a map or shared-poll one).
    for (const name of MAP) {
      const full = { channel: 'chat:x', key: 'k', version: 1 };
      const fields = Object.keys(
        (
          apiDefinition()[`centrifugal.centrifugo.api.${name}Request`] as {
            type: { field: { name: string }[] };
          }
        ).type.field.reduce(
          (o: Record<string, true>, f) => Object.assign(o, { [f.name]: true }),
          {},
        ),
      );
      const pick = (v: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(v).filter(([k]) => fields.includes(k)));
      const cases: Array<[Json, number]> = [
        [{}, 107],
        [pick({ ...full, channel: 'nope:x' }), 102],
        [pick(full), 107],
      ];
      for (const [req, code] of cases) {
        const res = ok(await node.client.call(name, req));
        assert.deepEqual(res.error?.code, code, `${name} ${JSON.stringify(req)}`);
      }
    }
  });

  it('answers UNIMPLEMENTED to a method or service it does not have', async () => {
    for (const path of [`/${SERVICE}/Nope`, '/centrifugal.centrifugo.api.Nope/Publish']) {
      const res = failed(await rawCall(node.client, path, Buffer.alloc(0)));
      assert.equal(res.code, status.UNIMPLEMENTED, path);
    }
  });
});

describe('API key', () => {
  it('accepts exactly `authorization: apikey <KEY>`', async () => {
    ok(await node.client.call('Info', {}, keyMetadata(API_KEY)));
  });

  it('answers UNAUTHENTICATED to a missing, wrong or differently spelled key', async () => {
    const variants: Array<[string, Metadata]> = [['missing', new Metadata()]];
    for (const value of [`apikey nope`, `ApiKey ${API_KEY}`, API_KEY, `apikey  ${API_KEY}`]) {
      const md = new Metadata();
      md.set('authorization', value);
      variants.push([value, md]);
    }
    for (const [label, md] of variants) {
      for (const rpc of ['Publish', 'Batch', 'Connections']) {
        const res = failed(await node.client.call(rpc, { channel: 'news' }, md));
        assert.equal(res.code, status.UNAUTHENTICATED, `${label} ${rpc}`);
        assert.equal(res.details, 'unauthenticated');
      }
    }
  });

  it('checks no key when grpc_api.key is empty, as Centrifugo', async () => {
    const open = await startGrpcTestNode({ grpc_api: { key: '' } });
    try {
      ok(await open.client.call('Info', {}, new Metadata()));
    } finally {
      await open.close();
    }
  });
});

describe('error modes', () => {
  const transport = () => keyMetadata(API_KEY, { 'x-centrifugo-error-mode': 'transport' });
  let epoch = '';
  before(async () => {
    epoch = ok(await node.client.call('Publish', { channel: 'chat:modes', data: json({}) })).result
      .epoch;
  });

  // Every code the API can reach from a request, with its seed-table status.
  const cases = (): Array<[number, number, string, Json]> => [
    [102, status.NOT_FOUND, 'Publish', { channel: 'nope:x', data: json({}) }],
    [104, status.NOT_FOUND, 'RPC', { method: 'anything' }],
    [107, status.INVALID_ARGUMENT, 'Publish', { channel: '', data: json({}) }],
    [108, status.INVALID_ARGUMENT, 'Presence', { channel: 'chat:modes' }],
    [112, status.OUT_OF_RANGE, 'History', { channel: 'chat:modes', since: { epoch: `${epoch}x` } }],
  ];

  it('puts errors in the response by default, with no details anywhere', async () => {
    for (const [code, , rpc, req] of cases()) {
      const res = ok(await node.client.call(rpc, req));
      assert.equal(res.error.code, code, rpc);
      assert.equal(res.result, undefined);
    }
  });

  it('answers the transport error mode status with x-centrifugo-error-mode: transport', async () => {
    for (const [code, grpcCode, rpc, req] of cases()) {
      const plain = ok(await node.client.call(rpc, req));
      const res = failed(await node.client.call(rpc, req, transport()));
      assert.equal(res.code, grpcCode, `${code}`);
      assert.equal(res.details, plain.error.message);
      const details = decodeStatusDetails(res.metadata);
      assert.ok(details, `${code} carries grpc-status-details-bin`);
      assert.equal(details.code, grpcCode);
      assert.equal(details.message, plain.error.message);
      // Centrifugo's own detail first, so clients reading details[0] as Error keep working.
      assert.equal(details.typeUrls[0], 'type.googleapis.com/centrifugal.centrifugo.api.Error');
      assert.deepEqual(details.error, plain.error);
      if (code === 107) {
        assert.deepEqual(details.violations, [
          { field: 'channel', description: 'channel required' },
        ]);
      } else assert.equal(details.violations, undefined, `${code} has no field violations`);
    }
  });

  it('names the field at fault for each kind of bad request', async () => {
    const bad: Array<[string, Json, string]> = [
      ['Publish', { channel: 'chat:x', b64data: '***' }, 'b64data'],
      ['Publish', { channel: 'obj:x', data: json([1]) }, 'data'],
      ['Publish', { channel: 'chat:x' }, 'data'],
      ['Broadcast', { channels: [], data: json({}) }, 'channels'],
      ['History', { channel: 'chat:x', reverse: true, since: { offset: 0 } }, 'since.offset'],
      ['Channels', { pattern: '[a' }, 'pattern'],
      ['RPC', { method: '' }, 'method'],
      ['Subscribe', { user: '42' }, 'channel'],
      ['Subscribe', { channel: 'chat:x', user: '42', b64info: '!' }, 'b64info'],
    ];
    for (const [rpc, req, field] of bad) {
      const res = failed(await node.client.call(rpc, req, transport()));
      assert.equal(res.code, status.INVALID_ARGUMENT, `${rpc} ${field}`);
      const violations = decodeStatusDetails(res.metadata)?.violations ?? [];
      assert.equal(violations.length, 1, `${rpc} ${field}`);
      assert.equal(violations[0]?.field, field, `${rpc} ${JSON.stringify(violations)}`);
      assert.ok(violations[0]?.description, 'says what was wrong');
    }
  });

  it('applies grpc_api.error_mode: transport to every call, but never to batch', async () => {
    const strict = await startGrpcTestNode({ grpc_api: { error_mode: 'transport' } });
    try {
      const res = failed(await strict.client.call('Publish', { channel: 'x:y', data: json({}) }));
      assert.equal(res.code, status.NOT_FOUND);
      assert.deepEqual(ok(await strict.client.call('Publish', { channel: 'n', data: json({}) })), {
        result: {},
      });
      const batch = ok(
        await strict.client.call('Batch', { commands: [{ publish: { channel: 'x:y' } }] }),
      );
      assert.deepEqual(batch.replies, [{ error: { code: 102, message: 'unknown channel' } }]);
      // Per-channel broadcast errors stay inside the result.
      const bc = ok(
        await strict.client.call('Broadcast', { channels: ['n', 'x:y'], data: json({}) }),
      );
      assert.deepEqual(bc.result.responses[1], {
        error: { code: 102, message: 'unknown channel' },
      });
    } finally {
      await strict.close();
    }
  });
});

describe('binary data', () => {
  it('publishes bytes as they are and gives them back from history', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const pub = ok(await node.client.call('Publish', { channel: 'bin:raw', data: bytes }));
    assert.equal(pub.result.offset, 1);
    const viaB64 = ok(
      await node.client.call('Publish', {
        channel: 'bin:raw',
        b64data: bytes.toString('base64'),
        tags: { k: 'v' },
      }),
    );
    assert.equal(viaB64.result.offset, 2);
    const hist = ok(await node.client.call('History', { channel: 'bin:raw', limit: -1 }));
    assert.equal(hist.result.publications.length, 2);
    for (const p of hist.result.publications) assert.ok(Buffer.compare(p.data, bytes) === 0);
    assert.deepEqual(hist.result.publications[1].tags, { k: 'v' });
  });

  it('keeps 64-bit offsets and signed limits through the wire', async () => {
    for (let i = 0; i < 3; i++) {
      ok(await node.client.call('Publish', { channel: 'chat:longs', data: json({ i }) }));
    }
    const rev = ok(
      await node.client.call('History', { channel: 'chat:longs', limit: 2, reverse: true }),
    );
    assert.deepEqual(
      rev.result.publications.map((p: Json) => p.offset),
      [3, 2],
    );
  });
});

describe('bad input', () => {
  const publishPath = `/${SERVICE}/Publish`;

  it('answers RESOURCE_EXHAUSTED above grpc_api.max_receive_message_size, then serves on', async () => {
    const small = await startGrpcTestNode({ grpc_api: { max_receive_message_size: 1024 } });
    try {
      const big = failed(
        await small.client.call('Publish', { channel: 'n', data: json({ s: 'x'.repeat(2000) }) }),
      );
      assert.equal(big.code, status.RESOURCE_EXHAUSTED);
      ok(await small.client.call('Publish', { channel: 'n', data: json({}) }));
    } finally {
      await small.close();
    }
  });

  it('answers INVALID_ARGUMENT with 107 in the details to bytes that are not the message', async () => {
    const garbage = [
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // varint overrun
      Buffer.from([0x0a, 0x20, 0x61]), // channel: length 32, one byte
      Buffer.from([0x08, 0x05]), // channel (a string) sent as a varint
      Buffer.from([0x0f, 0x00]), // wire type 7 does not exist
      Buffer.from('GET / HTTP/1.1\r\n\r\n'),
    ];
    for (const bytes of garbage) {
      const res = failed(await rawCall(node.client, publishPath, bytes));
      assert.equal(res.code, status.INVALID_ARGUMENT, bytes.toString('hex'));
      const details = decodeStatusDetails(res.metadata);
      assert.deepEqual(details?.error, { code: 107, message: 'bad request' });
      assert.match(details?.violations?.[0]?.description ?? '', /PublishRequest/);
    }
    ok(await node.client.call('Publish', { channel: 'n', data: json({}) }));
  });

  it('answers every seeded random message with INVALID_ARGUMENT or a well-formed response', async () => {
    const service = apiDefinition()[SERVICE] as ServiceDefinition;
    let seed = 0x5eed;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const seen = new Set<number>();
    for (const rpc of OSS) {
      const m = service[rpc] as MethodDefinition<object, Json>;
      for (let i = 0; i < 40; i++) {
        const bytes = Buffer.from(Array.from({ length: next() % 64 }, () => next() & 0xff));
        const res = await rawCall(node.client, m.path, bytes);
        if (!res.ok) {
          seen.add(res.code);
          assert.equal(res.code, status.INVALID_ARGUMENT, `${rpc} ${bytes.toString('hex')}`);
          continue;
        }
        seen.add(status.OK);
        const decoded = m.responseDeserialize(res.response as Buffer);
        const codes =
          rpc === 'Batch'
            ? (decoded.replies ?? []).map((r: Json) => r.error?.code)
            : [decoded.error?.code];
        for (const code of codes) {
          assert.ok(
            code === undefined || [102, 104, 107, 108, 112].includes(code),
            `${rpc}: ${code}`,
          );
        }
      }
    }
    assert.ok(seen.has(status.INVALID_ARGUMENT), 'some input was undecodable');
    ok(await node.client.call('Info', {}));
  });

  it('survives bytes that are not HTTP/2 and gRPC frames that lie about their length', async () => {
    const [host, port] = node.target.split(':') as [string, string];
    await new Promise<void>((resolve) => {
      const sock = tcpConnect(Number(port), host, () => sock.write(Buffer.alloc(512, 0xab)));
      sock.resume();
      sock.on('error', () => resolve());
      sock.on('close', () => resolve());
      sock.setTimeout(5000, () => sock.destroy());
    });

    const session = http2Connect(`http://${node.target}`);
    try {
      const trailers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const req = session.request({
          ':method': 'POST',
          ':path': `/${SERVICE}/Publish`,
          'content-type': 'application/grpc',
          te: 'trailers',
          authorization: `apikey ${API_KEY}`,
        });
        req.on('trailers', (t) => resolve(t));
        req.on('response', (h) => {
          if (h['grpc-status'] !== undefined) resolve(h);
        });
        req.on('error', reject);
        req.resume();
        // A frame header announcing 1000 bytes, then the stream ends after 3.
        req.end(Buffer.from([0, 0, 0, 0x03, 0xe8, 1, 2, 3]));
      });
      assert.notEqual(Number(trailers['grpc-status']), status.OK);
    } finally {
      session.close();
    }
    ok(await node.client.call('Info', {}));
  });
});

describe('HTTP/2 edges (the server frames gRPC itself)', () => {
  const publishPath = `/${SERVICE}/Publish`;
  const publish = (data: unknown): Buffer => {
    const m = (apiDefinition()[SERVICE] as ServiceDefinition).Publish as MethodDefinition<
      object,
      Json
    >;
    return m.requestSerialize({ channel: 'n', data: json(data) });
  };
  const frame = (msg: Buffer, flag = 0) => {
    const out = Buffer.alloc(5 + msg.length);
    out[0] = flag;
    out.writeUInt32BE(msg.length, 1);
    msg.copy(out, 5);
    return out;
  };

  /** One request by hand: its response headers, trailers (or trailers-only headers) and body. */
  async function h2(headers: Record<string, string>, body: Buffer) {
    const session = http2Connect(`http://${node.target}`);
    session.on('error', () => {});
    try {
      return await new Promise<{ status: number; grpc: Record<string, unknown>; body: Buffer }>(
        (resolve, reject) => {
          const req = session.request({
            ':method': 'POST',
            ':path': publishPath,
            'content-type': 'application/grpc',
            te: 'trailers',
            authorization: `apikey ${API_KEY}`,
            ...headers,
          });
          let status = 0;
          let grpc: Record<string, unknown> = {};
          const chunks: Buffer[] = [];
          req.on('response', (h) => {
            status = Number(h[':status']);
            if (h['grpc-status'] !== undefined) grpc = h;
          });
          req.on('trailers', (t) => {
            grpc = t;
          });
          req.on('data', (c: Buffer) => chunks.push(c));
          req.on('end', () => resolve({ status, grpc, body: Buffer.concat(chunks) }));
          req.on('error', reject);
          // node ends a GET's stream itself.
          if (!req.writableEnded) req.end(body);
        },
      );
    } finally {
      session.close();
    }
  }

  it('answers a request that is not gRPC with HTTP 415 and a hint', async () => {
    const res = await h2({ ':method': 'GET', 'content-type': 'text/plain' }, Buffer.alloc(0));
    assert.equal(res.status, 415);
    assert.match(res.body.toString(), /gRPC endpoint/);
  });

  it('answers HTTP/1 (a browser, curl without h2) with 415 and a hint, then serves gRPC on', async () => {
    const res = await fetch(`http://${node.target}/`, { signal: AbortSignal.timeout(5000) });
    assert.equal(res.status, 415);
    assert.match(await res.text(), /gRPC endpoint.*HTTP\/2/);
    ok(await node.client.call('Info', {}));
  });

  it('refuses a unary call with two messages, or none, with INVALID_ARGUMENT', async () => {
    const one = frame(publish({ a: 1 }));
    for (const body of [Buffer.concat([one, one]), Buffer.alloc(0)]) {
      const res = await h2({}, body);
      assert.equal(res.status, 200);
      assert.equal(Number(res.grpc['grpc-status']), status.INVALID_ARGUMENT);
      assert.match(String(res.grpc['grpc-message']), /exactly one request message/);
    }
  });

  it('inflates gzip requests and refuses an encoding it does not know, naming the supported', async () => {
    const { gzipSync } = await import('node:zlib');
    const zipped = await h2({ 'grpc-encoding': 'gzip' }, frame(gzipSync(publish({ z: 1 })), 1));
    assert.equal(
      Number(zipped.grpc['grpc-status']),
      status.OK,
      String(zipped.grpc['grpc-message']),
    );
    assert.ok(zipped.body.length > 5, 'a response message');
    const brotli = await h2({ 'grpc-encoding': 'br' }, frame(Buffer.from([1, 2, 3]), 1));
    assert.equal(Number(brotli.grpc['grpc-status']), status.UNIMPLEMENTED);
    assert.match(String(brotli.grpc['grpc-message']), /br is not supported.*gzip/);
  });

  it('serves a grpc-js client that compresses every request', async () => {
    const zipping = generatedClient(node.target, credentials.createInsecure(), {
      'grpc.default_compression_algorithm': 2, // gzip
    });
    try {
      ok(await zipping.call('Publish', { channel: 'n', data: json({ gz: true }) }));
    } finally {
      zipping.close();
    }
  });

  it('names what is unknown as grpc-go does: the service, or the method of a known one', async () => {
    const service = await h2({ ':path': '/x.Nope/Publish' }, frame(Buffer.alloc(0)));
    assert.equal(service.grpc['grpc-message'], 'unknown service x.Nope');
    const method = await h2({ ':path': `/${SERVICE}/Nope` }, frame(Buffer.alloc(0)));
    assert.equal(method.grpc['grpc-message'], `unknown method Nope for service ${SERVICE}`);
  });

  it('outlives clients that cancel calls in flight', async () => {
    const session = http2Connect(`http://${node.target}`);
    session.on('error', () => {});
    for (let i = 0; i < 20; i++) {
      const req = session.request({
        ':method': 'POST',
        ':path': publishPath,
        'content-type': 'application/grpc',
        authorization: `apikey ${API_KEY}`,
      });
      req.on('error', () => {});
      req.end(frame(publish({ i })));
      req.close(0x8); // CANCEL, before the answer
    }
    session.destroy();
    ok(await node.client.call('Info', {}));
  });
});

describe('metrics', () => {
  it('counts gRPC commands and errors with protocol="grpc"', async () => {
    ok(await node.client.call('Publish', { channel: 'n', data: json({}) }));
    ok(await node.client.call('Publish', { channel: 'nope:x', data: json({}) }));
    const text = await node.running.metrics.text();
    assert.match(
      text,
      /centrifugo_api_command_duration_seconds_count\{protocol="grpc",method="publish"\} \d+/,
    );
    assert.match(
      text,
      /centrifugo_api_command_errors_total\{protocol="grpc",method="publish",error="102"\} \d+/,
    );
  });
});

describe('TLS', () => {
  // Verify the certificate by its DNS name: TLS has no server name for an IP address.
  const BY_NAME = { 'grpc.ssl_target_name_override': 'localhost' };
  let dir: string | undefined;
  const file = (name: string) => join(dir ?? '', name);
  /** A CA, and a server and a client certificate it signed; made once, with openssl. */
  function certs(t: TestContext): boolean {
    if (!findTool(t, 'openssl', 'install openssl (apt-get install openssl)')) return false;
    if (dir !== undefined) return true;
    dir = mkdtempSync(join(tmpdir(), 'grpc-tls-'));
    const openssl = (args: string) =>
      execFileSync('openssl', args.split(' '), { cwd: dir, stdio: 'pipe' });
    const ec = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';
    openssl(`req -x509 ${ec} -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca`);
    writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    for (const who of ['server', 'client']) {
      openssl(`req ${ec} -keyout ${who}.key -out ${who}.csr -subj /CN=${who}`);
      openssl(
        `x509 -req -in ${who}.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out ${who}.pem -days 2 -extfile san.ext`,
      );
    }
    return true;
  }
  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('serves over TLS with PEM inline or base64, and refuses plaintext', async (t) => {
    if (!certs(t)) return;
    const cert = readFileSync(file('server.pem'), 'utf8');
    const key = readFileSync(file('server.key'));
    const secure = await startGrpcTestNode({
      grpc_api: { tls: { enabled: true, cert_pem: cert, key_pem: key.toString('base64') } },
    });
    const tls = generatedClient(
      secure.target,
      credentials.createSsl(readFileSync(file('ca.pem'))),
      BY_NAME,
    );
    try {
      assert.equal(secure.running.grpc?.tls, true);
      ok(await tls.call('Publish', { channel: 'n', data: json({}) }));
      const plain = failed(await secure.client.call('Info', {}));
      assert.equal(plain.code, status.UNAVAILABLE);
    } finally {
      tls.close();
      await secure.close();
    }
  });

  it('requires a client certificate signed by client_ca_pem (mutual TLS), PEM from files', async (t) => {
    if (!certs(t)) return;
    const mutual = await startGrpcTestNode({
      grpc_api: {
        tls: {
          enabled: true,
          cert_pem: file('server.pem'),
          key_pem: file('server.key'),
          client_ca_pem: file('ca.pem'),
        },
      },
    });
    const ca = readFileSync(file('ca.pem'));
    const withCert = generatedClient(
      mutual.target,
      credentials.createSsl(ca, readFileSync(file('client.key')), readFileSync(file('client.pem'))),
      BY_NAME,
    );
    const without = generatedClient(mutual.target, credentials.createSsl(ca), BY_NAME);
    try {
      ok(await withCert.call('Info', {}));
      assert.equal(failed(await without.call('Info', {})).code, status.UNAVAILABLE);
    } finally {
      withCert.close();
      without.close();
      await mutual.close();
    }
  });

  it('closes a TLS client that does not finish its handshake within handshake_timeout', async (t) => {
    if (!certs(t)) return;
    const secure = await startGrpcTestNode({
      prometheus: { enabled: true },
      grpc_api: {
        tls: { enabled: true, cert_pem: file('server.pem'), key_pem: file('server.key') },
        http2: { handshake_timeout: '1s' },
      },
    });
    try {
      const [host, port] = secure.target.split(':') as [string, string];
      const started = Date.now();
      await new Promise<void>((resolve) => {
        const sock = tcpConnect(Number(port), host);
        sock.on('error', () => {});
        sock.on('close', () => resolve());
        sock.setTimeout(10_000, () => sock.destroy());
      });
      assert.ok(Date.now() - started < 5000, 'closed by the server, not the test');
      const text = await secure.running.metrics.text();
      assert.match(text, /centrifugo_grpc_h2_limit_hits_total\{limit="handshake_timeout"\} 1/);
    } finally {
      await secure.close();
    }
  });

  it('refuses to start with TLS on and no usable certificate, naming the keys', async () => {
    await assert.rejects(
      startGrpcTestNode({ grpc_api: { tls: { enabled: true } } }),
      /grpc_api\.tls\.cert_pem and grpc_api\.tls\.key_pem/,
    );
    await assert.rejects(
      startGrpcTestNode({ grpc_api: { tls: { enabled: true, cert_pem: '/nope', key_pem: 'x' } } }),
      /grpc_api\.tls\.cert_pem: not PEM/,
    );
  });
});

describe('lifetime', () => {
  it('is off unless grpc_api.enabled', async () => {
    const { startTestNode } = await import('./harness.ts');
    const plain = await startTestNode();
    try {
      assert.equal(plain.running.grpc, undefined);
    } finally {
      await plain.close();
    }
  });

  it('serves reflection only with grpc_api.reflection', async () => {
    const plain = await startGrpcTestNode();
    try {
      await assert.rejects(reflect(plain.target), (err: { code?: number }) => {
        assert.equal(err.code, status.UNIMPLEMENTED);
        return true;
      });
    } finally {
      await plain.close();
    }
  });

  it('fails startup when the port is taken, naming the address', async () => {
    const port = node.running.grpc?.port;
    await assert.rejects(
      startGrpcTestNode({ grpc_api: { port } }),
      new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}`),
    );
  });

  it('stops serving on close', async () => {
    const short = await startGrpcTestNode();
    const client = generatedClient(short.target);
    try {
      ok(await client.call('Info', {}));
      await short.close();
      const res = failed(await client.call('Info', {}));
      assert.equal(res.code, status.UNAVAILABLE);
    } finally {
      client.close();
    }
  });
});
