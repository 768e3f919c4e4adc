// A TLS section of the config (Centrifugo v6's TLSConfig: grpc_api.tls, http_server.tls,
// http_server.internal_tls) into node's TLS server options, for every listener that serves
// TLS. PEM values follow Centrifugo's PEMData (config/pem.ts). A client_ca_pem turns on
// mutual TLS: client certificates are required and verified, as Go's
// RequireAndVerifyClientCert does; TLS 1.2 at least, as Centrifugo's MinVersion.
import { createSecureContext, type TlsOptions } from 'node:tls';
import { type Config, ConfigError, loadPem } from '../config/index.ts';

export type TlsSection = Config['grpc_api']['tls'];

/** undefined when the section is off; `alpn` lists what the listener speaks over TLS. */
export function tlsServerOptions(
  tls: TlsSection,
  section: string,
  alpn: string[],
): TlsOptions | undefined {
  if (!tls.enabled) return undefined;
  if (tls.cert_pem === '' || tls.key_pem === '') {
    throw new ConfigError(
      `${section}.enabled needs ${section}.cert_pem and ${section}.key_pem`,
      `${section}.enabled`,
    );
  }
  const cert = loadPem(tls.cert_pem, `${section}.cert_pem`);
  const key = loadPem(tls.key_pem, `${section}.key_pem`);
  const ca =
    tls.client_ca_pem === '' ? undefined : loadPem(tls.client_ca_pem, `${section}.client_ca_pem`);
  const options: TlsOptions = {
    cert,
    key,
    ...(ca ? { ca, requestCert: true, rejectUnauthorized: true } : {}),
    ALPNProtocols: alpn,
    minVersion: 'TLSv1.2',
  };
  try {
    // A key that does not match its certificate, or PEM that is not what it says, fails
    // here, at startup, naming the section, rather than at the first handshake.
    createSecureContext(options);
  } catch (err) {
    throw new ConfigError(`${section}: ${(err as Error).message}`, section, { cause: err });
  }
  return options;
}
