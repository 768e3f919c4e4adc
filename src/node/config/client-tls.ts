// A TLS client's `tls` section (a consumer's, a proxy's) as Node's TLS client options: the
// same PEM forms as every TLS setting of the config (raw PEM, base64 of PEM, or a file path).
import type { ConnectionOptions } from 'node:tls';
import type { ClientTlsConfig } from './consumers-schema.ts';
import { loadPem } from './pem.ts';

/** Options for tls.connect, or undefined when TLS is off; `key` names the section in errors. */
export function clientTlsOptions(tls: ClientTlsConfig, key: string): ConnectionOptions | undefined {
  if (!tls.enabled) return undefined;
  const out: ConnectionOptions = { rejectUnauthorized: !tls.insecure_skip_verify };
  if (tls.server_ca_pem !== '') out.ca = loadPem(tls.server_ca_pem, `${key}.server_ca_pem`);
  if (tls.cert_pem !== '') {
    out.cert = loadPem(tls.cert_pem, `${key}.cert_pem`);
    out.key = loadPem(tls.key_pem, `${key}.key_pem`);
  }
  if (tls.server_name !== '') out.servername = tls.server_name;
  return out;
}
