import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionRateLimit } from './connection-rate.ts';

describe('ConnectionRateLimit', () => {
  it('lets a burst of `limit` in, then one connection a second, as Centrifugo does', () => {
    let now = 0;
    const limit = new ConnectionRateLimit(3, () => now);
    assert.deepEqual(
      [1, 2, 3, 4].map(() => limit.allow()),
      [true, true, true, false],
    );
    now = 999;
    assert.equal(limit.allow(), false, 'not a whole token yet');
    now = 1000;
    assert.equal(limit.allow(), true);
    assert.equal(limit.allow(), false);
    now = 60_000;
    assert.deepEqual(
      [1, 2, 3, 4].map(() => limit.allow()),
      [true, true, true, false],
      'never above the burst',
    );
  });

  it('lets everything in at 0', () => {
    const limit = new ConnectionRateLimit(0, () => 0);
    for (let i = 0; i < 100; i++) assert.equal(limit.allow(), true);
  });
});
