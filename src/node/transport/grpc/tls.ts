// grpc_api.tls into grpc-js server credentials. PEM values follow Centrifugo v6's PEMData:
// raw PEM, else base64 of PEM, else a path to a PEM file. A client_ca_pem turns on mutual TLS
// (client certificates required and verified), as Go's RequireAndVerifyClientCert does there.
import { existsSync, readFileSync } from 'node:fs';
import { ServerCredentials } from '@grpc/grpc-js';
import { type Config, ConfigError } from '../../config/index.ts';

type TlsConfig = Config['grpc_api']['tls'];

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

export function serverCredentials(tls: TlsConfig, section: string): ServerCredentials {
  if (!tls.enabled) return ServerCredentials.createInsecure();
  if (tls.cert_pem === '' || tls.key_pem === '') {
    throw new ConfigError(
      `${section}.enabled needs ${section}.cert_pem and ${section}.key_pem`,
      `${section}.enabled`,
    );
  }
  const cert = loadPem(tls.cert_pem, `${section}.cert_pem`);
  const key = loadPem(tls.key_pem, `${section}.key_pem`);
  const clientCa =
    tls.client_ca_pem === '' ? null : loadPem(tls.client_ca_pem, `${section}.client_ca_pem`);
  try {
    return ServerCredentials.createSsl(
      clientCa,
      [{ cert_chain: cert, private_key: key }],
      clientCa !== null,
    );
  } catch (err) {
    throw new ConfigError(`${section}: ${(err as Error).message}`, section, { cause: err });
  }
}
