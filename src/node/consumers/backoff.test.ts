import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_BACKOFF_MS, nextBackoffMs } from './backoff.ts';

describe('nextBackoffMs', () => {
  it('doubles from 10-20 ms with each retry and stops at 5 s', () => {
    assert.equal(
      nextBackoffMs(0, 1, () => 0),
      20,
    );
    assert.equal(
      nextBackoffMs(20, 2, () => 0),
      40,
    );
    assert.equal(
      nextBackoffMs(0, 3, () => 0.99),
      19 * 8,
    );
    assert.equal(
      nextBackoffMs(0, 12, () => 0),
      MAX_BACKOFF_MS,
    );
    assert.equal(
      nextBackoffMs(MAX_BACKOFF_MS, 1, () => 0),
      MAX_BACKOFF_MS,
    );
    assert.equal(
      nextBackoffMs(0, 10_000, () => 0),
      MAX_BACKOFF_MS,
    );
  });
});
