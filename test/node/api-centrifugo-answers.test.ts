// Server API answers that once differed from Centrifugo v6.9.1's, through a real node over
// HTTP and gRPC (the executor is shared, so both are checked where the answer is not about
// JSON). Each case was sent to Centrifugo v6.9.1 with the same config; the comment above it
// gives Centrifugo's answer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signHs256 } from '../../src/node/auth/sign.ts';
import { newClient, once, waitUntil } from '../client/sdk.ts';
import { type GrpcTestNode, type Json, startGrpcTestNode } from './grpc-client.ts';

const SECRET = 'answers-secret';
const CONFIG = {
  client: { token: { hmac_secret_key: SECRET } },
  channel: {
    max_length: 255,
    without_namespace: { presence: true },
    namespaces: [
      { name: 'chat', history_size: 5, history_ttl: '300s', presence: true },
      { name: 'bin', history_size: 5, history_ttl: '300s', publication_data_format: 'binary' },
    ],
  },
};

let node: GrpcTestNode;
before(async () => {
  node = await startGrpcTestNode(CONFIG);
});
after(async () => {
  await node.close();
});

const grpc = async (rpc: string, req: Json) => {
  const res = await node.client.call(rpc, req);
  assert.ok(res.ok, `${rpc}: ${JSON.stringify(res)}`);
  return res.response;
};
const raw = (method: string, body: string) => node.api(method, undefined, { raw: body });
const BAD_REQUEST = { error: { code: 107, message: 'bad request' } };

describe('publish and broadcast need data', () => {
  it('answers 107 to no data or an empty b64data, except in a binary namespace', async () => {
    // Centrifugo: {"error":{"code":107,"message":"bad request"}} for each of these.
    for (const body of [{ channel: 'chat:d' }, { channel: 'chat:d', b64data: '' }]) {
      assert.deepEqual((await node.api('publish', body)).json, BAD_REQUEST, JSON.stringify(body));
      assert.deepEqual(await grpc('Publish', body), BAD_REQUEST);
    }
    // Centrifugo: data null is the JSON null, published.
    assert.equal(
      (await node.api('publish', { channel: 'chat:d', data: null })).json.result.offset,
      1,
    );
    // Centrifugo: {"result":{"offset":1,"epoch":"..."}}: binary takes empty data.
    assert.equal((await node.api('publish', { channel: 'bin:d' })).json.result.offset, 1);
    // Centrifugo: one 107 per channel, inside the result.
    const b = await node.api('broadcast', { channels: ['chat:d', 'news'] });
    assert.deepEqual(b.json, { result: { responses: [BAD_REQUEST, BAD_REQUEST] } });
    const g = await grpc('Broadcast', { channels: ['chat:d'] });
    assert.equal(g.result.responses[0].error.code, 107);
  });
});

describe('history', () => {
  it('answers a plain 500 over HTTP when stored bytes are not JSON, the bytes over gRPC', async () => {
    await node.api('publish', {
      channel: 'chat:binary',
      b64data: Buffer.from([0xff, 0xfe, 0xfd]).toString('base64'),
    });
    // Centrifugo: HTTP 500, text/plain, "Internal Server Error" (its JSON encoder fails).
    const http = await node.api('history', { channel: 'chat:binary', limit: 10 });
    assert.equal(http.status, 500);
    assert.equal(http.text, 'Internal Server Error\n');
    const batch = await node.api('batch', {
      commands: [{ history: { channel: 'chat:binary', limit: 10 } }],
    });
    assert.equal(batch.status, 500);
    const viaGrpc = await grpc('History', { channel: 'chat:binary', limit: 10 });
    assert.deepEqual([...viaGrpc.result.publications[0].data], [0xff, 0xfe, 0xfd]);
  });

  it('writes stored JSON compacted and HTML-escaped, as Go does', async () => {
    await raw('publish', '{"channel":"chat:compact","data":{"a":   1,\n "s" : "<&>"}}');
    // Centrifugo: {"data":{"a":1,"s":"\u003c\u0026\u003e"},"offset":1}
    const res = await node.api('history', { channel: 'chat:compact', limit: 1 });
    assert.ok(res.text.includes('"data":{"a":1,"s":"\\u003c\\u0026\\u003e"}'), res.text);
  });

  it('gives an empty list for a since beyond the top with the right epoch', async () => {
    let epoch = '';
    for (let i = 1; i <= 3; i++) {
      epoch = (await node.api('publish', { channel: 'chat:top', data: i })).json.result.epoch;
    }
    // Centrifugo: {"result":{"publications":[],"epoch":"...","offset":3}} (not 112).
    const since = { offset: 10, epoch };
    const http = await node.api('history', { channel: 'chat:top', limit: -1, since });
    assert.deepEqual(http.json, { result: { publications: [], epoch, offset: 3 } });
    const viaGrpc = await grpc('History', { channel: 'chat:top', limit: -1, since });
    assert.equal(viaGrpc.result.publications, undefined, 'no publications');
    assert.equal(viaGrpc.result.offset, 3);
    // Centrifugo: 112 only for another epoch.
    const other = await node.api('history', {
      channel: 'chat:top',
      since: { offset: 1, epoch: 'x' },
    });
    assert.equal(other.json.error.code, 112);
  });
});

describe('numbers', () => {
  it('answers 400 to an integer out of its proto type or not an integer literal', async () => {
    // Centrifugo: HTTP 400 "Bad Request" for each; the edge values themselves pass.
    const cases: Array<[string, string, number]> = [
      ['history', '{"channel":"chat:n","limit":2147483648}', 400],
      ['history', '{"channel":"chat:n","limit":2147483647}', 200],
      ['history', '{"channel":"chat:n","limit":1.0}', 400],
      ['history', '{"channel":"chat:n","since":{"offset":18446744073709551616}}', 400],
      ['history', '{"channel":"chat:n","since":{"offset":18446744073709551615}}', 200],
      ['subscribe', '{"channel":"chat:n","user":"u","expire_at":9223372036854775808}', 400],
      ['refresh', '{"user":"u","expire_at":-9223372036854775809}', 400],
      ['disconnect', '{"user":"u","disconnect":{"code":4294967296}}', 400],
      ['publish', '{"channel":"chat:n","data":1,"version":18446744073709551616}', 400],
    ];
    for (const [method, body, status] of cases) {
      assert.equal((await raw(method, body)).status, status, `${method} ${body}`);
    }
  });
});

describe('channels and fields', () => {
  it('takes a channel longer than channel.max_length (a client-subscribe limit)', async () => {
    const long = `chat:${'x'.repeat(300)}`;
    // Centrifugo: {"result":{"offset":1,"epoch":"..."}}.
    assert.equal((await node.api('publish', { channel: long, data: {} })).json.result.offset, 1);
    assert.equal((await grpc('History', { channel: long, limit: 1 })).result.offset, 1);
  });

  it('matches field names ignoring case, and a null body is an empty request', async () => {
    // Centrifugo: {"result":{}} (Go's decoder folds case) and 107 (channel required).
    assert.deepEqual((await raw('publish', '{"Channel":"news","DATA":{}}')).json, { result: {} });
    assert.deepEqual((await raw('publish', 'null')).json, BAD_REQUEST);
    // Centrifugo: HTTP 400 for an empty body.
    assert.equal((await raw('publish', '')).status, 400);
  });
});

describe('batch', () => {
  it('answers {} without commands and a 107 entry for a null command', async () => {
    // Centrifugo: {} for each of these.
    for (const body of ['{}', '{"commands":[]}', '{"commands":null}', 'null']) {
      const res = await raw('batch', body);
      assert.equal(res.text, '{}', body);
    }
    assert.deepEqual(await grpc('Batch', { commands: [] }), {});
    // Centrifugo: {"replies":[{"error":{"code":107,...}},{"info":{...}}]}, in parallel too.
    for (const parallel of [false, true]) {
      const res = await raw(
        'batch',
        `{"commands":[null,{"rpc":{"method":"x"}}],"parallel":${parallel}}`,
      );
      assert.deepEqual(res.json, {
        replies: [BAD_REQUEST, { error: { code: 104, message: 'not found' } }],
      });
    }
  });

  it('runs history before presence when a command names both', async () => {
    // Centrifugo: the history reply (its executor tries history first).
    const res = await node.api('batch', {
      commands: [{ presence: { channel: 'news' }, history: { channel: 'chat:order' } }],
    });
    assert.deepEqual(Object.keys(res.json.replies[0]), ['history']);
  });
});

describe('map and shared poll methods', () => {
  it('answer as Centrifugo does with no map or shared_poll namespace', async () => {
    // Centrifugo: 107 for a missing channel or key, 102 for an unknown namespace, 107 for a
    // stream namespace.
    const cases: Array<[string, Json, number]> = [
      ['map_publish', { channel: 'chat:m' }, 107],
      ['map_publish', { channel: 'nope:m', key: 'k' }, 102],
      ['map_publish', { channel: 'chat:m', key: 'k', data: {} }, 107],
      ['map_read_state', { channel: 'nope:m' }, 102],
      ['map_read_stream', { channel: 'chat:m' }, 107],
      ['map_stats', {}, 107],
      ['map_clear', { channel: 'chat:m' }, 107],
      ['map_remove', { channel: 'chat:m', key: 'k' }, 107],
      ['shared_poll_publish', { channel: 'chat:m', key: 'k' }, 107],
      ['shared_poll_publish', { channel: 'nope:m', key: 'k', version: 1 }, 102],
    ];
    for (const [method, body, code] of cases) {
      const res = await node.api(method, body);
      assert.equal(res.json?.error?.code, code, `${method} ${JSON.stringify(body)}: ${res.text}`);
    }
  });
});

describe('info', () => {
  it('carries each node metrics: interval 60 and centrifugo.* items', async () => {
    // Centrifugo: "metrics":{"interval":60,"items":{"centrifugo.node.num_clients":0,...}}.
    const { nodes } = (await node.api('info', {})).json.result;
    assert.equal(nodes[0].metrics.interval, 60);
    const items = nodes[0].metrics.items as Record<string, number>;
    assert.equal(items['centrifugo.node.num_clients'], 0);
    assert.ok(
      Object.keys(items).every((k) => k.startsWith('centrifugo.')),
      Object.keys(items).join(),
    );
    const viaGrpc = await grpc('Info', {});
    assert.equal(viaGrpc.result.nodes[0].metrics.interval, 60);
    assert.equal(
      typeof viaGrpc.result.nodes[0].metrics.items['centrifugo.node.num_clients'],
      'number',
    );
  });
});

describe('server-side subscribe', () => {
  for (const via of ['http', 'grpc'] as const) {
    it(`delivers data, info and then publications to the connection (${via})`, async () => {
      const user = `sub_${via}`;
      const channel = `chat:s_${via}`;
      const token = await signHs256({ sub: user }, SECRET);
      const c = newClient(node, 'json', { token });
      try {
        const subscribed = once<{ channel: string; data?: unknown }>(c, 'subscribed');
        c.connect();
        await c.ready(3000);
        const info = { role: via };
        const data = { welcome: via };
        if (via === 'http') {
          assert.deepEqual((await node.api('subscribe', { channel, user, data, info })).json, {
            result: {},
          });
        } else {
          const bytes = (v: unknown) => Buffer.from(JSON.stringify(v));
          await grpc('Subscribe', { channel, user, data: bytes(data), info: bytes(info) });
        }
        // Centrifugo: the push {"subscribe":{"data":{"welcome":...}}}.
        const ctx = await subscribed;
        assert.equal(ctx.channel, channel);
        assert.deepEqual(ctx.data, data);
        // Centrifugo: the subscriber's chan_info in presence.
        const presence = (await node.api('presence', { channel })).json.result.presence;
        assert.deepEqual(
          Object.values(presence).map((p) => (p as Json).chan_info),
          [info],
        );
        const pubs: unknown[] = [];
        c.on('publication', (p) => pubs.push(p.data));
        await node.api('publish', { channel, data: { n: 1 } });
        await waitUntil(() => pubs.length === 1, 'a publication after the API subscribe');
        assert.deepEqual(pubs, [{ n: 1 }]);
      } finally {
        c.disconnect();
      }
    });
  }

  it('decodes b64data and b64info before data and info', async () => {
    const user = 'sub_b64';
    const channel = 'chat:s_b64';
    const c = newClient(node, 'json', { token: await signHs256({ sub: user }, SECRET) });
    try {
      const subscribed = once<{ data?: unknown }>(c, 'subscribed');
      c.connect();
      await c.ready(3000);
      const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
      await node.api('subscribe', {
        channel,
        user,
        data: { ignored: true },
        b64data: b64({ from: 'b64' }),
        b64info: b64({ i: 2 }),
      });
      assert.deepEqual((await subscribed).data, { from: 'b64' });
      const presence = (await node.api('presence', { channel })).json.result.presence;
      assert.deepEqual(
        Object.values(presence).map((p) => (p as Json).chan_info),
        [{ i: 2 }],
      );
    } finally {
      c.disconnect();
    }
  });
});

describe('intended differences (README, Differences from Centrifugo)', () => {
  it('answers 107, not Centrifugo 100, to requests the caller got wrong', async () => {
    // Centrifugo: {"error":{"code":100,"message":"internal server error"}} for both.
    const reverse = await node.api('history', {
      channel: 'chat:top',
      reverse: true,
      since: { offset: 0, epoch: '' },
    });
    assert.deepEqual(reverse.json, BAD_REQUEST);
    assert.deepEqual((await node.api('channels', { pattern: '[' })).json, BAD_REQUEST);
  });
});
