// The compat suite's own parts, without servers: what normalization hides and keeps, what the
// protobuf decoder reports, and how results are judged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import type { CompatCase, Transcript } from './case.ts';
import { FEATURES, featurePending, featureReason } from './cases/features.ts';
import { ALL_CASES } from './cases/index.ts';
import { lineDiff, sameJson } from './compare.ts';
import { normalize } from './normalize.ts';
import { decodeMessage, encodeMessage, NotRepresentable, toProtoObject } from './proto.ts';
import { type CaseResult, refusal } from './run-suite.ts';
import type { Server } from './servers.ts';
import { judge } from './verdict.ts';

const ID_A = '5b1e0c7a-1111-4a4a-8b8b-000000000001';
const ID_B = '5b1e0c7a-2222-4a4a-8b8b-000000000002';
const ID_C = '5b1e0c7a-3333-4a4a-8b8b-000000000003';

const connectThenPresence = (first: string, second: string): Transcript => ({
  steps: [],
  conns: {
    c: {
      messages: [
        { id: 1, connect: { client: first, version: '6.9.1', ttl: 3599 } },
        { id: 2, presence: { presence: { [second]: { client: second, user: 'u' } } } },
        {},
      ],
    },
  },
});

describe('compat normalization', () => {
  it('renames ids by first appearance: equal shapes agree, a changed identity does not', () => {
    const a = normalize(connectThenPresence(ID_A, ID_A));
    const b = normalize(connectThenPresence(ID_B, ID_B));
    const c = normalize(connectThenPresence(ID_B, ID_C));
    assert.ok(sameJson(a, b));
    assert.ok(!sameJson(a, c), 'a second client where the first was is a difference');
  });

  it('drops pings, times and versions, keeps everything else', () => {
    const n = normalize(connectThenPresence(ID_A, ID_A)) as {
      conns: { c: { messages: unknown[] } };
    };
    assert.equal(n.conns.c.messages.length, 2);
    assert.deepEqual(n.conns.c.messages[0], {
      id: 1,
      connect: { client: '<client 1>', version: '<version>', ttl: '<ttl>' },
    });
  });

  it('ignores the reason of a plain 400, only there', () => {
    const step = (status: number, text: string): Transcript => ({
      steps: [{ status, contentType: 'text/plain; charset=utf-8', body: { $text: text } }],
      conns: {},
    });
    assert.ok(
      sameJson(
        normalize(step(400, 'Bad Request: channel must be a string\n')),
        normalize(step(400, 'Bad Request\n')),
      ),
    );
    assert.ok(
      !sameJson(normalize(step(200, 'Bad Request: x\n')), normalize(step(200, 'Bad Request\n'))),
    );
  });
});

describe('compat protobuf decoding', () => {
  const root = protobuf.parse(
    'syntax = "proto3"; message M { int32 a = 1; N n = 2; bytes data = 3; } message N { string s = 1; }',
    { keepCase: true },
  ).root;
  root.resolveAll();
  const M = root.lookupType('M');

  it('reports field numbers the proto does not define, nested ones included', () => {
    // a=5, n={s:"x", #7=1}, #9=1
    const bytes = Uint8Array.from([
      0x08, 0x05, 0x12, 0x05, 0x0a, 0x01, 0x78, 0x38, 0x01, 0x48, 0x01,
    ]);
    assert.deepEqual(decodeMessage(M, bytes), { a: 5, n: { s: 'x' }, $unknown: ['M.n#7', 'M#9'] });
  });

  it('reads an explicit zero as the proto3 default it is', () => {
    assert.deepEqual(decodeMessage(M, Uint8Array.from([0x08, 0x00])), {});
  });

  it('gives bytes fields the JSON text of their value, and refuses what protobuf cannot hold', () => {
    const obj = toProtoObject(M, { data: { x: 1 } }) as { data: Buffer };
    assert.equal(obj.data.toString(), '{"x":1}');
    assert.throws(() => toProtoObject(M, { a: 'five' }), NotRepresentable);
    const U = protobuf
      .parse('syntax = "proto3"; message U { uint64 u = 1; }', { keepCase: true })
      .root.lookupType('U');
    const max = '18446744073709551615';
    const wire = encodeMessage(U, { u: max });
    assert.equal(String((U.decode(wire) as unknown as { u: unknown }).u), max);
    assert.throws(() => toProtoObject(U, { u: '18446744073709551616' }), NotRepresentable);
    assert.throws(() => toProtoObject(M, { nope: 1 }), NotRepresentable);
  });
});

describe('compat verdicts', () => {
  const kase: CompatCase = { id: 'x/1', group: 'g', steps: [] };
  const result = (reference: unknown, twin: unknown, node: unknown) =>
    ({ case: kase, reference, twin, node }) as CaseResult;

  it('flags Centrifugo disagreeing with itself before anything else', () => {
    const [p] = judge([result(1, 2, 1)], { intended: {}, pending: {} });
    assert.equal(p?.kind, 'self-disagreement');
  });

  it('fails an unlisted difference, and a pending entry that no longer differs', () => {
    assert.equal(judge([result(1, 1, 2)], { intended: {}, pending: {} })[0]?.kind, 'difference');
    assert.deepEqual(judge([result(1, 1, 2)], { intended: {}, pending: { 'x/1': 'bug' } }), []);
    assert.equal(
      judge([result(1, 1, 1)], { intended: {}, pending: { 'x/1': 'bug' } })[0]?.kind,
      'pending-fixed',
    );
    assert.equal(
      judge([result(1, 1, 1)], { intended: { 'x/1': 'why' }, pending: {} })[0]?.kind,
      'intended-gone',
    );
  });

  it('prints a line diff of the two sides', () => {
    assert.equal(lineDiff('a\nb\nc', 'a\nB\nc'), '  a\n+ B\n- b\n  c');
  });
});

describe('compat feature groups', () => {
  const server = (log: string) => ({ logTail: () => log, exitCode: 1 }) as unknown as Server;

  it('records why a server refused its config: the not-supported line, else the last line', () => {
    const named =
      '{"level":"fatal","error":"not supported yet: sse.enabled (the SSE transport): remove it"}\n';
    assert.equal(
      refusal(server(named)),
      'not supported yet: sse.enabled (the SSE transport): remove it',
    );
    assert.equal(refusal(server('starting\nboom\n\n')), 'boom');
    assert.equal(refusal(server('')), 'exit 1');
  });

  it('lists every case of a feature group, and its startup case, as pending for that feature', () => {
    const pending = featurePending();
    for (const f of FEATURES) {
      const ids = pending[featureReason(f)] ?? [];
      const cases = ALL_CASES.filter((c) => c.group.startsWith(`feature-${f.id}/`));
      assert.ok(cases.length > 1, f.id);
      assert.ok(
        cases.some((c) => c.id === `startup/feature-${f.id}` && c.probeStartup),
        f.id,
      );
      // A built feature is compared like any other group: none of its cases may stay pending.
      const expected = f.built ? [] : cases.map((c) => c.id).sort();
      assert.deepEqual([...ids].sort(), expected, f.id);
    }
  });
});
