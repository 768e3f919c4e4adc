import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command, HistoryRequest, Reply, SubscribeRequest } from './descriptors.ts';
import { decodeCommands, encodeReply } from './encoding.ts';
import { decodeJson, encodeJson, JsonDecodeError, JsonEncodeError } from './json-codec.ts';
import {
  decodeMessage,
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
