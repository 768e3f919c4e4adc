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

  it('since before the retained range starts from the oldest retained, as Centrifugo', () => {
    const after = (offset: number) =>
      offsets(
        selectHistory(all, top, { limit: -1, since: { offset, epoch: 'e1' }, reverse: false }),
      );
    assert.deepEqual(after(1), [6, 7, 8, 9, 10]);
    assert.deepEqual(after(4), [6, 7, 8, 9, 10]);
  });

  it('since beyond the top is an empty list, not 112, in both directions', () => {
    const run = (offset: number, reverse: boolean, epoch = 'e1') =>
      offsets(selectHistory(all, top, { limit: -1, since: { offset, epoch }, reverse }));
    assert.deepEqual(run(11, false), []);
    assert.deepEqual(run(1_000, false, ''), []);
    assert.deepEqual(run(12, true), []);
    assert.deepEqual(run(11, true), [10, 9, 8, 7, 6], 'right after the top: all, newest first');
  });

  it('reverse from a since whose predecessor was trimmed is empty', () => {
    const run = (offset: number) =>
      offsets(
        selectHistory(all, top, { limit: -1, since: { offset, epoch: 'e1' }, reverse: true }),
      );
    assert.deepEqual(run(7), [6]);
    assert.deepEqual(run(6), []);
    assert.deepEqual(run(2), []);
  });

  it('another epoch is unrecoverable, whatever the offset, limit or direction', () => {
    for (const [offset, limit, reverse] of [
      [8, -1, false],
      [0, 0, false],
      [100, 5, true],
    ] as const) {
      assert.throws(
        () => selectHistory(all, top, { limit, since: { offset, epoch: 'other' }, reverse }),
        UnrecoverablePositionError,
      );
    }
  });

  it('a stream with every publication expired returns nothing, whatever since', () => {
    const emptyTop = { offset: 3, epoch: 'e1' };
    const run = (offset: number) =>
      selectHistory([], emptyTop, { limit: -1, since: { offset, epoch: 'e1' }, reverse: false });
    assert.deepEqual(run(3), []);
    assert.deepEqual(run(2), []);
    assert.deepEqual(run(9), []);
  });
});
