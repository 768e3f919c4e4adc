// `genconfig`: a minimal config with fresh random secrets, as Centrifugo's genconfig
// writes, in JSON, TOML or YAML by the extension. Refuses to overwrite (output-file.ts).
import { randomBytes } from 'node:crypto';
import { configText, formatOf } from '../node/config/index.ts';
import { refuseExisting, unsupportedOutput, writeNewFile } from './output-file.ts';

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
  // As Centrifugo: an existing file is refused before the extension is looked at.
  refuseExisting(path);
  const format = formatOf(path);
  if (format === undefined) throw unsupportedOutput();
  writeNewFile(path, configText(generatedConfig(), format));
}
