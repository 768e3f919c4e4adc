// Finds external tools for tests. Outside CI a missing tool skips its test with the reason
// printed; under .ci/run (CENTRIFUGO_TS_REQUIRE_TOOLS=1) a missing tool fails the test.
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

export function findTool(t: TestContext, name: string, howToGet: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status === 0 && path !== '') return path;
  missingTool(t, `${name} not found on PATH: ${howToGet}`);
  return undefined;
}

/** Skips the test with the reason printed, or throws it when tools are required (CI). */
export function missingTool(t: TestContext, reason: string): void {
  if (process.env.CENTRIFUGO_TS_REQUIRE_TOOLS === '1') throw new Error(reason);
  console.log(`skipping: ${reason}`);
  t.skip(reason);
}
