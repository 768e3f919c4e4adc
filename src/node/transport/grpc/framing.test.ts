import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeGrpcMessage, encodeMessage, MessageReader } from './framing.ts';

const bytes = (...xs: number[]) => Buffer.from(xs);

describe('gRPC message framing', () => {
  it('frames a message as flag 0, big-endian length, bytes', () => {
    assert.deepEqual(encodeMessage(bytes(7, 8, 9)), bytes(0, 0, 0, 0, 3, 7, 8, 9));
    assert.deepEqual(encodeMessage(new Uint8Array(0)), bytes(0, 0, 0, 0, 0));
  });

  it('reassembles messages cut anywhere, several per chunk, empty ones included', () => {
    const stream = Buffer.concat([
      encodeMessage(bytes(1, 2, 3)),
      encodeMessage(new Uint8Array(0)),
      encodeMessage(Buffer.alloc(300, 5)),
    ]);
    for (let cut = 1; cut < stream.length; cut += 7) {
      const reader = new MessageReader(1024);
      for (let i = 0; i < stream.length; i += cut) {
        assert.deepEqual(reader.feed(stream.subarray(i, i + cut)), { ok: true });
      }
      assert.deepEqual(
        reader.messages.map((m) => [m.compressed, m.bytes.length]),
        [
          [false, 3],
          [false, 0],
          [false, 300],
        ],
        `cut every ${cut} bytes`,
      );
      assert.deepEqual(reader.messages[0]?.bytes, bytes(1, 2, 3));
      assert.ok(reader.messages[2]?.bytes.every((b) => b === 5));
      assert.equal(reader.pendingBytes, 0);
    }
  });

  it('refuses a declared length over the limit from its prefix alone', () => {
    const reader = new MessageReader(10);
    // 11 bytes declared, none of them sent: refused before anything is buffered.
    assert.deepEqual(reader.feed(bytes(0, 0, 0, 0, 11)), { ok: false, tooLarge: 11 });
    const exact = new MessageReader(10);
    assert.deepEqual(exact.feed(encodeMessage(Buffer.alloc(10))), { ok: true });
    assert.equal(exact.messages.length, 1);
    const huge = new MessageReader(4 * 1024 * 1024);
    assert.deepEqual(huge.feed(bytes(0, 0xff, 0xff, 0xff, 0xff)), {
      ok: false,
      tooLarge: 0xffffffff,
    });
  });

  it('reports a message cut short at the end of the stream, and the compressed flag', () => {
    const reader = new MessageReader(100);
    reader.feed(bytes(1, 0, 0, 0, 4, 9, 9));
    assert.equal(reader.messages.length, 0);
    assert.equal(reader.pendingBytes, 7);
    reader.feed(bytes(9, 9));
    assert.deepEqual(reader.messages, [{ compressed: true, bytes: bytes(9, 9, 9, 9) }]);
    const prefixOnly = new MessageReader(100);
    prefixOnly.feed(bytes(0, 0));
    assert.equal(prefixOnly.pendingBytes, 2);
  });
});

describe('grpc-message encoding', () => {
  it('keeps printable ASCII, percent-encodes the rest as UTF-8 bytes, and %', () => {
    assert.equal(encodeGrpcMessage('bad request'), 'bad request');
    assert.equal(encodeGrpcMessage('100% sure'), '100%25 sure');
    assert.equal(encodeGrpcMessage('line\nbreak'), 'line%0Abreak');
    assert.equal(encodeGrpcMessage('café'), 'caf%C3%A9');
    assert.equal(decodeURIComponent(encodeGrpcMessage('ünïcödé ✓ 100%')), 'ünïcödé ✓ 100%');
  });
});
