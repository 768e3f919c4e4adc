// Bad input never costs a 5xx, a crash, or an accepted publication: oversized bodies,
// unknown fields, and 1,200 generated bodies (seeded, so a failure replays) go through
// real HTTP; afterwards the node still serves and history still holds what was accepted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { METHODS } from '../../src/node/api/index.ts';
import { Errors } from '../../src/node/core/index.ts';
import { seededRandom } from '../seeded.ts';
import { API_KEY, request, startTestNode, type TestNode } from './harness.ts';

const KNOWN_CODES = new Set<number>(Object.values(Errors).map((e) => e.code));

let node: TestNode;
before(async () => {
  node = await startTestNode({
    channel: {
      // json: binary b64data is refused at publish, so history never holds bytes that JSON
      // cannot carry (those answer a plain 500, as Centrifugo: http-api.test.ts).
      namespaces: [
        {
          name: 'keep',
          history_size: 100,
          history_ttl: '300s',
          presence: true,
          publication_data_format: 'json',
        },
      ],
    },
    health: { enabled: true },
  });
});
after(async () => {
  await node.close();
});

async function post(method: string, body: string | Uint8Array) {
  return request(`${node.url}/api/${method}`, {
    method: 'POST',
    headers: { 'X-API-Key': API_KEY },
    body,
  });
}

/** Every answer is 200 with exactly a result or a known error, or a plain 4xx. */
function assertWellFormed(method: string, body: string, res: Awaited<ReturnType<typeof post>>) {
  const where = `${method} ${body.slice(0, 200)}`;
  assert.ok(res.status < 500, `5xx for ${where}: ${res.status} ${res.text}`);
  if (res.status !== 200) {
    assert.ok([400, 413].includes(res.status), `unexpected ${res.status} for ${where}`);
    assert.notEqual(res.text, '', `a 4xx says why (${where})`);
    return;
  }
  assert.ok(res.json !== undefined, `200 without JSON for ${where}: ${res.text}`);
  if (method === 'batch') {
    // No commands: `{}`, as Centrifugo (replies omitted when empty).
    const keys = Object.keys(res.json);
    assert.ok(
      keys.length === 0 || (keys.length === 1 && Array.isArray(res.json.replies)),
      `batch answers {} or replies for ${where}: ${res.text}`,
    );
    return;
  }
  const keys = Object.keys(res.json);
  assert.equal(keys.length, 1, `one of result/error for ${where}: ${res.text}`);
  if (keys[0] === 'error') {
    assert.ok(KNOWN_CODES.has(res.json.error.code), `unknown code for ${where}: ${res.text}`);
    assert.equal(typeof res.json.error.message, 'string');
  } else {
    assert.equal(keys[0], 'result', `${where}: ${res.text}`);
  }
}

describe('bad input', () => {
  it('answers 413 to a 10 MB body, whether JSON or garbage, and keeps serving', async () => {
    const ok = await post('publish', JSON.stringify({ channel: 'keep:big', data: { n: 1 } }));
    assert.equal(ok.status, 200);
    const big = JSON.stringify({ channel: 'keep:big', data: { blob: 'x'.repeat(10_000_000) } });
    const json = await post('publish', big);
    assert.equal(json.status, 413);
    assert.match(json.text, /max_request_body_size/);
    const garbage = await post('publish', new Uint8Array(10_000_000).fill(0xff));
    assert.equal(garbage.status, 413);
    const hist = await post('history', JSON.stringify({ channel: 'keep:big', limit: -1 }));
    assert.equal(hist.json.result.publications.length, 1, 'the accepted publication is kept');
  });

  it('ignores unknown fields, as Centrifugo (Go) does', async () => {
    const res = await post(
      'publish',
      JSON.stringify({ channel: 'keep:unknown', data: {}, no_such_field: [1, { x: 2 }] }),
    );
    assert.equal(res.status, 200);
    assert.equal(res.json.result.offset, 1);
  });

  it('answers 107 to an empty channel in every method that takes one', async () => {
    for (const method of ['publish', 'history', 'history_remove', 'presence', 'presence_stats']) {
      const res = await post(method, JSON.stringify({ channel: '', data: {} }));
      assert.equal(res.json?.error?.code, 107, `${method}: ${res.text}`);
    }
  });

  it('survives 1,200 generated bodies with well-formed answers only', async () => {
    const rand = seededRandom(0x5eed);
    let accepted = 0;
    const methods = [...METHODS, 'batch'];
    for (let round = 0; round < 60; round++) {
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          const method = methods[Math.floor(rand() * methods.length)] as string;
          const body = generateBody(rand, method);
          const res = await post(method, body);
          assertWellFormed(method, body, res);
          if (res.status === 200 && method === 'publish' && res.json.result) accepted += 1;
        }),
      );
    }
    const health = await request(`${node.url}/health`, { method: 'GET' });
    assert.equal(health.status, 200, 'the node is still up');
    const hist = await post('history', JSON.stringify({ channel: 'keep:big', limit: -1 }));
    assert.equal(hist.json.result.publications.length, 1, 'nothing accepted earlier was lost');
    assert.ok(accepted > 0, 'some generated publishes were valid, so both paths ran');
  });
});

// --- generators -------------------------------------------------------------------------

type Rand = () => number;

const FIELDS = [
  'channel',
  'channels',
  'data',
  'b64data',
  'skip_history',
  'tags',
  'idempotency_key',
  'delta',
  'user',
  'client',
  'session',
  'limit',
  'since',
  'reverse',
  'offset',
  'epoch',
  'pattern',
  'method',
  'params',
  'disconnect',
  'code',
  'reason',
  'expire_at',
  'commands',
  'parallel',
  'info',
  'b64info',
  'whitelist',
];

function pick<T>(rand: Rand, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

function randomString(rand: Rand): string {
  const alphabet = ['a', 'b', ':', '$', '#', '%', '=', ' ', '\u00e9', '\\', '"', '\u0000', '🙂'];
  const length = Math.floor(rand() * 12);
  let out = rand() < 0.3 ? pick(rand, ['keep:', 'nope:', '']) : '';
  for (let i = 0; i < length; i++) out += pick(rand, alphabet);
  return out;
}

function randomValue(rand: Rand, depth: number): unknown {
  const r = rand();
  if (depth > 3 || r < 0.15) return randomString(rand);
  if (r < 0.3) return Math.floor((rand() - 0.5) * 2 ** (rand() * 60));
  if (r < 0.35) return rand() - 0.5;
  if (r < 0.45) return rand() < 0.5;
  if (r < 0.5) return null;
  if (r < 0.7)
    return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
  return randomObject(rand, depth + 1);
}

function randomObject(rand: Rand, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = Math.floor(rand() * 5);
  for (let i = 0; i < n; i++) {
    out[rand() < 0.85 ? pick(rand, FIELDS) : randomString(rand)] = randomValue(rand, depth);
  }
  return out;
}

/** A mix of plausible requests, wrong types, broken JSON and raw noise. */
function generateBody(rand: Rand, method: string): string {
  const r = rand();
  if (r < 0.05) return '';
  if (r < 0.15) {
    return Array.from({ length: Math.floor(rand() * 40) }, () =>
      String.fromCharCode(Math.floor(rand() * 256)),
    ).join('');
  }
  const obj = randomObject(rand, 0);
  if (rand() < 0.5) obj.channel = `keep:${Math.floor(rand() * 5)}`;
  if (rand() < 0.4) obj.data = randomValue(rand, 1);
  if (method === 'batch' && rand() < 0.7) {
    obj.commands = Array.from({ length: Math.floor(rand() * 4) }, () => ({
      [pick(rand, [...METHODS, 'nope'])]: randomObject(rand, 1),
    }));
  }
  const text = JSON.stringify(obj);
  if (r < 0.25) return text.slice(0, Math.floor(rand() * text.length));
  return text;
}
