import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command, FilterNode, HistoryRequest, Reply, SubscribeRequest } from './descriptors.ts';
import { decodeCommands, encodeReply } from './encoding.ts';
import { decodeJson, encodeJson, JsonDecodeError, JsonEncodeError } from './json-codec.ts';
import {
  decodeMessage,
  delimit,
  encodeMessage,
  joinDelimited,
  ProtobufDecodeError,
  splitDelimited,
} from './protobuf-codec.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: unknown) => new TextDecoder().decode(b as Uint8Array);

describe('protobuf codec', () => {
  it('round-trips a command with nested messages, maps and bytes', () => {
    const cmd = {
      id: 300,
      connect: {
        token: 't',
        data: bytes('{"a":1}'),
        subs: { news: { recover: true, offset: 2 ** 40, epoch: 'e' } },
        headers: { h: 'v' },
      },
    };
    const back = decodeMessage(Command, encodeMessage(Command, cmd));
    assert.equal(back.id, 300);
    const connect = back.connect as Record<string, unknown>;
    assert.equal(text(connect.data), '{"a":1}');
    assert.deepEqual(connect.subs, { news: { recover: true, offset: 2 ** 40, epoch: 'e' } });
    assert.deepEqual(connect.headers, { h: 'v' });
  });

  it('reads negative int32 as Go does (limit -1 takes ten bytes)', () => {
    const encoded = encodeMessage(HistoryRequest, { channel: 'c', limit: -1 });
    assert.equal(decodeMessage(HistoryRequest, encoded).limit, -1);
  });

  it('writes present empty messages and skips zero scalars (proto3)', () => {
    assert.deepEqual([...encodeMessage(Reply, { id: 1, publish: {} })], [0x08, 1, 0x42, 0]);
    assert.deepEqual([...encodeMessage(Reply, { id: 0, error: { code: 0 } })], [0x12, 0]);
  });

  it('skips unknown fields and refuses truncated input', () => {
    const unknownField = new Uint8Array([0x08, 5, 0xf8, 0x01, 7]); // field 31 varint
    assert.equal(decodeMessage(Command, unknownField).id, 5);
    assert.throws(() => decodeMessage(Command, new Uint8Array([0x22, 10, 1])), ProtobufDecodeError);
    assert.throws(() => decodeMessage(Command, new Uint8Array([0x08])), ProtobufDecodeError);
  });

  it('reads a string that is not UTF-8 as Centrifugo does: taken, bad bytes as U+FFFD', () => {
    // SubscribeRequest{channel: "h\xff\xfe"}
    const req = decodeMessage(SubscribeRequest, Uint8Array.from([0x0a, 0x03, 0x68, 0xff, 0xfe]));
    assert.equal(req.channel, 'h\ufffd\ufffd');
  });

  it('frames messages with varint length prefixes', () => {
    const parts = [new Uint8Array(200).fill(1), new Uint8Array(0), new Uint8Array([9])];
    assert.deepEqual(splitDelimited(joinDelimited(parts)), parts);
  });
});

describe('json codec', () => {
  it('keeps bytes fields as the raw JSON the client sent', () => {
    const cmd = decodeJson(
      Command,
      '{"id":2,"publish":{"channel":"c","data":{"big":12345678901234567890}}}',
    );
    assert.equal(text((cmd.publish as { data: Uint8Array }).data), '{"big":12345678901234567890}');
  });

  it('refuses wrong types with the field path', () => {
    assert.throws(() => decodeJson(Command, '{"id":"1"}'), /Command\.id must be an integer/);
    assert.throws(() => decodeJson(Command, '{"id":1,"subscribe":{"recover":1}}'), JsonDecodeError);
    assert.throws(() => decodeJson(Command, '{"id":-1}'), /must not be negative/);
  });

  it('omits zero values except the fields Centrifugo always writes', () => {
    assert.equal(
      encodeJson(Reply, { id: 3, history: { publications: [], epoch: '', offset: 0 } }),
      '{"id":3,"history":{"publications":[],"epoch":"","offset":0}}',
    );
    assert.equal(
      encodeJson(Reply, { push: { channel: 'c', join: { info: { user: '', client: 'x' } } } }),
      '{"push":{"channel":"c","join":{"info":{"user":"","client":"x"}}}}',
    );
  });

  it('strips raw newlines from embedded payloads so frames stay one line each', () => {
    const out = encodeReply('json', {
      push: { channel: 'c', pub: { data: bytes('{\n"a": 1\n}') } },
    });
    assert.equal(out, '{"push":{"channel":"c","pub":{"data":{"a": 1}}}}');
  });

  it('refuses to embed bytes that are not JSON (the connection is closed 3506 instead)', () => {
    const pub = (data: Uint8Array) => ({ push: { channel: 'c', pub: { data } } });
    assert.throws(() => encodeJson(Reply, pub(Uint8Array.from([0xff, 0x00]))), JsonEncodeError);
    assert.throws(() => encodeJson(Reply, pub(bytes('hello'))), JsonEncodeError);
    // Centrifugo checks the frame after dropping raw newlines, so this one passes.
    assert.equal(
      encodeJson(Reply, pub(bytes('{"a":\n1}'))),
      '{"push":{"channel":"c","pub":{"data":{"a":1}}}}',
    );
  });

  it('splits a frame into commands and tolerates one trailing newline', () => {
    assert.deepEqual(decodeCommands('json', '{"id":1}\n{"id":2}\n'), {
      commands: [{ id: 1 }, { id: 2 }],
    });
    assert.ok(decodeCommands('json', '').error);
    // What precedes a bad command is kept, so the session answers it before closing.
    const partial = decodeCommands('json', '{"id":1}\n\n{"id":2}');
    assert.deepEqual(partial.commands, [{ id: 1 }]);
    assert.ok(partial.error);
    const proto = decodeCommands('protobuf', new Uint8Array([2, 0x08, 5, 3, 0x08]));
    assert.deepEqual(proto.commands, [{ id: 5 }]);
    assert.ok(proto.error);
  });
});

describe('subscribe tags filter (tf)', () => {
  const filter = {
    op: 'and',
    nodes: [
      { key: 'k', cmp: 'in', vals: ['a', ''] },
      { op: 'not', nodes: [{ key: 'd', cmp: 'ex' }] },
    ],
  };

  it('decodes tf from Protobuf at field 13, FilterNode fields 1-6 as Centrifugo numbers them', () => {
    // SubscribeRequest{channel: "c", tf: {op: "not", nodes: [{key: "k", cmp: "ex"}]}},
    // written by hand from client.proto of centrifugal/protocol v0.19.2.
    const child = [0x12, 1, 0x6b, 0x1a, 2, 0x65, 0x78];
    const node = [0x0a, 3, 0x6e, 0x6f, 0x74, 0x32, child.length, ...child];
    const wire = new Uint8Array([0x0a, 1, 0x63, 0x6a, node.length, ...node]);
    assert.deepEqual(decodeMessage(SubscribeRequest, wire), {
      channel: 'c',
      tf: { op: 'not', nodes: [{ key: 'k', cmp: 'ex' }] },
    });
    // vals keeps its empty items ("" is a value a tag can hold).
    const vals = new Uint8Array([0x2a, 1, 0x61, 0x2a, 0]);
    assert.deepEqual(decodeMessage(FilterNode, vals), { vals: ['a', ''] });
    assert.deepEqual([...encodeMessage(FilterNode, { vals: ['a', ''] })], [...vals]);
  });

  it('decodes the same filter from JSON and from Protobuf', () => {
    const json = decodeJson(
      Command,
      JSON.stringify({ id: 1, subscribe: { channel: 'c', tf: filter } }),
    );
    const proto = decodeMessage(
      Command,
      encodeMessage(Command, { id: 1, subscribe: { channel: 'c', tf: filter } }),
    );
    assert.deepEqual(json, { id: 1, subscribe: { channel: 'c', tf: filter } });
    assert.deepEqual(proto, json);
    assert.throws(
      () => decodeJson(Command, '{"id":1,"subscribe":{"tf":{"vals":"a"}}}'),
      /Command\.subscribe\.tf\.vals must be an array/,
    );
    assert.throws(
      () => decodeJson(Command, '{"id":1,"subscribe":{"tf":{"nodes":[{"vals":[1]}]}}}'),
      /tf\.nodes\[0\]\.vals\[0\] must be a string/,
    );
  });

  it('bounds nesting alike in both formats: 15 filter levels in a subscribe, not 16', () => {
    const nested = (levels: number): Record<string, unknown> =>
      levels === 1 ? { cmp: 'ex', key: 'k' } : { op: 'not', nodes: [nested(levels - 1)] };
    for (const [levels, ok] of [
      [15, true],
      [16, false],
    ] as const) {
      const cmd = { id: 1, subscribe: { channel: 'c', tf: nested(levels) } };
      const json = decodeCommands('json', JSON.stringify(cmd));
      const proto = decodeCommands('protobuf', delimit(encodeMessage(Command, cmd)));
      assert.equal(json.error === undefined, ok, `JSON, ${levels} levels: ${json.error}`);
      assert.equal(proto.error === undefined, ok, `Protobuf, ${levels} levels: ${proto.error}`);
      if (ok) assert.deepEqual(json.commands, proto.commands);
    }
  });
});
