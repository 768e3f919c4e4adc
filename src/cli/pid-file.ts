// `pid_file`: the node's process ID and a newline, mode 0600, written before the node starts
// and removed when it stops (also when the shutdown times out), as Centrifugo does. A file
// that cannot be written stops startup.
import { rmSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../node/config/index.ts';

export interface PidFile {
  remove(): void;
}

export function writePidFile(path: string): PidFile {
  if (path === '') return { remove: () => {} };
  try {
    writeFileSync(path, `${process.pid}\n`, { mode: 0o600 });
  } catch (err) {
    throw new ConfigError(`pid_file: cannot write ${path}: ${(err as Error).message}`, 'pid_file', {
      cause: err,
    });
  }
  return { remove: () => rmSync(path, { force: true }) };
}
