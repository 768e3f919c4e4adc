// `genconfig`: a minimal config with fresh random secrets, as Centrifugo's genconfig
// writes. Refuses to overwrite, and the file is readable by its owner only.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { UsageError } from './args.ts';

const secret = () => randomBytes(32).toString('base64url');

export function generatedConfig(): Record<string, unknown> {
  return {
    client: {
      token: { hmac_secret_key: secret() },
      allowed_origins: [],
    },
    // As Centrifugo's genconfig: the admin UI off, its password and token secret ready.
    admin: { enabled: false, password: randomBytes(16).toString('base64url'), secret: secret() },
    http_api: { key: secret() },
  };
}

export function writeGeneratedConfig(path: string): void {
  const config = generatedConfig();
  const ext = extname(path).toLowerCase();
  const body =
    ext === '.yaml' || ext === '.yml' ? toYaml(config) : `${JSON.stringify(config, null, 2)}\n`;
  try {
    writeFileSync(path, body, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new UsageError(`${path} already exists: remove it or pass another path with -c`);
    }
    throw err;
  }
}
