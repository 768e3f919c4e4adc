import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KubeConfigError } from './errors.ts';
import { fromKubeconfigFile, loadClusterAccess } from './kubeconfig.ts';

const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));

function kubeconfig(name: string, user: Record<string, unknown>, cluster: Record<string, unknown>) {
  const path = join(dir, name);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'ctx',
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'team' } }],
      clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:6443/', ...cluster } }],
      users: [{ name: 'u', user }],
    }),
  );
  return path;
}

test('token, inline CA data, context namespace', async () => {
  const ca = Buffer.from('-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
  const access = fromKubeconfigFile(
    kubeconfig('token', { token: 'abc' }, { 'certificate-authority-data': ca.toString('base64') }),
  );
  assert.equal(access.server, 'https://10.0.0.1:6443');
  assert.equal(await access.authorization(), 'Bearer abc');
  assert.deepEqual(access.ca, ca);
  assert.equal(access.namespace, 'team');
  assert.equal(access.insecureSkipTlsVerify, false);
});

test('files relative to the kubeconfig: CA, client certificate and key, token file', async () => {
  writeFileSync(join(dir, 'ca.crt'), 'CA');
  writeFileSync(join(dir, 'client.crt'), 'CERT');
  writeFileSync(join(dir, 'client.key'), 'KEY');
  writeFileSync(join(dir, 'token.txt'), 'from-file\n');
  const certs = fromKubeconfigFile(
    kubeconfig(
      'certs',
      { 'client-certificate': 'client.crt', 'client-key': 'client.key' },
      { 'certificate-authority': 'ca.crt', 'insecure-skip-tls-verify': true },
    ),
  );
  assert.equal(certs.ca?.toString(), 'CA');
  assert.equal(certs.cert?.toString(), 'CERT');
  assert.equal(certs.key?.toString(), 'KEY');
  assert.equal(certs.insecureSkipTlsVerify, true);
  assert.equal(await certs.authorization(), undefined);
  const file = fromKubeconfigFile(kubeconfig('tokenfile', { tokenFile: 'token.txt' }, {}));
  assert.equal(await file.authorization(), 'Bearer from-file');
});

test('an exec plugin token (ExecCredential), cached until it expires', async () => {
  const script = join(dir, 'plugin.sh');
  const counter = join(dir, 'count');
  writeFileSync(
    script,
    `#!/bin/sh\necho x >> ${counter}\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-'"$EXTRA"'"}}'\n`,
  );
  chmodSync(script, 0o755);
  const access = fromKubeconfigFile(
    kubeconfig(
      'exec',
      { exec: { command: './plugin.sh', env: [{ name: 'EXTRA', value: 'tok' }] } },
      {},
    ),
  );
  assert.equal(await access.authorization(), 'Bearer exec-tok');
  assert.equal(await access.authorization(), 'Bearer exec-tok');
  const { readFileSync } = await import('node:fs');
  assert.equal(readFileSync(counter, 'utf8').trim().split('\n').length, 1, 'ran once');
});

test('order: --kubeconfig, $KUBECONFIG, in-cluster service account', async () => {
  const explicit = kubeconfig('explicit', { token: 'explicit' }, {});
  const fromEnv = kubeconfig('env', { token: 'env' }, {});
  const sa = join(dir, 'sa');
  mkdirSync(sa);
  writeFileSync(join(sa, 'token'), 'sa-token');
  writeFileSync(join(sa, 'ca.crt'), 'SA-CA');
  writeFileSync(join(sa, 'namespace'), 'operators\n');
  const inCluster = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
  const a = loadClusterAccess({
    kubeconfig: explicit,
    env: { KUBECONFIG: fromEnv, ...inCluster },
    serviceAccountDir: sa,
  });
  assert.equal(await a.authorization(), 'Bearer explicit');
  const b = loadClusterAccess({
    env: { KUBECONFIG: `/nonexistent:${fromEnv}`, ...inCluster },
    serviceAccountDir: sa,
  });
  assert.equal(await b.authorization(), 'Bearer env');
  const c = loadClusterAccess({ env: inCluster, serviceAccountDir: sa });
  assert.equal(c.server, 'https://10.96.0.1:443');
  assert.equal(await c.authorization(), 'Bearer sa-token');
  assert.equal(c.ca?.toString(), 'SA-CA');
  assert.equal(c.namespace, 'operators');
});

test('a broken kubeconfig names the problem', () => {
  const path = join(dir, 'broken');
  writeFileSync(path, JSON.stringify({ 'current-context': 'nope', contexts: [] }));
  assert.throws(
    () => fromKubeconfigFile(path),
    (err: unknown) => {
      return err instanceof KubeConfigError && /context "nope" not found/.test(err.message);
    },
  );
});
