// grpc_api.tls into TLS server options. PEM values follow Centrifugo v6's
// PEMData: raw PEM, else base64 of PEM, else a path to a PEM file. A client_ca_pem turns on
// mutual TLS (client certificates required and verified), as Go's RequireAndVerifyClientCert
// does there.
import { createSecureContext, type TlsOptions } from 'node:tls';
import { type Config, ConfigError, loadPem } from '../../config/index.ts';

type TlsConfig = Config['grpc_api']['tls'];

/** undefined when TLS is off (plaintext HTTP/2). */
export function secureServerOptions(tls: TlsConfig, section: string): TlsOptions | undefined {
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
    // gRPC is HTTP/2 only; TLS 1.2 at least, as grpc-go.
    ALPNProtocols: ['h2'],
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
