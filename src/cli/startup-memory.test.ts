import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

// In a process of its own, started as a node is (src/node/runtime-flags.ts), so the young
// generation it grows and the one left after the collection are this module's doing alone.
const CHILD = `
import { getHeapSpaceStatistics } from 'node:v8';
import { releaseStartupMemory } from ${JSON.stringify(new URL('./startup-memory.ts', import.meta.url).href)};
const young = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
// Startup's pattern: many objects that live a while, so V8 grows the young generation.
let keep = [];
for (let i = 0; i < 400_000; i++) {
  keep.push({ i, s: 'x'.repeat(i % 50) });
  if (keep.length > 100_000) keep = [];
}
keep = [];
const before = young();
const pauseMs = releaseStartupMemory();
console.log(JSON.stringify({ before, after: young(), pauseMs, gcGlobal: typeof globalThis.gc }));
`;

describe('releaseStartupMemory', () => {
  it('shrinks a grown young generation and leaves no gc global behind', () => {
    const out = execFileSync(
      process.execPath,
      ['--max-semi-space-size=4', '--input-type=module', '-e', CHILD],
      { encoding: 'utf8', timeout: 30_000 },
    );
    const r = JSON.parse(out) as {
      before: number;
      after: number;
      pauseMs: number | undefined;
      gcGlobal: string;
    };
    assert.ok(r.before >= 4 * 1024 * 1024, `the young generation grew first (${r.before} bytes)`);
    assert.ok(r.after < r.before / 2, `shrunk: ${r.before} -> ${r.after} bytes`);
    assert.equal(typeof r.pauseMs, 'number');
    assert.equal(r.gcGlobal, 'undefined');
  });
});
