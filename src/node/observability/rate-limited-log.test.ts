import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger } from 'pino';
import { RateLimitedLog } from './rate-limited-log.ts';

function recorder() {
  const lines: Array<{ fields: Record<string, unknown>; msg: string }> = [];
  const logger = {
    warn: (fields: Record<string, unknown>, msg: string) => lines.push({ fields, msg }),
  } as unknown as Logger;
  return { lines, logger };
}

describe('RateLimitedLog', () => {
  it('writes a cause once per interval and counts what it left out', () => {
    const { lines, logger } = recorder();
    let now = 0;
    const log = new RateLimitedLog(logger, 1000, () => now);
    let built = 0;
    const fields = () => {
      built++;
      return { remote: '127.0.0.1' };
    };
    for (let i = 0; i < 500; i++) log.warn('slow', 'slow client', fields);
    log.warn('other', 'another cause');
    assert.equal(lines.length, 2, 'one line per cause');
    assert.equal(built, 1, 'fields are built only for a written line');
    now = 999;
    log.warn('slow', 'slow client', fields);
    assert.equal(lines.length, 2);
    now = 1000;
    log.warn('slow', 'slow client', fields);
    assert.equal(lines.length, 3);
    assert.deepEqual(lines[2]?.fields, {
      cause: 'slow',
      remote: '127.0.0.1',
      moreSinceLastLine: 500,
    });
    assert.deepEqual(lines[0]?.fields, { cause: 'slow', remote: '127.0.0.1' });
  });
});
