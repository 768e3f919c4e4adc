// The HTTP limits of a real node that a client meets on one request: a body over
// http_api.max_request_body_size gets its 413 even while the client is still sending it,
// `Expect: 100-continue` is answered 413 without the body, each hit is counted in /metrics,
// and the timeouts are config keys that refuse nonsense.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { validateConfig } from '../../src/node/config/index.ts';
import { oversizedBodies } from '../attack/http-attackers.ts';
import { API_KEY, request, startTestNode, type TestNode } from './harness.ts';

const LIMIT = 64 * 1024;

let node: TestNode;
before(async () => {
  node = await startTestNode({
    http_api: { max_request_body_size: LIMIT },
    prometheus: { enabled: true },
  });
});
after(async () => {
  await node.close();
});

const port = () => Number(new URL(node.url).port);

async function limitHits(limit: string): Promise<number> {
  const text = (await request(`${node.url}/metrics`, { method: 'GET' })).text;
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`centrifugo_http_limit_hits_total{limit="${limit}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('HTTP limits', () => {
  it('answers 100 bodies over the limit from fetch with 100 413s, though each is still sending', async () => {
    const before = await limitHits('http_api.max_request_body_size');
    // 4 MB: more than the loopback socket buffers hold, so each client is still writing
    // when the node refuses; closing then would reset the connection under it (EPIPE).
    const result = await oversizedBodies(port(), API_KEY, 100, 4_000_000);
    assert.deepEqual(result, { answered413: 100, otherStatus: {}, errors: {} });
    assert.equal((await limitHits('http_api.max_request_body_size')) - before, 100);
    const ok = await node.api('publish', { channel: 'after', data: {} });
    assert.deepEqual(ok.json, { result: {} }, 'the node serves on');
  });

  it('answers an announced body over the limit with 413 and no 100 Continue', async () => {
    const socket = connect(port(), '127.0.0.1');
    let got = '';
    socket.on('data', (chunk) => {
      got += chunk.toString('latin1');
    });
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write(
      `POST /api/publish HTTP/1.1\r\nHost: x\r\nX-API-Key: ${API_KEY}\r\n` +
        `Content-Length: ${LIMIT + 1}\r\nExpect: 100-continue\r\n\r\n`,
    );
    await closed;
    assert.match(got, /^HTTP\/1\.1 413 /, got);
    assert.doesNotMatch(got, /100 Continue/);
    assert.match(got, /max_request_body_size is 65536 bytes/);
  });

  it('sends 100 Continue to a body within the limit, then answers it', async () => {
    const body = '{"channel":"expect","data":{}}';
    const socket = connect(port(), '127.0.0.1');
    let got = '';
    socket.on('data', (chunk) => {
      const before = got;
      got += chunk.toString('latin1');
      if (!before.includes('100 Continue') && got.includes('100 Continue')) socket.write(body);
      if (got.includes('{"result":{}}')) socket.end();
    });
    socket.write(
      `POST /api/publish HTTP/1.1\r\nHost: x\r\nX-API-Key: ${API_KEY}\r\n` +
        `Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
    );
    await new Promise((resolve) => socket.on('close', resolve));
    assert.match(got, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/, got);
  });

  it('answers headers over 16 KiB with 431 and counts it', async () => {
    const before = await limitHits('max_header_size');
    const res = await request(`${node.url}/api/info`, {
      method: 'POST',
      headers: { 'X-API-Key': API_KEY, 'X-Big': 'a'.repeat(20 * 1024) },
      body: '{}',
    });
    assert.equal(res.status, 431);
    assert.equal((await limitHits('max_header_size')) - before, 1);
  });

  it('takes the timeouts from http_server.* and refuses a negative one by name', () => {
    const config = validateConfig({});
    assert.equal(config.http_server.read_header_timeout, '10s');
    assert.equal(config.http_server.read_timeout, '30s');
    assert.equal(config.http_server.idle_timeout, '30s');
    for (const key of ['read_header_timeout', 'read_timeout', 'idle_timeout']) {
      assert.throws(
        () => validateConfig({ http_server: { [key]: '-1s' } }),
        new RegExp(`http_server\\.${key}`),
      );
    }
  });
});
