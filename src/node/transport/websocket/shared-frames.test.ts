import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frameBytes, SharedFrames } from './shared-frames.ts';

describe('SharedFrames', () => {
  it('frames data the second time it is written in a row, then reuses the frame', () => {
    const frames = new SharedFrames();
    const data = '{"push":{"channel":"c"}}';
    assert.equal(frames.frame(data, false), undefined, 'a first write goes through ws');
    const second = frames.frame(data, false);
    assert.deepEqual(second, frameBytes(data, false));
    assert.equal(frames.frame(data, false), second, 'the same buffer, not framed again');
    assert.equal(frames.frame(data, true), undefined, 'binary is another frame');
  });

  it('keeps nothing from one owner to another, nor after close', () => {
    const data = new Uint8Array([1, 2, 3]);
    const a = new SharedFrames();
    const b = new SharedFrames();
    a.frame(data, true);
    assert.equal(b.frame(data, true), undefined, 'b never saw the first write');
    a.close();
    assert.equal(a.frame(data, true), undefined, 'closed: starts over');
  });

  it('writes the RFC 6455 length forms', () => {
    assert.deepEqual([...frameBytes('ab', false).subarray(0, 2)], [0x81, 2]);
    assert.deepEqual(
      [...frameBytes(new Uint8Array(200), true).subarray(0, 4)],
      [0x82, 126, 0, 200],
    );
    const big = frameBytes(new Uint8Array(70_000), true);
    assert.equal(big[1], 127);
    assert.equal(big.readUInt32BE(6), 70_000);
  });
});
