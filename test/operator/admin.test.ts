// The admin web UI through the operator (spec.admin.enabled), against a real kube-apiserver:
// the password and token secret generated into the credentials Secret once and never
// overwritten (also when admin is turned on later, beside the keys already there), an
// existingSecret without them refused, the secrets refused in spec.config, and a node pod
// (run as a process, as the kubelet would run it) serving the login on the internal port with
// the password from the Secret.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeploymentObject, SecretObject } from '../../src/operator/kube/types.ts';
import { type PodTemplate, planPod, rewriteEnv, runPod, waitForProbe } from '../e2e/kubelet.ts';
import { freePorts } from '../nats/harness.ts';
import {
  centrifugo,
  condition,
  create,
  events,
  getOptional,
  paths,
  runOperator,
  startCluster,
  waitFor,
} from './support.ts';

const T = { timeout: 90_000 };
const b64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

test('admin UI through the operator, on a real API server', { timeout: 300_000 }, async (t) => {
  const cluster = await startCluster(t);
  if (!cluster) return;
  const { api, client } = cluster;
  await runOperator(t, cluster, {
    reconciler: { rolloutRequeueMs: 1_000, missingSecretRequeueMs: 500 },
  });
  await api.createNamespace('admin');
  const secretOf = (name: string) =>
    client.get<SecretObject>(paths.secret('admin', `${name}-credentials`));

  await t.test(
    'spec.admin.enabled: password and secret generated, reaching the pod',
    T,
    async () => {
      await create(client, centrifugo('admin', 'ui', { admin: { enabled: true } }));
      const deployment = await waitFor('deployment', () =>
        getOptional<DeploymentObject>(client, paths.deployment('admin', 'ui')),
      );
      const secret = await secretOf('ui');
      assert.deepEqual(Object.keys(secret.data ?? {}).sort(), [
        'admin.password',
        'admin.secret',
        'client.token.hmac_secret_key',
        'grpc_api.key',
        'http_api.key',
      ]);
      for (const key of ['admin.password', 'admin.secret']) {
        assert.match(b64(secret.data?.[key]), /^[\w-]{43}$/, key);
      }
      const cr = await waitFor('status.credentials', async () => {
        const got = await client.get(paths.centrifugo('admin', 'ui'));
        return (got.status as { credentials?: unknown } | undefined)?.credentials ? got : undefined;
      });
      const keys = (cr.status as { credentials: { keys: Record<string, string> } }).credentials
        .keys;
      assert.equal(keys.adminPassword, 'admin.password');
      assert.equal(keys.adminSecret, 'admin.secret');
      const configMap = await client.get<{ data: Record<string, string> }>(
        paths.configMap('admin', 'ui-config'),
      );
      const config = JSON.parse(configMap.data['config.json'] as string);
      assert.deepEqual(config.admin, { enabled: true });
      assert.ok(!configMap.data['config.json']?.includes(b64(secret.data?.['admin.password'])));

      // The pod, as the kubelet would run it; the login goes to the port the internal Service
      // targets.
      const template = deployment.spec?.template as unknown as PodTemplate;
      const plan = await planPod(api, template, {
        name: 'ui-pod',
        namespace: 'admin',
        ip: '127.0.0.1',
      });
      const [clientPort, internalPort] = (await freePorts(2)) as [number, number];
      rewriteEnv(plan, 'CENTRIFUGO_HTTP_SERVER_ADDRESS', '127.0.0.1', 'loopback only');
      rewriteEnv(plan, 'CENTRIFUGO_HTTP_SERVER_PORT', String(clientPort), 'a free port');
      rewriteEnv(plan, 'CENTRIFUGO_HTTP_SERVER_INTERNAL_PORT', String(internalPort), 'a free port');
      if (plan.readiness) plan.readiness.port = internalPort;
      const pod = await runPod(plan, 'process');
      t.after(() => pod.stop(2_000));
      await waitForProbe(pod, plan.readiness);
      const service = await client.get<{ spec: { ports: { name: string; targetPort: string }[] } }>(
        paths.service('admin', 'ui-internal'),
      );
      assert.equal(service.spec.ports[0]?.targetPort, 'internal', 'the internal Service port');
      const login = (password: string) =>
        fetch(`http://127.0.0.1:${internalPort}/admin/auth`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ password }),
          signal: AbortSignal.timeout(5_000),
        });
      const ok = await login(b64(secret.data?.['admin.password']));
      assert.equal(ok.status, 200);
      const { token } = (await ok.json()) as { token: string };
      const info = await fetch(`http://127.0.0.1:${internalPort}/admin/api`, {
        method: 'POST',
        headers: { Authorization: `token ${token}` },
        body: JSON.stringify({ id: 1, method: 'info', params: {} }),
      });
      assert.equal(info.status, 200, 'the token the generated secret signs opens the admin API');
      assert.equal((await login('wrong')).status, 400);
      const outside = await fetch(`http://127.0.0.1:${clientPort}/admin/auth`, { method: 'POST' });
      assert.equal(outside.status, 404, 'not on the client port');
    },
  );

  await t.test('a user-set admin password is never overwritten', T, async () => {
    const path = paths.secret('admin', 'ui-credentials');
    const before = await secretOf('ui');
    await client.mergePatch(
      path,
      { data: { 'admin.password': Buffer.from('mine').toString('base64') } },
      'test',
    );
    // A spec change makes the operator reconcile (and apply the Secret's metadata) again.
    await client.mergePatch(
      paths.centrifugo('admin', 'ui'),
      { spec: { config: { log: { level: 'debug' } } } },
      'test',
    );
    await waitFor('the new config rolled out', async () => {
      const cm = await client.get<{ data: Record<string, string> }>(
        paths.configMap('admin', 'ui-config'),
      );
      return cm.data['config.json']?.includes('debug');
    });
    const after = await secretOf('ui');
    assert.equal(b64(after.data?.['admin.password']), 'mine');
    assert.equal(after.data?.['admin.secret'], before.data?.['admin.secret']);
    assert.equal(after.data?.['http_api.key'], before.data?.['http_api.key']);
  });

  await t.test(
    'admin turned on later: its keys join the Secret, nothing else changes',
    T,
    async () => {
      await create(client, centrifugo('admin', 'late'));
      const first = await waitFor('the Secret', () =>
        getOptional<SecretObject>(client, paths.secret('admin', 'late-credentials')),
      );
      assert.equal(first.data?.['admin.password'], undefined, 'no admin keys without admin');
      await client.mergePatch(
        paths.centrifugo('admin', 'late'),
        { spec: { admin: { enabled: true } } },
        'test',
      );
      const second = await waitFor('admin keys in the Secret', async () => {
        const s = await secretOf('late');
        return s.data?.['admin.password'] ? s : undefined;
      });
      for (const key of ['http_api.key', 'grpc_api.key', 'client.token.hmac_secret_key']) {
        assert.equal(second.data?.[key], first.data?.[key], `${key} kept`);
      }
      const recorded = await waitFor('a Normal event', async () => {
        const list = await events(client, 'admin', 'late');
        return list.find((e) => e.message.includes('admin.password, admin.secret generated'));
      });
      assert.equal(recorded.type, 'Normal');
      assert.equal(recorded.reason, 'CredentialsGenerated');
    },
  );

  await t.test('an existingSecret without the admin keys is Stalled, by name', T, async () => {
    await api.apply(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'mine', namespace: 'admin' },
        stringData: { 'http_api.key': 'k', 'client.token.hmac_secret_key': 'h' },
      }),
    );
    await create(
      client,
      centrifugo('admin', 'own', {
        secrets: { existingSecret: 'mine' },
        admin: { enabled: true },
      }),
    );
    const stalled = await waitFor('Stalled', async () => {
      const cr = await client.get(paths.centrifugo('admin', 'own'));
      const c = condition(cr, 'Stalled');
      return c?.status === 'True' ? c : undefined;
    });
    assert.equal(stalled.reason, 'SecretKeyNotFound');
    assert.match(stalled.message, /Secret mine has no key admin\.password/);
  });

  await t.test('the CRD refuses admin secrets and admin.enabled in spec.config', T, async () => {
    for (const [config, message] of [
      [{ admin: { password: 'p' } }, /must not set admin\.password/],
      [{ admin: { secret: 's' } }, /must not set admin\.secret/],
      [{ admin: { enabled: true } }, /set spec\.admin\.enabled instead/],
    ] as const) {
      const res = await api.request('POST', paths.centrifugos('admin'), {
        ...centrifugo('admin', 'refused', { config }),
      });
      assert.equal(res.status, 422, res.body);
      assert.match(res.body, message);
    }
  });
});
