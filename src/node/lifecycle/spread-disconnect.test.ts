import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closeSpread } from './spread-disconnect.ts';

/** A clock that moves 10 ms each time it is read, so the pacing is exact whatever the load. */
function steppingClock() {
  let t = 0;
  return () => {
    t += 10;
    return t;
  };
}

describe('closeSpread', () => {
  it('closes all at once without a window', async () => {
    const closed: number[] = [];
    await closeSpread([1, 2, 3], (i) => closed.push(i), { windowMs: 0 });
    assert.deepEqual(closed, [1, 2, 3]);
  });

  it('closes evenly over the window, the first at once and the last at its end', async () => {
    const now = steppingClock();
    const at: number[] = [];
    const items = Array.from({ length: 11 }, (_, i) => i);
    await closeSpread(items, () => at.push(now()), { windowMs: 100, tickMs: 1, now });
    assert.equal(at.length, 11);
    // One per 10 ms of window (each read of the clock adds 10 ms of its own).
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    assert.ok(
      gaps.every((g) => g >= 10 && g <= 30),
      `gaps ${gaps.join(' ')}`,
    );
  });

  it('catches up after a late tick instead of drifting', async () => {
    let t = 0;
    const now = () => t;
    const closed: number[] = [];
    const done = closeSpread(
      Array.from({ length: 5 }, (_, i) => i),
      (i) => closed.push(i),
      { windowMs: 100, tickMs: 1, now },
    );
    assert.deepEqual(closed, [0], 'the first goes at once');
    t = 1000; // the event loop was away for ten windows
    await done;
    assert.deepEqual(closed, [0, 1, 2, 3, 4]);
  });
});
