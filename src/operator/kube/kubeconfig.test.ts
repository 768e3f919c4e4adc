// Loading credentials without a server: what each source gives a request. The same kinds
// against a real API server (token file rotation, client certificates, an exec plugin, a
// proxy, tls-server-name) are in test/operator/credentials.test.ts.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KubeConfigError } from './errors.ts';
import { fromKubeconfigFiles, loadClusterAccess } from './kubeconfig.ts';

const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfig(
  name: string,
  user: Record<string, unknown>,
  cluster: Record<string, unknown> = {},
  names = { context: 'ctx', cluster: 'c', user: 'u' },
) {
  const path = join(dir, name);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': names.context,
      contexts: [
        {
          name: names.context,
          context: { cluster: names.cluster, user: names.user, namespace: 'team' },
        },
      ],
      clusters: [
        { name: names.cluster, cluster: { server: 'https://10.0.0.1:6443/', ...cluster } },
      ],
      users: [{ name: names.user, user }],
    }),
  );
  return path;
}

test('token, inline CA data, context namespace', async () => {
  const ca = Buffer.from('-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
  const access = fromKubeconfigFiles([
    kubeconfig('token', { token: 'abc' }, { 'certificate-authority-data': ca.toString('base64') }),
  ]);
  assert.equal(access.server, 'https://10.0.0.1:6443');
  const creds = await access.credentials();
  assert.equal(creds.headers.Authorization, 'Bearer abc');
  assert.deepEqual(creds.ca, ca);
  assert.equal(creds.rejectUnauthorized, undefined, 'verified unless told otherwise');
  assert.equal(creds.agent, undefined, 'no proxy: the client uses its own agent');
  assert.equal(access.namespace, 'team');
});

test('files relative to the kubeconfig: CA, client certificate and key, tokenFile', async () => {
  writeFileSync(join(dir, 'ca.crt'), 'CA');
  writeFileSync(join(dir, 'client.crt'), 'CERT');
  writeFileSync(join(dir, 'client.key'), 'KEY');
  writeFileSync(join(dir, 'token.txt'), 'from-file\n');
  const certs = await fromKubeconfigFiles([
    kubeconfig(
      'certs',
      { 'client-certificate': 'client.crt', 'client-key': 'client.key' },
      { 'certificate-authority': 'ca.crt', 'insecure-skip-tls-verify': true },
    ),
  ]).credentials();
  assert.equal(certs.ca?.toString(), 'CA');
  assert.equal(certs.cert?.toString(), 'CERT');
  assert.equal(certs.key?.toString(), 'KEY');
  assert.equal(certs.rejectUnauthorized, false);
  assert.equal(certs.headers.Authorization, undefined);
  const file = fromKubeconfigFiles([kubeconfig('tokenfile', { tokenFile: 'token.txt' })]);
  assert.equal((await file.credentials()).headers.Authorization, 'Bearer from-file');
});

test('tls-server-name, impersonation and basic auth reach the request', async () => {
  const creds = await fromKubeconfigFiles([
    kubeconfig(
      'misc',
      { username: 'ann', password: 'pw', as: 'bob' },
      { 'tls-server-name': 'k8s' },
    ),
  ]).credentials();
  assert.equal(creds.servername, 'k8s');
  assert.equal(creds.auth, 'ann:pw');
  assert.equal(creds.headers['Impersonate-User'], 'bob');
});

test('an exec plugin: relative command, KUBERNETES_EXEC_INFO with the cluster', async () => {
  const script = join(dir, 'plugin.sh');
  const info = join(dir, 'exec-info.json');
  const counter = join(dir, 'count');
  writeFileSync(
    script,
    `#!/bin/sh\necho x >> ${counter}\nprintf '%s' "$KUBERNETES_EXEC_INFO" > ${info}\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-'"$EXTRA"'"}}'\n`,
  );
  chmodSync(script, 0o755);
  const access = fromKubeconfigFiles([
    kubeconfig('exec', {
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: './plugin.sh',
        env: [{ name: 'EXTRA', value: 'tok' }],
        interactiveMode: 'Never',
        provideClusterInfo: true,
      },
    }),
  ]);
  assert.equal((await access.credentials()).headers.Authorization, 'Bearer exec-tok');
  assert.equal((await access.credentials()).headers.Authorization, 'Bearer exec-tok');
  assert.equal(readFileSync(counter, 'utf8').trim().split('\n').length, 1, 'cached: ran once');
  assert.deepEqual(JSON.parse(readFileSync(info, 'utf8')), {
    apiVersion: 'client.authentication.k8s.io/v1',
    kind: 'ExecCredential',
    spec: { interactive: false, cluster: { server: 'https://10.0.0.1:6443' } },
  });
  assert.equal(access.reload(), true, 'a 401 reloads');
  assert.equal(access.reload(), false, 'not twice in a row');
  await access.credentials();
  assert.equal(readFileSync(counter, 'utf8').trim().split('\n').length, 2, 'ran again');
});

test('$KUBECONFIG list: missing files skipped, the first definition of a name wins', async () => {
  const first = kubeconfig('first', { token: 'first' }, { server: 'https://first:6443' });
  const second = kubeconfig(
    'second',
    { token: 'second' },
    { server: 'https://second:6443' },
    { context: 'other', cluster: 'c', user: 'u2' },
  );
  const access = loadClusterAccess({ env: { KUBECONFIG: `/nonexistent:${first}:${second}` } });
  assert.equal(access.server, 'https://first:6443', 'cluster c of the first file');
  assert.equal((await access.credentials()).headers.Authorization, 'Bearer first');
  const swapped = loadClusterAccess({ env: { KUBECONFIG: `${second}:${first}` } });
  assert.equal(swapped.server, 'https://second:6443', 'current-context of the first file');
  assert.equal((await swapped.credentials()).headers.Authorization, 'Bearer second');
});

test('order: --kubeconfig, $KUBECONFIG, in-cluster service account', async () => {
  const explicit = kubeconfig('explicit', { token: 'explicit' });
  const fromEnv = kubeconfig('env', { token: 'env' });
  const root = join(dir, 'root');
  const sa = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
  mkdirSync(sa, { recursive: true });
  writeFileSync(join(sa, 'token'), 'sa-token');
  writeFileSync(join(sa, 'ca.crt'), 'SA-CA');
  writeFileSync(join(sa, 'namespace'), 'operators\n');
  const inCluster = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
  const a = loadClusterAccess({
    kubeconfig: explicit,
    env: { KUBECONFIG: fromEnv, ...inCluster },
    serviceAccountRoot: root,
  });
  assert.equal((await a.credentials()).headers.Authorization, 'Bearer explicit');
  const b = loadClusterAccess({
    env: { KUBECONFIG: fromEnv, ...inCluster },
    serviceAccountRoot: root,
  });
  assert.equal((await b.credentials()).headers.Authorization, 'Bearer env');
  const c = loadClusterAccess({ env: inCluster, serviceAccountRoot: root });
  assert.equal(c.server, 'https://10.96.0.1:443');
  const creds = await c.credentials();
  assert.equal(creds.headers.Authorization, 'Bearer sa-token');
  assert.equal(creds.ca?.toString(), 'SA-CA');
  assert.equal(c.namespace, 'operators');
  const v6 = loadClusterAccess({
    env: { KUBERNETES_SERVICE_HOST: 'fd00::1' },
    serviceAccountRoot: root,
  });
  assert.equal(v6.server, 'https://[fd00::1]:443', 'no port: 443');
});

test('a plain http:// server (kubectl proxy) works without TLS settings', async () => {
  const access = fromKubeconfigFiles([
    kubeconfig('proxy', { token: 't' }, { server: 'http://127.0.0.1:8001' }),
  ]);
  assert.equal((await access.credentials()).headers.Authorization, 'Bearer t');
});

test('a broken kubeconfig names the problem', () => {
  const path = join(dir, 'broken');
  writeFileSync(path, JSON.stringify({ 'current-context': 'nope', contexts: [] }));
  assert.throws(
    () => fromKubeconfigFiles([path]),
    (err: unknown) =>
      err instanceof KubeConfigError && /context "nope" not found/.test(err.message),
  );
  const noUser = kubeconfig('nouser', {}, {}, { context: 'ctx', cluster: 'c', user: 'ghost' });
  writeFileSync(noUser, readFileSync(noUser, 'utf8').replace('"name":"ghost"', '"name":"x"'));
  assert.throws(
    () => fromKubeconfigFiles([noUser]),
    (err: unknown) => err instanceof KubeConfigError && /user "ghost" not found/.test(err.message),
  );
});
