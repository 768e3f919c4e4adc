// A throwaway CA with a server certificate (for 127.0.0.1 and localhost) and a client
// certificate it signed, made with openssl for tests of TLS and mutual TLS listeners.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { findTool } from './tools.ts';

export interface TestCerts {
  dir: string;
  /** Path of a file in the directory: ca.pem, server.pem, server.key, client.pem, client.key. */
  file(name: string): string;
  read(name: string): Buffer;
  remove(): void;
}

/** undefined (the test skipped with the reason, or failed under CI) without openssl. */
export function makeTestCerts(t: TestContext): TestCerts | undefined {
  if (!findTool(t, 'openssl', 'install openssl (apt-get install openssl)')) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'test-certs-'));
  const file = (name: string) => join(dir, name);
  const openssl = (args: string) =>
    execFileSync('openssl', args.split(' '), { cwd: dir, stdio: 'pipe' });
  const ec = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';
  openssl(`req -x509 ${ec} -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca`);
  writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  for (const who of ['server', 'client']) {
    openssl(`req ${ec} -keyout ${who}.key -out ${who}.csr -subj /CN=${who}`);
    openssl(
      `x509 -req -in ${who}.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out ${who}.pem -days 2 -extfile san.ext`,
    );
  }
  return {
    dir,
    file,
    read: (name) => readFileSync(file(name)),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
