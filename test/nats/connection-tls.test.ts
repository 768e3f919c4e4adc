// engine.nats.tls against a real nats-server that requires TLS, with certificates made here:
// one signed by a test CA for the name nats.test.internal only (no IP address, so
// 127.0.0.1 in the URL is not the name checked), and one self-signed that no CA vouches for.
// server_name and insecure_skip_verify must do what Go's tls.Config ServerName and
// InsecureSkipVerify do in Centrifugo.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { validateConfig } from '../../src/node/config/index.ts';
import { connectNats } from '../../src/node/engine/nats/connection.ts';
import { findTool } from '../tools.ts';
import { findNatsServer, type NatsServer, startNatsServer } from './harness.ts';

const NAME = 'nats.test.internal';

describe('TLS to NATS: server_name and insecure_skip_verify', () => {
  let dir = '';
  const file = (name: string) => join(dir, name);
  let trusted: NatsServer | undefined;
  let untrusted: NatsServer | undefined;

  /** The two servers, started by the first test that runs; false (test skipped) without tools. */
  async function servers(t: TestContext): Promise<boolean> {
    if (!findTool(t, 'openssl', 'install openssl (apt-get install openssl)')) return false;
    if (!findNatsServer(t)) return false;
    if (trusted) return true;
    dir = mkdtempSync(join(tmpdir(), 'nats-tls-'));
    const openssl = (args: string) =>
      execFileSync('openssl', args.split(' '), { cwd: dir, stdio: 'pipe' });
    const ec = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';
    writeFileSync(file('san.ext'), `subjectAltName=DNS:${NAME}\n`);
    openssl(`req -x509 ${ec} -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca`);
    openssl(`req ${ec} -keyout server.key -out server.csr -subj /CN=${NAME}`);
    openssl(
      'x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile san.ext',
    );
    openssl(
      `req -x509 ${ec} -keyout self.key -out self.pem -days 2 -subj /CN=${NAME} -addext subjectAltName=DNS:${NAME}`,
    );
    const tlsBlock = (cert: string, key: string) =>
      `tls {\n  cert_file: "${file(cert)}"\n  key_file: "${file(key)}"\n}`;
    trusted = await startNatsServer({
      name: 'tls-trusted',
      config: tlsBlock('server.pem', 'server.key'),
    });
    untrusted = await startNatsServer({
      name: 'tls-self',
      config: tlsBlock('self.pem', 'self.key'),
    });
    return true;
  }
  after(async () => {
    await trusted?.stop();
    await untrusted?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const settings = (server: NatsServer | undefined, tls: Record<string, unknown>) =>
    validateConfig({
      engine: {
        type: 'nats',
        nats: { urls: [server?.url ?? ''], connect_timeout: '3s', tls: { enabled: true, ...tls } },
      },
    }).engine.nats;

  /** Connects, checks a round trip over TLS, closes. */
  async function connects(server: NatsServer | undefined, tls: Record<string, unknown>) {
    const nc = await connectNats(settings(server, tls), 'tls-test');
    try {
      assert.equal(nc.info?.tls_required, true, 'the server requires TLS');
      assert.ok((await nc.rtt()) >= 0);
    } finally {
      await nc.close();
    }
  }

  it('verifies the name in the URL without server_name: 127.0.0.1 is not in the certificate', async (t) => {
    if (!(await servers(t))) return;
    await assert.rejects(
      connectNats(settings(trusted, { server_ca_pem: file('ca.pem') }), 'tls-test'),
      /does not match certificate's altnames|altnames/,
    );
  });

  it('verifies against server_name, and refuses another name', async (t) => {
    if (!(await servers(t))) return;
    await connects(trusted, { server_ca_pem: file('ca.pem'), server_name: NAME });
    await assert.rejects(
      connectNats(
        settings(trusted, { server_ca_pem: file('ca.pem'), server_name: 'other.test.internal' }),
        'tls-test',
      ),
      /altnames/,
    );
  });

  it('refuses a certificate no trusted CA signed unless insecure_skip_verify', async (t) => {
    if (!(await servers(t))) return;
    await assert.rejects(
      connectNats(
        settings(untrusted, { server_ca_pem: file('ca.pem'), server_name: NAME }),
        'tls-test',
      ),
      /self[- ]signed|unable to verify|unknown ca/i,
    );
    await connects(untrusted, { insecure_skip_verify: true });
    await connects(untrusted, { server_ca_pem: file('ca.pem'), insecure_skip_verify: true });
    // As Go's InsecureSkipVerify: the name goes unchecked too.
    await connects(trusted, { server_ca_pem: file('ca.pem'), insecure_skip_verify: true });
  });
});
