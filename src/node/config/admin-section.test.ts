import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig, validateConfig } from './index.ts';

describe('config: admin (Centrifugo v6 keys)', () => {
  it('defaults to off, at the root prefix, on the internal port', () => {
    assert.deepEqual(validateConfig({}).admin, {
      enabled: false,
      handler_prefix: '',
      password: '',
      secret: '',
      insecure: false,
      external: false,
      web_path: '',
      web_proxy_address: '',
    });
  });

  it('takes every key from the file, CENTRIFUGO_ADMIN_* and --admin.* flags', () => {
    const { config } = loadConfig({
      env: { CENTRIFUGO_ADMIN_PASSWORD: 'pw', CENTRIFUGO_ADMIN_SECRET: 'sec' },
      flags: { 'admin.enabled': true, 'admin.handler_prefix': '/admin-ui', 'admin.external': true },
    });
    assert.equal(config.admin.enabled, true);
    assert.equal(config.admin.password, 'pw');
    assert.equal(config.admin.secret, 'sec');
    assert.equal(config.admin.handler_prefix, '/admin-ui');
    assert.equal(config.admin.external, true);
  });

  it('refuses web_proxy_address by name, a prefix without a slash, and unknown keys', () => {
    assert.throws(
      () => validateConfig({ admin: { web_proxy_address: 'http://localhost:3000' } }),
      /not supported yet: admin\.web_proxy_address/,
    );
    assert.throws(
      () => validateConfig({ admin: { handler_prefix: 'admin' } }),
      /admin\.handler_prefix" must be empty or start with "\/"/,
    );
    assert.throws(() => validateConfig({ admin: { pasword: 'x' } }), /admin\.pasword/);
  });
});
