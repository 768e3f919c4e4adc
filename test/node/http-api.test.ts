// The HTTP server API of a real node, over real HTTP: auth, routing, every method, the
// error codes and both error modes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { API_KEY, request, startTestNode, type TestNode } from './harness.ts';

const CONFIG = {
  channel: {
    max_length: 64,
    without_namespace: { presence: true },
    namespaces: [
      { name: 'chat', history_size: 3, history_ttl: '300s' },
      { name: 'obj', publication_data_format: 'json_object' },
    ],
  },
  health: { enabled: true },
  prometheus: { enabled: true },
};

let node: TestNode;
before(async () => {
  node = await startTestNode(CONFIG);
});
after(async () => {
  await node.close();
});

describe('API key', () => {
  it('accepts the key in X-API-Key, Authorization: apikey and ?api_key', async () => {
    const body = JSON.stringify({ channel: 'news', data: {} });
    const viaHeader = await request(`${node.url}/api/publish`, {
      method: 'POST',
      headers: { 'X-API-Key': API_KEY },
      body,
    });
    const viaAuth = await request(`${node.url}/api/publish`, {
      method: 'POST',
      headers: { Authorization: `ApiKey ${API_KEY}` },
      body,
    });
    const viaQuery = await request(`${node.url}/api/publish?api_key=${API_KEY}`, {
      method: 'POST',
      body,
    });
    for (const res of [viaHeader, viaAuth, viaQuery]) {
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, { result: {} });
    }
  });

  it('answers 401 with an empty body for a missing or wrong key', async () => {
    const body = JSON.stringify({ channel: 'news', data: {} });
    const missing = await request(`${node.url}/api/publish`, { method: 'POST', body });
    const wrong = await request(`${node.url}/api/publish`, {
      method: 'POST',
      headers: { 'X-API-Key': 'nope' },
      body,
    });
    const wrongScheme = await request(`${node.url}/api/publish`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API_KEY}` },
      body,
    });
    for (const res of [missing, wrong, wrongScheme]) {
      assert.equal(res.status, 401);
      assert.equal(res.text, '');
    }
  });

  it('reads the key where and in the order Centrifugo does', async () => {
    const body = JSON.stringify({ channel: 'news', data: {} });
    const post = (path: string, headers: Record<string, string>) =>
      request(`${node.url}${path}`, { method: 'POST', headers, body });
    // Authorization is split on runs of white space (Go's strings.Fields).
    const spaced = await post('/api/publish', { Authorization: `apikey   ${API_KEY}` });
    assert.equal(spaced.status, 200);
    // After a wrong header, ?api_key gets its own chance.
    const rescued = await post(`/api/publish?api_key=${API_KEY}`, { 'X-API-Key': 'wrong' });
    assert.equal(rescued.status, 200);
    // A non-empty X-API-Key decides the header step: Authorization beside it is not read.
    const shadowed = await post('/api/publish', {
      'X-API-Key': 'wrong',
      Authorization: `apikey ${API_KEY}`,
    });
    assert.equal(shadowed.status, 401);
  });

  it('refuses everything when no key is configured and the API is not insecure', async () => {
    const keyless = await startTestNode({ http_api: { key: '' } });
    try {
      const res = await keyless.api('info', {}, { headers: { 'X-API-Key': '' } });
      assert.equal(res.status, 401);
    } finally {
      await keyless.close();
    }
  });

  it('checks no key with http_api.insecure', async () => {
    const open = await startTestNode({ http_api: { key: '', insecure: true } });
    try {
      const res = await request(`${open.url}/api/info`, { method: 'POST', body: '{}' });
      assert.equal(res.status, 200);
      assert.equal(res.json.result.nodes.length, 1);
    } finally {
      await open.close();
    }
  });
});

describe('routing', () => {
  it('answers 405 to a method other than POST', async () => {
    const res = await request(`${node.url}/api/publish`, {
      method: 'GET',
      headers: { 'X-API-Key': API_KEY },
    });
    assert.equal(res.status, 405);
  });

  it('checks the path, then the method, then the key, as Centrifugo does', async () => {
    // Neither a 404 nor a 405 needs a key; a 405 has an empty body.
    const getNoKey = await request(`${node.url}/api/publish`, { method: 'GET' });
    assert.equal(getNoKey.status, 405);
    assert.equal(getNoKey.text, '');
    assert.equal(getNoKey.headers.get('allow'), 'POST');
    const unknownNoKey = await request(`${node.url}/api/nosuch`, { method: 'POST', body: '{}' });
    assert.equal(unknownNoKey.status, 404);
    assert.equal(unknownNoKey.text, '404 page not found\n');
    assert.equal(unknownNoKey.headers.get('content-type'), 'text/plain; charset=utf-8');
    const outside = await request(`${node.url}/nosuch`, { method: 'GET' });
    assert.equal(outside.status, 404);
    assert.equal(outside.text, '404 page not found\n');
    const postNoKey = await request(`${node.url}/api/publish`, { method: 'POST', body: '{}' });
    assert.equal(postNoKey.status, 401);
  });

  it('answers a plain 400 to an empty body, and reads a null body as the empty request', async () => {
    for (const raw of ['', ' \n']) {
      const res = await node.api('publish', undefined, { raw });
      assert.equal(res.status, 400, JSON.stringify(raw));
      assert.match(res.text, /^Bad Request/);
    }
    const publish = await node.api('publish', undefined, { raw: 'null' });
    assert.deepEqual(publish.json, { error: { code: 107, message: 'bad request' } });
    const channels = await node.api('channels', undefined, { raw: 'null' });
    assert.equal(channels.status, 200);
    assert.ok(channels.json.result, channels.text);
  });

  it('answers 404 to an unknown method path', async () => {
    const res = await node.api('no_such_method', {});
    assert.equal(res.status, 404);
    const pro = await node.api('connections', {});
    assert.equal(pro.status, 404, 'PRO methods are not routed in OSS');
  });

  it('answers plain 400 to a body that is not JSON or has a field of the wrong type', async () => {
    const notJson = await node.api('publish', undefined, { raw: '{"channel":' });
    assert.equal(notJson.status, 400);
    const wrongType = await node.api('publish', { channel: 5, data: {} });
    assert.equal(wrongType.status, 400);
    assert.match(wrongType.text, /channel must be a string/);
  });

  it('reads bodies whatever their content type (curl -d sends form encoding)', async () => {
    const res = await node.api(
      'publish',
      { channel: 'news', data: { a: 1 } },
      { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } },
    );
    assert.deepEqual(res.json, { result: {} });
  });

  it('decodes a percent-encoded method name and leaves other paths to the rest of the node', async () => {
    const encoded = await request(`${node.url}/api/publi%73h`, {
      method: 'POST',
      headers: { 'X-API-Key': API_KEY },
      body: JSON.stringify({ channel: 'news', data: {} }),
    });
    assert.deepEqual(encoded.json, { result: {} });
    const bad = await request(`${node.url}/api/%zz`, {
      method: 'POST',
      headers: { 'X-API-Key': API_KEY },
      body: '{}',
    });
    // As Go's server answers a path it cannot percent-decode (test/compat checks Centrifugo's).
    assert.equal(bad.status, 400);
    const health = await request(`${node.url}/health`, { method: 'GET' });
    assert.equal(health.status, 200);
  });

  it('refuses a chunked body once it passes max_request_body_size, and serves on', async () => {
    const small = await startTestNode({ http_api: { max_request_body_size: 1000 } });
    try {
      // No Content-Length: the limit is found while reading.
      const chunks = new ReadableStream({
        start(c) {
          for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode('x'.repeat(200)));
          c.close();
        },
      });
      const res = await request(`${small.url}/api/publish`, {
        method: 'POST',
        headers: { 'X-API-Key': API_KEY },
        body: chunks,
        duplex: 'half',
      } as RequestInit);
      assert.equal(res.status, 413);
      assert.match(res.text, /max_request_body_size is 1000 bytes/);
      assert.deepEqual((await small.api('publish', { channel: 'a', data: {} })).json, {
        result: {},
      });
    } finally {
      await small.close();
    }
  });

  it('serves the API at the root with handler_prefix "/", health beside it', async () => {
    const root = await startTestNode({
      http_api: { handler_prefix: '/' },
      health: { enabled: true },
    });
    try {
      const res = await request(`${root.url}/publish`, {
        method: 'POST',
        headers: { 'X-API-Key': API_KEY },
        body: JSON.stringify({ channel: 'news', data: {} }),
      });
      assert.deepEqual(res.json, { result: {} });
      assert.equal((await request(`${root.url}/health`, { method: 'GET' })).status, 200);
    } finally {
      await root.close();
    }
  });
});

describe('legacy endpoint: commands in the body of POST /api', () => {
  const legacy = (raw: string, headers: Record<string, string> = {}) =>
    request(`${node.url}/api`, {
      method: 'POST',
      headers: { 'X-API-Key': API_KEY, ...headers },
      body: raw,
    });
  const lines = (text: string) => text.split('\n').map((line) => JSON.parse(line));

  it('runs newline-delimited commands in order, one reply line each', async () => {
    const res = await legacy(
      [
        '{"id":1,"method":"publish","params":{"channel":"chat:legacy","data":{"n":1}}}',
        '{"id":2,"method":6,"params":{"channel":"chat:legacy","limit":1}}',
        '{"method":"HISTORY","params":{"channel":"chat:legacy","limit":1,"reverse":true}}',
      ].join('\n'),
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const [published, history, unnumbered] = lines(res.text);
    assert.equal(published.id, 1);
    assert.equal(published.result.offset, 1);
    assert.equal(history.id, 2);
    assert.deepEqual(history.result.publications[0].data, { n: 1 });
    assert.equal(unnumbered.id, undefined, 'an id of 0 is left out');
    assert.equal(unnumbered.result.offset, 1);
  });

  it('answers 104, 107 and results per command, errors in the replies in any mode', async () => {
    const res = await legacy(
      [
        '{"id":1,"method":"connections","params":{}}', // PRO: no legacy handler
        '{"id":2,"method":99,"params":{}}',
        '{"id":3,"method":"history"}', // no params
        '{"id":4,"method":"presence_stats","params":{"channel":5}}', // params that do not decode
        '{"id":5,"method":"info","params":"ignored"}',
        '{"id":6,"method":"publish","params":{"channel":"nope:x","data":{}}}',
        'null', // an empty command: a publish without params
      ].join('\n'),
      { 'X-Centrifugo-Error-Mode': 'transport' },
    );
    assert.equal(res.status, 200);
    const replies = lines(res.text);
    assert.deepEqual(
      replies.map((r) => r.error?.code ?? 'result'),
      [104, 104, 107, 107, 'result', 102, 107],
    );
    assert.equal(replies[4].result.nodes.length, 1);
  });

  it('fails with a plain 400 at a malformed command, after running those before it', async () => {
    const res = await legacy(
      '{"id":1,"method":"publish","params":{"channel":"chat:partial","data":{}}}\n{"id":2',
    );
    assert.equal(res.status, 400);
    assert.match(res.text, /^Bad Request/);
    const history = await node.api('history', { channel: 'chat:partial', limit: -1 });
    assert.equal(history.json.result.publications.length, 1, 'the first command ran');
    for (const raw of ['[1]', '{"method":"batch"}', '{"id":-1}', '{"method":null}', '']) {
      assert.equal((await legacy(raw)).status, 400, raw);
    }
    const blank = await legacy(' \n');
    assert.equal(blank.status, 200);
    assert.equal(blank.text, '', 'white space holds no command');
  });

  it('checks the method and the key as the other endpoints do', async () => {
    const get = await request(`${node.url}/api`, { method: 'GET' });
    assert.equal(get.status, 405);
    const noKey = await request(`${node.url}/api`, { method: 'POST', body: '{"method":"info"}' });
    assert.equal(noKey.status, 401);
    const slash = await request(`${node.url}/api/`, { method: 'POST', body: '{}' });
    assert.equal(slash.status, 404, 'only the bare prefix is the legacy endpoint');
  });

  it('takes every path no other route has under the root prefix', async () => {
    const root = await startTestNode({
      http_api: { handler_prefix: '/' },
      health: { enabled: true },
    });
    try {
      for (const path of ['/', '/anything']) {
        const res = await request(`${root.url}${path}`, {
          method: 'POST',
          headers: { 'X-API-Key': API_KEY },
          body: '{"id":7,"method":"channels","params":{}}',
        });
        assert.deepEqual(res.json, { id: 7, result: { channels: {} } }, path);
      }
      assert.equal((await request(`${root.url}/health`, { method: 'GET' })).status, 200);
      assert.equal((await request(`${root.url}/anything`, { method: 'GET' })).status, 405);
    } finally {
      await root.close();
    }
  });
});

describe('errors and error modes', () => {
  it('returns 107 for a publish without channel, in the body with HTTP 200', async () => {
    const res = await node.api('publish', {});
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { error: { code: 107, message: 'bad request' } });
  });

  it('maps the error to an HTTP status with X-Centrifugo-Error-Mode: transport', async () => {
    const headers = { 'X-Centrifugo-Error-Mode': 'transport' };
    const bad = await node.api('publish', {}, { headers });
    assert.equal(bad.status, 400);
    // Beyond Centrifugo: a 107 names the fields at fault, as google.rpc.BadRequest.
    assert.deepEqual(bad.json, {
      code: 107,
      message: 'bad request',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.BadRequest',
          fieldViolations: [{ field: 'channel', description: 'channel required' }],
        },
      ],
    });
    const unknown = await node.api('publish', { channel: 'unknown:chat', data: {} }, { headers });
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.json, { code: 102, message: 'unknown channel' });
    const notAvailable = await node.api('history', { channel: 'news' }, { headers });
    assert.equal(notAvailable.status, 400);
    assert.deepEqual(notAvailable.json, { code: 108, message: 'not available' });
  });

  it('answers every code the API can reach in both modes', async () => {
    await node.api('publish', { channel: 'chat:modes', data: {} });
    const { epoch } = (await node.api('history', { channel: 'chat:modes' })).json.result;
    const cases: Array<[number, number, string, unknown]> = [
      [102, 404, 'publish', { channel: 'nope:x', data: {} }],
      [104, 404, 'rpc', { method: 'anything' }],
      [107, 400, 'publish', { channel: '', data: {} }],
      [108, 400, 'presence', { channel: 'chat:modes' }],
      [112, 416, 'history', { channel: 'chat:modes', since: { offset: 0, epoch: `${epoch}x` } }],
    ];
    for (const [code, status, method, body] of cases) {
      const plain = await node.api(method, body);
      assert.equal(plain.status, 200, `${code} default mode status`);
      assert.equal(plain.json.error.code, code, `${code} default mode body`);
      const transport = await node.api(method, body, {
        headers: { 'X-Centrifugo-Error-Mode': 'transport' },
      });
      assert.equal(transport.status, status, `${code} transport mode status`);
      const { details, ...bare } = transport.json;
      assert.deepEqual(bare, plain.json.error, `${code} transport mode body`);
      assert.equal(details !== undefined, code === 107, `${code}: details only for 107`);
    }
  });

  it('applies http_api.error_mode: transport to every request', async () => {
    const strict = await startTestNode({ http_api: { error_mode: 'transport' } });
    try {
      const res = await strict.api('publish', { channel: 'x:y', data: {} });
      assert.equal(res.status, 404);
      assert.deepEqual(res.json, { code: 102, message: 'unknown channel' });
      const ok = await strict.api('publish', { channel: 'news', data: {} });
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.json, { result: {} });
    } finally {
      await strict.close();
    }
  });

  it('returns 102 for an unknown namespace and takes channels over channel.max_length', async () => {
    assert.deepEqual((await node.api('publish', { channel: 'nope:x', data: {} })).json, {
      error: { code: 102, message: 'unknown channel' },
    });
    // As Centrifugo: channel.max_length bounds client subscriptions, not the server API.
    assert.deepEqual((await node.api('publish', { channel: 'a'.repeat(65), data: {} })).json, {
      result: {},
    });
    assert.deepEqual((await node.api('subscribe', { channel: 'a'.repeat(300), user: 'u' })).json, {
      result: {},
    });
  });

  it('returns 107 for bad base64 and for data that breaks publication_data_format', async () => {
    assert.equal(
      (await node.api('publish', { channel: 'news', b64data: '%%%' })).json.error.code,
      107,
    );
    assert.equal(
      (await node.api('publish', { channel: 'obj:1', data: [1, 2] })).json.error.code,
      107,
    );
    assert.deepEqual((await node.api('publish', { channel: 'obj:1', data: { ok: true } })).json, {
      result: {},
    });
  });
});

describe('publish and history', () => {
  it('numbers publications gap-free under one epoch and keeps the newest history_size', async () => {
    const offsets: number[] = [];
    const epochs = new Set<string>();
    for (let i = 1; i <= 5; i++) {
      const res = await node.api('publish', { channel: 'chat:gapfree', data: { i } });
      offsets.push(res.json.result.offset);
      epochs.add(res.json.result.epoch);
    }
    assert.deepEqual(offsets, [1, 2, 3, 4, 5]);
    assert.equal(epochs.size, 1);
    const top = await node.api('history', { channel: 'chat:gapfree' });
    assert.deepEqual(top.json.result, { publications: [], epoch: [...epochs][0], offset: 5 });
    const all = await node.api('history', { channel: 'chat:gapfree', limit: -1 });
    assert.deepEqual(
      all.json.result.publications.map((p: { offset: number }) => p.offset),
      [3, 4, 5],
    );
  });

  it('keeps the published JSON byte for byte, large integers included', async () => {
    const raw = '{"channel":"chat:raw","data":{"id":12345678901234567890,"s":"a\\u00e9"}}';
    const pub = await node.api('publish', undefined, { raw });
    assert.equal(pub.json.result.offset, 1);
    const res = await node.api('history', { channel: 'chat:raw', limit: 1 });
    assert.ok(res.text.includes('"data":{"id":12345678901234567890,"s":"a\\u00e9"}'), res.text);
  });

  it('supports since, limit and reverse, and 112 for a position of another epoch', async () => {
    let epoch = '';
    for (let i = 1; i <= 5; i++)
      epoch = (await node.api('publish', { channel: 'chat:since', data: { i } })).json.result.epoch;
    const since3 = await node.api('history', {
      channel: 'chat:since',
      limit: 10,
      since: { offset: 3, epoch },
    });
    assert.deepEqual(
      since3.json.result.publications.map((p: { data: { i: number } }) => p.data.i),
      [4, 5],
    );
    const rev = await node.api('history', { channel: 'chat:since', limit: 2, reverse: true });
    assert.deepEqual(
      rev.json.result.publications.map((p: { offset: number }) => p.offset),
      [5, 4],
    );
    const gone = await node.api('history', {
      channel: 'chat:since',
      limit: 10,
      since: { offset: 1, epoch },
    });
    // Publication 2 is no longer kept: Centrifugo answers what is (3..5), not 112.
    assert.deepEqual(
      gone.json.result.publications.map((p: { offset: number }) => p.offset),
      [3, 4, 5],
    );
    const otherEpoch = await node.api(
      'history',
      { channel: 'chat:since', limit: 10, since: { offset: 4, epoch: 'other' } },
      { headers: { 'X-Centrifugo-Error-Mode': 'transport' } },
    );
    assert.equal(otherEpoch.status, 416);
    assert.deepEqual(otherEpoch.json, { code: 112, message: 'unrecoverable position' });
  });

  it('publishes once per idempotency_key and returns the same position again', async () => {
    const first = await node.api('publish', {
      channel: 'chat:idem',
      data: { n: 1 },
      idempotency_key: 'k1',
    });
    const again = await node.api('publish', {
      channel: 'chat:idem',
      data: { n: 2 },
      idempotency_key: 'k1',
    });
    assert.deepEqual(again.json, first.json);
    const hist = await node.api('history', { channel: 'chat:idem', limit: -1 });
    assert.equal(hist.json.result.publications.length, 1);
  });

  it('skips history with skip_history and carries tags and b64data', async () => {
    const skipped = await node.api('publish', {
      channel: 'chat:tags',
      data: { n: 0 },
      skip_history: true,
    });
    assert.deepEqual(skipped.json, { result: {} });
    const b64 = Buffer.from('{"bin":true}').toString('base64');
    await node.api('publish', { channel: 'chat:tags', b64data: b64, tags: { kind: 'b' } });
    const hist = await node.api('history', { channel: 'chat:tags', limit: -1 });
    assert.deepEqual(hist.json.result.publications, [
      { data: { bin: true }, offset: 1, tags: { kind: 'b' } },
    ]);
  });

  it('removes history but keeps the stream position', async () => {
    await node.api('publish', { channel: 'chat:rm', data: {} });
    const pos = (await node.api('publish', { channel: 'chat:rm', data: {} })).json.result;
    assert.deepEqual((await node.api('history_remove', { channel: 'chat:rm' })).json, {
      result: {},
    });
    const hist = await node.api('history', { channel: 'chat:rm', limit: -1 });
    assert.deepEqual(hist.json.result, { publications: [], epoch: pos.epoch, offset: pos.offset });
    assert.equal((await node.api('history_remove', { channel: 'news' })).json.error.code, 108);
  });
});

describe('broadcast and batch', () => {
  it('publishes into every channel and reports per-channel errors', async () => {
    const res = await node.api('broadcast', {
      channels: ['chat:b1', 'nope:x', 'news', ''],
      data: { hi: 1 },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json.result.responses[0].result.offset, 1);
    assert.deepEqual(res.json.result.responses[1], {
      error: { code: 102, message: 'unknown channel' },
    });
    assert.deepEqual(res.json.result.responses[2], { result: {} });
    assert.deepEqual(res.json.result.responses[3], {
      error: { code: 107, message: 'bad request' },
    });
    assert.equal((await node.api('broadcast', { channels: [], data: {} })).json.error.code, 107);
  });

  for (const parallel of [false, true]) {
    it(`runs batch commands ${parallel ? 'in parallel' : 'in order'} and keeps reply order`, async () => {
      const ch = `chat:batch${parallel ? 'p' : 's'}`;
      const res = await node.api(
        'batch',
        {
          parallel,
          commands: [
            { publish: { channel: ch, data: { n: 1 } } },
            { publish: { channel: 'x:test2', data: {} } },
            { unknown_method: {} },
            { presence_stats: { channel: 'news' } },
          ],
        },
        { headers: { 'X-Centrifugo-Error-Mode': 'transport' } },
      );
      assert.equal(res.status, 200, 'batch is never turned into a transport status');
      assert.equal(res.json.replies.length, 4);
      assert.equal(res.json.replies[0].publish.offset, 1);
      assert.deepEqual(res.json.replies[1], { error: { code: 102, message: 'unknown channel' } });
      assert.deepEqual(res.json.replies[2], { error: { code: 104, message: 'not found' } });
      assert.deepEqual(res.json.replies[3], { presence_stats: { num_clients: 0, num_users: 0 } });
    });
  }
});

describe('presence, connections and node methods', () => {
  it('answers presence and presence_stats where presence is on, 108 elsewhere', async () => {
    assert.deepEqual((await node.api('presence', { channel: 'news' })).json, {
      result: { presence: {} },
    });
    assert.deepEqual((await node.api('presence_stats', { channel: 'news' })).json, {
      result: { num_clients: 0, num_users: 0 },
    });
    assert.equal((await node.api('presence', { channel: 'chat:x' })).json.error.code, 108);
    assert.equal((await node.api('presence', {})).json.error.code, 107);
  });

  it('validates and answers subscribe, unsubscribe, disconnect and refresh', async () => {
    assert.deepEqual(
      (
        await node.api('subscribe', {
          user: '42',
          channel: 'news',
          override: { presence: { value: false } },
        })
      ).json,
      { result: {} },
    );
    assert.equal((await node.api('subscribe', { user: '42' })).json.error.code, 107);
    assert.equal(
      (await node.api('subscribe', { user: '42', channel: 'nope:x' })).json.error.code,
      102,
    );
    assert.equal(
      (await node.api('subscribe', { user: '42', channel: 'news', b64info: '!' })).json.error.code,
      107,
    );
    assert.deepEqual((await node.api('unsubscribe', { user: '42', channel: 'news' })).json, {
      result: {},
    });
    assert.deepEqual(
      (await node.api('disconnect', { user: '42', disconnect: { code: 4000, reason: 'bye' } }))
        .json,
      { result: {} },
    );
    assert.deepEqual((await node.api('refresh', { user: '42', expire_at: 1 })).json, {
      result: {},
    });
  });

  it('lists channels (none without subscribers) and rejects a malformed pattern', async () => {
    assert.deepEqual((await node.api('channels', {})).json, { result: { channels: {} } });
    assert.equal((await node.api('channels', { pattern: '[a' })).json.error.code, 107);
  });

  it('describes this node in info', async () => {
    const res = await node.api('info', {});
    const [n] = res.json.result.nodes;
    assert.equal(res.json.result.nodes.length, 1);
    assert.match(n.uid, /^[0-9a-f-]{36}$/);
    assert.equal(typeof n.name, 'string');
    assert.equal(typeof n.version, 'string');
    assert.equal(n.num_clients, 0);
  });

  it('answers 104 for rpc (no extensions in OSS) and 107 without a method', async () => {
    assert.equal((await node.api('rpc', { method: 'x' })).json.error.code, 104);
    assert.equal((await node.api('rpc', {})).json.error.code, 107);
  });
});

describe('health and metrics', () => {
  it('answers /health with 200 {}', async () => {
    const res = await request(`${node.url}/health`, { method: 'GET' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, {});
  });

  it('exposes centrifugo_* metrics, with API durations and errors by method', async () => {
    await node.api('publish', { channel: 'nope:x', data: {} });
    const res = await request(`${node.url}/metrics`, { method: 'GET' });
    assert.equal(res.status, 200);
    assert.match(res.text, /centrifugo_node_build\{version="[^"]+"\} 1/);
    assert.match(res.text, /centrifugo_node_num_clients 0/);
    assert.match(
      res.text,
      /centrifugo_api_command_duration_seconds_count\{protocol="http",method="publish"\} \d+/,
    );
    assert.match(
      res.text,
      /centrifugo_api_command_errors_total\{protocol="http",method="publish",error="102"\} \d+/,
    );
  });

  it('serves neither when they are not enabled (Centrifugo defaults)', async () => {
    const plain = await startTestNode({});
    try {
      assert.equal((await request(`${plain.url}/health`, { method: 'GET' })).status, 404);
      assert.equal((await request(`${plain.url}/metrics`, { method: 'GET' })).status, 404);
    } finally {
      await plain.close();
    }
  });
});
