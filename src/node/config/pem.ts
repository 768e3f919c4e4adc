// PEM values in the config follow Centrifugo v6's PEMData: raw PEM, else base64 of PEM,
// else a path to a PEM file. Shared by every TLS setting (gRPC server, NATS client).
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from './errors.ts';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The PEM bytes a config value stands for; the error names the key and what was tried. */
export function loadPem(value: string, key: string): Buffer {
  if (PEM_BLOCK.test(value)) return Buffer.from(value, 'utf8');
  const compact = value.replace(/\s+/g, '');
  if (compact.length > 0 && BASE64.test(compact)) {
    const decoded = Buffer.from(compact, 'base64').toString('utf8');
    if (PEM_BLOCK.test(decoded)) return Buffer.from(decoded, 'utf8');
  }
  if (value !== '' && existsSync(value)) {
    const content = readFileSync(value);
    if (!PEM_BLOCK.test(content.toString('utf8'))) {
      throw new ConfigError(`${key}: file "${value}" holds no PEM block`, key);
    }
    return content;
  }
  throw new ConfigError(
    `${key}: not PEM, not base64 of PEM, and not the path of an existing file`,
    key,
  );
}
