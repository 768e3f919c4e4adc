// grpc_api.tls into grpc-js server credentials. PEM values follow Centrifugo v6's PEMData:
// raw PEM, else base64 of PEM, else a path to a PEM file. A client_ca_pem turns on mutual TLS
// (client certificates required and verified), as Go's RequireAndVerifyClientCert does there.
import { ServerCredentials } from '@grpc/grpc-js';
import { type Config, ConfigError, loadPem } from '../../config/index.ts';

type TlsConfig = Config['grpc_api']['tls'];

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
