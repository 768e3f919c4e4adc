// Each kind of credential the operator can be given, against a real kube-apiserver: a service
// account token file that rotates (in cluster, and as a kubeconfig tokenFile), client
// certificates that rotate, exec plugins (a token, a client certificate, a first credential
// the server refuses), tls-server-name, and a proxy-url. Who the server took the client for
// comes from a SelfSubjectReview, which any authenticated user may make.
import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KubeClient } from '../../src/operator/kube/client.ts';
import { KubeApiError } from '../../src/operator/kube/errors.ts';
import {
  type ClusterAccess,
  fromKubeconfigFiles,
  loadClusterAccess,
} from '../../src/operator/kube/kubeconfig.ts';
import { type ApiServer, findK8sAssets, startApiServer } from '../k8s/harness.ts';
import { waitFor } from './support.ts';

const T = { timeout: 60_000 };

async function whoami(access: ClusterAccess): Promise<string> {
  const client = new KubeClient(access);
  try {
    const review = await client.request<{ status: { userInfo: { username: string } } }>(
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } },
    );
    return review.status.userInfo.username;
  } finally {
    client.close();
  }
}

/** The HTTP status the server gives a bearer token (401 once it is no longer valid). */
function statusWithToken(api: ApiServer, token: string, ca: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${api.url}/api/v1/namespaces/default`,
      { ca, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function kubeconfig(
  server: string,
  user: Record<string, unknown>,
  cluster: Record<string, unknown>,
): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'test',
    contexts: [{ name: 'test', context: { cluster: 'c', user: 'u' } }],
    clusters: [{ name: 'c', cluster: { server, ...cluster } }],
    users: [{ name: 'u', user }],
  });
}

test('credentials through KubeConfig, against a real API server', {
  timeout: 300_000,
}, async (t) => {
  const assets = findK8sAssets(t);
  if (!assets) return;
  const api = await startApiServer({
    assets,
    t,
    users: [{ name: 'exec-user' }],
    clientCertificates: true,
  });
  const dir = await mkdtemp(join(tmpdir(), 'centrifugo-ts-creds-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const ca = await readFile(api.caPath);
  const port = new URL(api.url).port;
  const write = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text, { mode: 0o600 });
    return path;
  };

  await t.test(
    'a service account token file that rotates: in cluster and as tokenFile',
    T,
    async () => {
      const ns = 'creds';
      await api.createNamespace(ns);
      const sa = async () => {
        const res = await api.request('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: 'op' },
        });
        assert.equal(res.status, 201, res.body);
      };
      const tokenRequest = async () => {
        const res = await api.request('POST', `/api/v1/namespaces/${ns}/serviceaccounts/op/token`, {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: { expirationSeconds: 3600 },
        });
        assert.equal(res.status, 201, res.body);
        return res.json<{ status: { token: string } }>().status.token;
      };
      await sa();
      const first = await tokenRequest();
      // The pod's files, as the kubelet projects them, under a root of the test's own.
      const root = join(dir, 'pod');
      const saDir = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
      await mkdir(saDir, { recursive: true });
      await writeFile(join(saDir, 'token'), first);
      await writeFile(join(saDir, 'ca.crt'), ca);
      await writeFile(join(saDir, 'namespace'), ns);
      const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port };
      const inCluster = loadClusterAccess({ env, serviceAccountRoot: root });
      assert.equal(inCluster.namespace, ns);
      await write('token', `${first}\n`);
      const tokenFile = fromKubeconfigFiles([
        await write(
          'kubeconfig-tokenfile',
          kubeconfig(api.url, { tokenFile: 'token' }, { 'certificate-authority': api.caPath }),
        ),
      ]);
      const withoutReload = loadClusterAccess({ env, serviceAccountRoot: root });
      const frozen: ClusterAccess = { ...withoutReload, reload: () => false };
      for (const access of [inCluster, tokenFile, frozen]) {
        assert.equal(await whoami(access), `system:serviceaccount:${ns}:op`);
      }

      // Rotation: the account is recreated (new uid), so the token read so far is refused;
      // the files get a new one. The tokens read are cached for a minute: only the reload
      // after the 401 reads the new one at once.
      await api.request('DELETE', `/api/v1/namespaces/${ns}/serviceaccounts/op`);
      await sa();
      await waitFor(
        'the old token refused',
        async () => (await statusWithToken(api, first, ca)) === 401,
      );
      const second = await tokenRequest();
      await writeFile(join(saDir, 'token'), second);
      await write('token', `${second}\n`);
      assert.equal(await whoami(inCluster), `system:serviceaccount:${ns}:op`);
      assert.equal(await whoami(tokenFile), `system:serviceaccount:${ns}:op`);
      await assert.rejects(
        whoami(frozen),
        (err: unknown) => err instanceof KubeApiError && err.code === 401,
      );
    },
  );

  await t.test('client certificates, from files that rotate', T, async () => {
    const alice = await api.issueClientCertificate('cert-alice', ['team']);
    await copyFile(alice.cert, join(dir, 'client.crt'));
    await copyFile(alice.key, join(dir, 'client.key'));
    const access = fromKubeconfigFiles([
      await write(
        'kubeconfig-cert',
        kubeconfig(
          api.url,
          { 'client-certificate': 'client.crt', 'client-key': 'client.key' },
          { 'certificate-authority-data': ca.toString('base64') },
        ),
      ),
    ]);
    const client = new KubeClient(access);
    t.after(() => client.close());
    const me = () =>
      client
        .request<{ status: { userInfo: { username: string; groups: string[] } } }>(
          'POST',
          '/apis/authentication.k8s.io/v1/selfsubjectreviews',
          { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } },
        )
        .then((r) => r.status.userInfo);
    const before = await me();
    assert.equal(before.username, 'cert-alice');
    assert.ok(before.groups.includes('team'));
    // A renewed certificate (here for another name, to tell them apart) takes effect on the
    // next request of the same client: the connection pool is keyed by the TLS material.
    const bob = await api.issueClientCertificate('cert-bob');
    await copyFile(bob.cert, join(dir, 'client.crt'));
    await copyFile(bob.key, join(dir, 'client.key'));
    assert.equal((await me()).username, 'cert-bob');
  });

  await t.test(
    'exec plugins: a token, a client certificate, a refused first credential',
    T,
    async () => {
      const counter = join(dir, 'exec-count');
      const good = api.tokenFor('exec-user');
      // The first run hands out a token the server refuses (and no expiry, so the library would
      // keep it forever); the 401 reloads the config, which runs the plugin again.
      const plugin = await write(
        'token-plugin.sh',
        `#!/bin/sh
echo run >> ${counter}
if [ "$(wc -l < ${counter})" -eq 1 ]; then TOKEN=refused-token; else TOKEN=${good}; fi
echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"'$TOKEN'"}}'
`,
      );
      await chmod(plugin, 0o755);
      const exec = { apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never' };
      const tokenAccess = fromKubeconfigFiles([
        await write(
          'kubeconfig-exec',
          kubeconfig(
            api.url,
            { exec: { ...exec, command: './token-plugin.sh' } },
            { 'certificate-authority': api.caPath },
          ),
        ),
      ]);
      assert.equal(await whoami(tokenAccess), 'exec-user');
      assert.equal((await readFile(counter, 'utf8')).trim().split('\n').length, 2);

      const cert = await api.issueClientCertificate('exec-cert-user');
      const credential = {
        apiVersion: 'client.authentication.k8s.io/v1',
        kind: 'ExecCredential',
        status: {
          clientCertificateData: await readFile(cert.cert, 'utf8'),
          clientKeyData: await readFile(cert.key, 'utf8'),
        },
      };
      await write('credential.json', JSON.stringify(credential));
      const certPlugin = await write(
        'cert-plugin.sh',
        `#!/bin/sh\ncat ${join(dir, 'credential.json')}\n`,
      );
      await chmod(certPlugin, 0o755);
      const certAccess = fromKubeconfigFiles([
        await write(
          'kubeconfig-exec-cert',
          kubeconfig(
            api.url,
            { exec: { ...exec, command: certPlugin } },
            { 'certificate-authority': api.caPath },
          ),
        ),
      ]);
      assert.equal(await whoami(certAccess), 'exec-cert-user');
    },
  );

  await t.test(
    'tls-server-name is the name the serving certificate is checked for',
    T,
    async () => {
      const server = `https://127.0.0.1:${port}`;
      const ok = await write(
        'kubeconfig-sni',
        kubeconfig(
          server,
          { token: api.token },
          { 'certificate-authority': api.caPath, 'tls-server-name': 'kubernetes.default.svc' },
        ),
      );
      assert.equal(await whoami(fromKubeconfigFiles([ok])), 'admin');
      const wrong = await write(
        'kubeconfig-sni-wrong',
        kubeconfig(
          server,
          { token: api.token },
          { 'certificate-authority': api.caPath, 'tls-server-name': 'wrong.example' },
        ),
      );
      await assert.rejects(whoami(fromKubeconfigFiles([wrong])), /wrong\.example/);
    },
  );

  await t.test('proxy-url: requests tunnel through the proxy', T, async () => {
    const tunnels: string[] = [];
    const proxy = createHttpServer();
    proxy.on('connect', (req, socket, head) => {
      tunnels.push(req.url ?? '');
      const [host, p] = (req.url ?? '').split(':');
      const upstream = connect(Number(p), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      proxy.closeAllConnections();
      proxy.close();
    });
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const path = await write(
      'kubeconfig-proxy',
      kubeconfig(
        api.url,
        { token: api.token },
        { 'certificate-authority': api.caPath, 'proxy-url': proxyUrl },
      ),
    );
    assert.equal(await whoami(fromKubeconfigFiles([path])), 'admin');
    assert.deepEqual([...new Set(tunnels)], [`127.0.0.1:${port}`]);
  });
});
