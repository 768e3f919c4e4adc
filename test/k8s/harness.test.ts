// Smoke test of the Kubernetes harness: a real kube-apiserver + etcd start on loopback, kubectl
// and raw HTTPS both reach them, a CRD with a status subresource serves its kind, RBAC limits
// a plain user, and helm runs.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { findHelm, findK8sAssets, startApiServer } from './harness.ts';

const WIDGET_CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.test.centrifugo-ts.io
spec:
  group: test.centrifugo-ts.io
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget, listKind: WidgetList }
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: { type: integer }
            status:
              type: object
              properties:
                ready: { type: boolean }
`;

test('kube-apiserver + etcd: kubectl, CRDs, RBAC, helm', { timeout: 180_000 }, async (t) => {
  const assets = findK8sAssets(t);
  if (!assets) return;
  const api = await startApiServer({ assets, t, users: [{ name: 'alice' }] });
  assert.match(api.url, /^https:\/\/127\.0\.0\.1:\d+$/);

  await t.test('kubectl get ns lists default', async () => {
    const out = await api.kubectlOk(['get', 'ns', '-o', 'name']);
    assert.match(out, /^namespace\/default$/m);
    const version = JSON.parse(await api.kubectlOk(['version', '-o', 'json']));
    assert.match(version.serverVersion.gitVersion, /^v1\.\d+\.\d+/);
  });

  await t.test('namespace and ConfigMap through kubectl', async () => {
    await api.kubectlOk(['create', 'namespace', 'smoke']);
    await api.kubectlOk(['-n', 'smoke', 'create', 'configmap', 'cfg', '--from-literal=k=v']);
    const cm = JSON.parse(
      await api.kubectlOk(['-n', 'smoke', 'get', 'configmap', 'cfg', '-o', 'json']),
    );
    assert.deepEqual(cm.data, { k: 'v' });
    await api.createNamespace('smoke-2');
    await api.createNamespace('smoke-2'); // idempotent
    const res = await api.request('GET', '/api/v1/namespaces/smoke-2');
    assert.equal(res.status, 200);
  });

  await t.test('CRD with status subresource: Established, Widget round-trips', async () => {
    await api.apply(WIDGET_CRD);
    await api.kubectlOk([
      'wait',
      '--for=condition=Established',
      '--timeout=30s',
      'crd/widgets.test.centrifugo-ts.io',
    ]);
    await api.apply(
      JSON.stringify({
        apiVersion: 'test.centrifugo-ts.io/v1',
        kind: 'Widget',
        metadata: { name: 'w1', namespace: 'smoke' },
        spec: { size: 3 },
      }),
    );
    const w = JSON.parse(await api.kubectlOk(['-n', 'smoke', 'get', 'widget', 'w1', '-o', 'json']));
    assert.equal(w.kind, 'Widget');
    assert.equal(w.spec.size, 3);
    // The status subresource: a status write goes through /status, and only status changes.
    const path = '/apis/test.centrifugo-ts.io/v1/namespaces/smoke/widgets/w1/status';
    const patched = await api.request(
      'PATCH',
      path,
      { status: { ready: true }, spec: { size: 99 } },
      { contentType: 'application/merge-patch+json' },
    );
    assert.equal(patched.status, 200, patched.body);
    const after = patched.json<{ spec: { size: number }; status: { ready: boolean } }>();
    assert.equal(after.status.ready, true);
    assert.equal(after.spec.size, 3);
  });

  await t.test('RBAC: a plain user is denied until bound to a Role', async () => {
    const denied = await api.kubectl(['-n', 'smoke', 'get', 'configmaps'], { user: 'alice' });
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /forbidden/i);
    await api.kubectlOk([
      '-n',
      'smoke',
      'create',
      'role',
      'cm-reader',
      '--verb=get,list',
      '--resource=configmaps',
    ]);
    await api.kubectlOk([
      '-n',
      'smoke',
      'create',
      'rolebinding',
      'alice-cm',
      '--role=cm-reader',
      '--user=alice',
    ]);
    const allowed = await api.kubectlOk(['-n', 'smoke', 'get', 'configmaps', '-o', 'name'], {
      user: 'alice',
    });
    assert.match(allowed, /configmap\/cfg/);
    const other = await api.kubectl(['-n', 'smoke', 'get', 'secrets'], { user: 'alice' });
    assert.notEqual(other.code, 0);
  });

  await t.test('helm version runs', async (t) => {
    if (!findHelm(t)) return;
    const res = await api.helm(['version', '--short']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^v\d+\.\d+\.\d+/);
    const ls = await api.helm(['list', '-A']);
    assert.equal(ls.code, 0, ls.stderr);
  });

  await api.stop();
  assert.equal(existsSync(api.dir), false);
});
