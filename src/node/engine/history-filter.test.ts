import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnrecoverablePositionError } from './errors.ts';
import { selectHistory } from './history-filter.ts';
import type { Publication } from './types.ts';

const pubs = (from: number, to: number): Publication[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({
    offset: from + i,
    data: new Uint8Array(),
  }));
const offsets = (list: Publication[]) => list.map((p) => p.offset);
const top = { offset: 10, epoch: 'e1' };
const all = pubs(6, 10); // 1..5 trimmed away

describe('selectHistory', () => {
  it('limit 0 returns nothing, -1 everything, n the oldest n', () => {
    assert.deepEqual(selectHistory(all, top, { limit: 0, reverse: false }), []);
    assert.deepEqual(
      offsets(selectHistory(all, top, { limit: -1, reverse: false })),
      [6, 7, 8, 9, 10],
    );
    assert.deepEqual(offsets(selectHistory(all, top, { limit: 2, reverse: false })), [6, 7]);
  });

  it('reverse returns the newest first', () => {
    assert.deepEqual(offsets(selectHistory(all, top, { limit: 2, reverse: true })), [10, 9]);
    const since = { offset: 8, epoch: 'e1' };
    assert.deepEqual(offsets(selectHistory(all, top, { limit: -1, since, reverse: true })), [7, 6]);
  });

  it('since returns what follows the position, empty at the top', () => {
    const after = (offset: number, limit = -1) =>
      offsets(selectHistory(all, top, { limit, since: { offset, epoch: 'e1' }, reverse: false }));
    assert.deepEqual(after(7), [8, 9, 10]);
    assert.deepEqual(after(5), [6, 7, 8, 9, 10]);
    assert.deepEqual(after(7, 1), [8]);
    assert.deepEqual(after(10), []);
  });

  it('an empty since epoch is not checked', () => {
    const since = { offset: 9, epoch: '' };
    assert.deepEqual(offsets(selectHistory(all, top, { limit: -1, since, reverse: false })), [10]);
  });

  it('only another epoch is unrecoverable; a lost start or a future offset is not', () => {
    const run = (offset: number, epoch = 'e1', reverse = false) =>
      offsets(selectHistory(all, top, { limit: -1, since: { offset, epoch }, reverse }));
    // Centrifugo's memory engine answers so: the oldest retained onwards, or nothing.
    assert.deepEqual(run(4), [6, 7, 8, 9, 10]);
    assert.deepEqual(run(11), []);
    assert.deepEqual(run(12, 'e1', true), []);
    assert.deepEqual(run(11, 'e1', true), [10, 9, 8, 7, 6]);
    assert.deepEqual(run(6, 'e1', true), []);
    assert.throws(() => run(8, 'other'), UnrecoverablePositionError);
    assert.throws(() => run(8, 'other', true), UnrecoverablePositionError);
  });

  it('a stream with every publication expired answers nothing, whatever the offset', () => {
    const emptyTop = { offset: 3, epoch: 'e1' };
    const run = (offset: number) =>
      selectHistory([], emptyTop, { limit: -1, since: { offset, epoch: 'e1' }, reverse: false });
    assert.deepEqual(run(3), []);
    assert.deepEqual(run(2), []);
    assert.deepEqual(run(9), []);
  });
});
