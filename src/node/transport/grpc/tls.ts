// grpc_api.tls into TLS server options (transport/tls-options.ts): gRPC is HTTP/2 only.
import type { TlsOptions } from 'node:tls';
import { type TlsSection, tlsServerOptions } from '../tls-options.ts';

/** undefined when TLS is off (plaintext HTTP/2). */
export function secureServerOptions(tls: TlsSection, section: string): TlsOptions | undefined {
  return tlsServerOptions(tls, section, ['h2']);
}
