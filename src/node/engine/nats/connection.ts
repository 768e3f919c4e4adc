// Connects to NATS with engine.nats settings: any of the listed servers, one auth method,
// TLS. Reconnects forever once connected: an outage must not end the node.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions as NodeTlsOptions } from 'node:tls';
import {
  credsAuthenticator,
  type NatsConnection,
  nkeyAuthenticator,
  type TlsOptions,
} from '@nats-io/nats-core';
import { connect, type NodeConnectionOptions } from '@nats-io/transport-node';
import { type Config, durationMs, loadPem } from '../../config/index.ts';

export type NatsSettings = Config['engine']['nats'];

export function connectionOptions(s: NatsSettings, name: string): NodeConnectionOptions {
  const options: NodeConnectionOptions = {
    servers: s.urls,
    name,
    timeout: durationMs(s.connect_timeout),
    maxReconnectAttempts: -1,
    // Between tries of one server. A node whose server left (a rolling restart) waits this
    // long before it is on another (bench/results/2026-12-01-nats-leader-loss.md: 500 ms
    // kept publishing down 0.5 s after each graceful NATS restart); during a total outage
    // it is 4 connection attempts a second per server.
    reconnectTimeWait: 250,
    pingInterval: 5_000,
    maxPingOut: 2,
    // Each request would otherwise capture a stack trace up front, for errors nobody reads:
    // failures are reported by the engine's gate (nats-gate.ts), without traces.
    noAsyncTraces: true,
  };
  if (s.token !== '') options.token = s.token;
  if (s.user !== '') {
    options.user = s.user;
    options.pass = s.password;
  }
  if (s.creds_file !== '') {
    options.authenticator = credsAuthenticator(readFileSync(s.creds_file));
  } else if (s.nkey_seed_file !== '') {
    const seed = readFileSync(s.nkey_seed_file, 'utf8').trim();
    options.authenticator = nkeyAuthenticator(new TextEncoder().encode(seed));
  }
  if (s.tls.enabled) {
    // servername and rejectUnauthorized are node:tls options, not in nats.js's TlsOptions
    // type: its Node transport hands every field of options.tls to tls.connect (it extends
    // its own defaults with them, node_transport.js). test/nats/connection-tls.test.ts, against a
    // TLS nats-server, fails if that stops.
    const tls: TlsOptions & Pick<NodeTlsOptions, 'servername' | 'rejectUnauthorized'> = {
      ...(s.tls.server_ca_pem !== ''
        ? { ca: loadPem(s.tls.server_ca_pem, 'engine.nats.tls.server_ca_pem').toString() }
        : {}),
      ...(s.tls.cert_pem !== ''
        ? {
            cert: loadPem(s.tls.cert_pem, 'engine.nats.tls.cert_pem').toString(),
            key: loadPem(s.tls.key_pem, 'engine.nats.tls.key_pem').toString(),
          }
        : {}),
    };
    // As Go's tls.Config in Centrifugo (configtypes/tls.go makeTLSConfig): ServerName is the
    // name sent (SNI) and the one the certificate must carry, instead of the URL's host;
    // InsecureSkipVerify accepts any certificate, chain and name unchecked.
    if (s.tls.server_name !== '') tls.servername = s.tls.server_name;
    if (s.tls.insecure_skip_verify) tls.rejectUnauthorized = false;
    options.tls = tls;
  }
  return options;
}

export async function connectNats(s: NatsSettings, name: string): Promise<NatsConnection> {
  try {
    return await connect(connectionOptions(s, name));
  } catch (err) {
    throw new Error(
      `cannot connect to NATS at ${s.urls.join(', ')}: ${(err as Error).message} (check engine.nats.urls and credentials)`,
      { cause: err },
    );
  }
}
