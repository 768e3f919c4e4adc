import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadPem } from './pem.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END CERTIFICATE-----\n';

describe('PEM options', () => {
  it('reads raw PEM, base64 of PEM, and a PEM file path, in that order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pem-'));
    try {
      const path = join(dir, 'cert.pem');
      writeFileSync(path, PEM);
      for (const value of [PEM, Buffer.from(PEM).toString('base64'), path]) {
        assert.equal(loadPem(value, 'k').toString(), PEM);
      }
      writeFileSync(join(dir, 'junk'), 'not pem');
      assert.throws(() => loadPem(join(dir, 'junk'), 'x.cert_pem'), /x\.cert_pem: file .* no PEM/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a value that is none of them, naming the key', () => {
    for (const value of ['', 'nope', Buffer.from('plain').toString('base64'), '/no/such/file']) {
      assert.throws(
        () => loadPem(value, 'grpc_api.tls.key_pem'),
        /grpc_api\.tls\.key_pem: not PEM/,
      );
    }
  });
});
