// Where genconfig and defaultconfig write: a new file (never overwritten), readable by its
// owner only, in the format of its extension, with Centrifugo's wording for each refusal.
import { existsSync, writeFileSync } from 'node:fs';
import { CONFIG_EXTENSIONS } from '../node/config/index.ts';
import { UsageError } from './args.ts';

export function unsupportedOutput(): UsageError {
  return new UsageError(
    `output config file must have one of supported extensions: ${CONFIG_EXTENSIONS.join(', ')}`,
  );
}

export function refuseExisting(path: string): void {
  if (existsSync(path)) {
    throw new UsageError(`${path} already exists: remove it or pass another path with -c`);
  }
}

/** Writes `body` to a path that must not exist yet, mode 0600. */
export function writeNewFile(path: string, body: string): void {
  try {
    writeFileSync(path, body, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new UsageError(`${path} already exists: remove it or pass another path with -c`);
    }
    throw err;
  }
}
