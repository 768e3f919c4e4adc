// Headless Chromium for UI tests: Debian's chromium driven by playwright-core (which brings no
// browser of its own), a fresh profile per launch, nothing fetched from the network.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { type BrowserContext, chromium } from 'playwright-core';

const HOW_TO_GET = 'source scripts/ensure-chromium.sh (.ci/run does)';

/** With t: skips (or fails under CENTRIFUGO_TS_REQUIRE_TOOLS=1) when Chromium is missing. */
export function findChromium(t: TestContext): string | undefined {
  const path = process.env.CENTRIFUGO_TS_CHROMIUM ?? '/usr/bin/chromium';
  if (existsSync(path)) return path;
  const reason = `chromium not found at ${path}: ${HOW_TO_GET}`;
  if (process.env.CENTRIFUGO_TS_REQUIRE_TOOLS === '1') throw new Error(reason);
  console.log(`skipping: ${reason}`);
  t.skip(reason);
  return undefined;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(
  executablePath: string,
  viewport = { width: 1280, height: 860 },
): Promise<Browser> {
  // The fresh --user-data-dir: playwright refuses it in args and takes it here instead.
  const profile = await mkdtemp(join(tmpdir(), 'centrifugo-ts-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 30_000,
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}
