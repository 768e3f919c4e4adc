// One table of server API calls, run in the same order through HTTP on one node and through
// gRPC on a twin node (same config), in both error modes. The answers must agree once each
// transport's encoding is undone: raw JSON vs bytes, proto3's omitted zero values, per-node
// epochs and uids. This is what keeps the two transports from drifting apart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import {
  type Answer,
  decodeStatusDetails,
  type GrpcTestNode,
  type Json,
  keyMetadata,
  startGrpcTestNode,
} from './grpc-client.ts';
import { API_KEY } from './harness.ts';

const CONFIG = {
  channel: {
    without_namespace: { presence: true },
    namespaces: [
      { name: 'chat', history_size: 5, history_ttl: '300s' },
      { name: 'obj', publication_data_format: 'json_object' },
    ],
  },
};

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');

/** [method, JSON body]: what a backend sends; the gRPC form is derived from it. */
const CASES: Array<[string, Json]> = [
  ['publish', { channel: 'chat:p', data: { a: 1 } }],
  ['publish', { channel: 'chat:p', data: { a: 2 }, tags: { t: '1' }, idempotency_key: 'k1' }],
  ['publish', { channel: 'chat:p', data: { a: 2 }, tags: { t: '1' }, idempotency_key: 'k1' }],
  ['publish', { channel: 'chat:p', b64data: b64({ b: 1 }) }],
  ['publish', { channel: 'chat:p', data: { skipped: true }, skip_history: true }],
  ['publish', { channel: 'plain', data: 'text' }],
  ['publish', { channel: '', data: {} }],
  ['publish', { channel: 'nope:x', data: {} }],
  ['publish', { channel: 'obj:x', data: [1, 2] }],
  ['publish', { channel: 'obj:x', data: { ok: 1 } }],
  ['publish', { channel: 'chat:p', b64data: '***' }],
  ['publish', { channel: `chat:${'x'.repeat(300)}`, data: {} }],
  ['broadcast', { channels: ['chat:b1', 'nope:b', 'chat:b2', ''], data: { x: 1 } }],
  ['broadcast', { channels: [], data: {} }],
  ['history', { channel: 'chat:p', limit: -1 }],
  ['history', { channel: 'chat:p', limit: 2, reverse: true }],
  ['history', { channel: 'chat:p' }],
  ['history', { channel: 'chat:p', since: { offset: 1, epoch: 'not-the-epoch' } }],
  ['history', { channel: 'chat:p', reverse: true, since: { offset: 0 } }],
  ['history', { channel: 'news' }],
  ['history', { channel: 'nope:x' }],
  ['history_remove', { channel: 'chat:p' }],
  ['history', { channel: 'chat:p', limit: 10 }],
  ['history_remove', { channel: 'plain' }],
  ['presence', { channel: 'news' }],
  ['presence', { channel: 'chat:p' }],
  ['presence_stats', { channel: 'news' }],
  ['presence_stats', { channel: '' }],
  [
    'subscribe',
    {
      channel: 'news',
      user: '42',
      info: { i: 1 },
      data: { d: 1 },
      override: { presence: { value: true }, join_leave: { value: false } },
      recover_since: { offset: 3, epoch: 'e' },
    },
  ],
  ['subscribe', { user: '42' }],
  ['subscribe', { channel: 'news', user: '42', b64info: '!!' }],
  ['unsubscribe', { channel: 'news', user: '42', client: 'c', session: 's' }],
  ['unsubscribe', { channel: 'nope:x', user: '42' }],
  ['disconnect', { user: '42', disconnect: { code: 4000, reason: 'bye' }, whitelist: ['c1'] }],
  ['disconnect', { user: '42' }],
  ['refresh', { user: '42', expired: true, expire_at: 1_900_000_000, info: { r: 1 } }],
  ['rpc', { method: 'x', params: { p: 1 } }],
  ['rpc', {}],
  ['channels', {}],
  ['channels', { pattern: 'chat:*' }],
  ['channels', { pattern: '[a' }],
  ['info', {}],
  [
    'batch',
    {
      commands: [
        { publish: { channel: 'chat:batch', data: { n: 1 } } },
        { history: { channel: 'chat:batch', limit: 1 } },
        { presence: { channel: 'nope:x' } },
        { publish: { channel: '', data: {} } },
        { info: {} },
      ],
    },
  ],
  [
    'batch',
    {
      parallel: true,
      commands: [
        { publish: { channel: 'chat:batch', data: { n: 2 } } },
        { broadcast: { channels: ['chat:batch2'], data: { n: 3 } } },
      ],
    },
  ],
  ['batch', { commands: [] }],
];

/** Which request fields are `bytes` (raw JSON over HTTP), per method. */
const BYTES: Record<string, string[]> = {
  publish: ['data'],
  broadcast: ['data'],
  subscribe: ['info', 'data'],
  refresh: ['info'],
  rpc: ['params'],
};

function toProto(method: string, body: Json): Json {
  if (method === 'batch') {
    return {
      parallel: body.parallel,
      commands: body.commands.map((cmd: Json) =>
        Object.fromEntries(Object.entries(cmd).map(([m, req]) => [m, toProto(m, req)])),
      ),
    };
  }
  const out = { ...body };
  for (const f of BYTES[method] ?? []) {
    if (out[f] !== undefined) out[f] = Buffer.from(JSON.stringify(out[f]));
  }
  return out;
}

const RPC_NAME: Record<string, string> = {
  presence_stats: 'PresenceStats',
  history_remove: 'HistoryRemove',
  rpc: 'RPC',
};
const rpcName = (m: string) => RPC_NAME[m] ?? m[0]?.toUpperCase() + m.slice(1);

/** Bytes results (publication data, rpc data, client infos) back into JSON values. */
const RESULT_BYTES = new Set(['data', 'conn_info', 'chan_info']);
const MASKED = new Set(['epoch', 'uid', 'uptime']);

/** Drops proto3 zero values and masks per-node values, so both encodings compare. */
function canonical(v: unknown, key = ''): unknown {
  if (Buffer.isBuffer(v)) return RESULT_BYTES.has(key) ? JSON.parse(v.toString()) : v;
  if (Array.isArray(v)) return v.map((x) => canonical(x));
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const c = canonical(x, k);
      if (isZero(c)) continue;
      out[k] = MASKED.has(k) ? `<${k}>` : c;
    }
    return out;
  }
  return v;
}

function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === 0 || v === '' || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v as object).length === 0;
}

/** A response as a transport-independent value: error, or result (present even if empty). */
function normalize(method: string, res: Json): Json {
  if (res.error) return { error: res.error };
  if (method !== 'batch') return { result: canonical(res.result) };
  return {
    replies: (res.replies ?? []).map((r: Json) => {
      if (r.error) return { error: r.error };
      const [m, v] = Object.entries(r)[0] as [string, unknown];
      return { [m]: canonical(v) };
    }),
  };
}

let httpNode: GrpcTestNode;
let grpcNode: GrpcTestNode;
before(async () => {
  [httpNode, grpcNode] = await Promise.all([startGrpcTestNode(CONFIG), startGrpcTestNode(CONFIG)]);
});
after(async () => {
  await Promise.all([httpNode.close(), grpcNode.close()]);
});

function grpcOk(a: Answer, where: string): Json {
  assert.ok(a.ok, `${where}: gRPC status ${a.ok ? '' : `${a.code} ${a.details}`}`);
  return a.response;
}

describe('HTTP and gRPC agree', () => {
  it('on every answer of the table in the default error mode', async () => {
    for (const [i, [method, body]] of CASES.entries()) {
      const where = `#${i} ${method} ${JSON.stringify(body).slice(0, 80)}`;
      const http = await httpNode.api(method, body);
      assert.equal(http.status, 200, `${where}: HTTP ${http.status} ${http.text}`);
      const grpc = grpcOk(
        await grpcNode.client.call(rpcName(method), toProto(method, body)),
        where,
      );
      assert.deepEqual(normalize(method, grpc), normalize(method, http.json), where);
    }
  });

  it('on every status and every field violation in transport error mode', async () => {
    const grpcCode: Record<number, number> = {
      400: status.INVALID_ARGUMENT,
      404: status.NOT_FOUND,
      416: status.OUT_OF_RANGE,
      409: status.ALREADY_EXISTS,
      500: status.INTERNAL,
    };
    let errors = 0;
    for (const [i, [method, body]] of CASES.entries()) {
      const where = `#${i} ${method} ${JSON.stringify(body).slice(0, 80)}`;
      const http = await httpNode.api(method, body, {
        headers: { 'X-Centrifugo-Error-Mode': 'transport' },
      });
      const grpc = await grpcNode.client.call(
        rpcName(method),
        toProto(method, body),
        keyMetadata(API_KEY, { 'x-centrifugo-error-mode': 'transport' }),
      );
      if (http.status === 200) {
        assert.deepEqual(normalize(method, grpcOk(grpc, where)), normalize(method, http.json));
        continue;
      }
      errors++;
      assert.ok(!grpc.ok, `${where}: HTTP ${http.status} but gRPC answered`);
      assert.equal(grpc.code, grpcCode[http.status], where);
      assert.equal(grpc.details, http.json.message, where);
      const details = decodeStatusDetails(grpc.metadata);
      assert.deepEqual(details?.error, { code: http.json.code, message: http.json.message });
      assert.deepEqual(
        details?.violations,
        http.json.details?.[0]?.fieldViolations,
        `${where}: same field violations`,
      );
    }
    assert.ok(errors >= 15, `the table reaches errors (${errors})`);
  });
});
