// Traffic from outside the cluster, against a real kube-apiserver: spec.ingress becomes an
// Ingress (TLS from a Secret or cert-manager, ingress-nginx WebSocket timeouts) that the API
// server accepts and the operator removes when turned off; spec.httpRoute waits for the
// Gateway API (a Warning until its CRDs are served), then becomes an HTTPRoute that the real
// Gateway API CRD (standard channel, scripts/ensure-k8s-crds.sh) validates, with the request
// timeouts off. Bad traffic specs are refused by the CRD's CEL rules.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import {
  centrifugo,
  create,
  events,
  getOptional,
  paths,
  runOperator,
  startCluster,
  waitFor,
} from './support.ts';

const T = { timeout: 90_000 };
const NS = 'traffic';
const ingressPath = (name: string) =>
  `/apis/networking.k8s.io/v1/namespaces/${NS}/ingresses/${name}`;
const routePath = (name: string) =>
  `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes/${name}`;

/** The Gateway API's HTTPRoute CRD file, or undefined (skipping, or failing in CI). */
function gatewayApiCrd(t: TestContext): string | undefined {
  const dirs = [
    process.env.CENTRIFUGO_TS_GATEWAY_API_CRDS,
    join(homedir(), 'go/pkg/mod/sigs.k8s.io/gateway-api@v1.6.1/config/crd/standard'),
  ];
  for (const dir of dirs) {
    const file = dir && join(dir, 'gateway.networking.k8s.io_httproutes.yaml');
    if (file && existsSync(file)) return file;
  }
  const reason = 'Gateway API CRDs not found: source scripts/ensure-k8s-crds.sh (.ci/run does)';
  if (process.env.CENTRIFUGO_TS_REQUIRE_TOOLS === '1') throw new Error(reason);
  console.log(`skipping: ${reason}`);
  t.skip(reason);
  return undefined;
}

test('Ingress and HTTPRoute, on a real API server', { timeout: 300_000 }, async (t) => {
  const cluster = await startCluster(t);
  if (!cluster) return;
  const { api, client } = cluster;
  await runOperator(t, cluster, {
    reconciler: { rolloutRequeueMs: 1_000, missingSecretRequeueMs: 500, discoveryTtlMs: 0 },
  });
  await api.createNamespace(NS);

  await t.test('spec.ingress: an Ingress to the client Service, then removed', T, async () => {
    await create(
      client,
      centrifugo(NS, 'web', {
        ingress: {
          enabled: true,
          className: 'nginx',
          host: 'rt.example.com',
          tls: { certManager: { clusterIssuer: 'letsencrypt' } },
        },
      }),
    );
    const ingress = await waitFor('the Ingress', () =>
      getOptional<KubeObject & { spec: Record<string, unknown> }>(client, ingressPath('web')),
    );
    assert.deepEqual(ingress.metadata.annotations, {
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '66',
      'nginx.ingress.kubernetes.io/proxy-send-timeout': '66',
      'cert-manager.io/cluster-issuer': 'letsencrypt',
    });
    assert.equal(ingress.spec.ingressClassName, 'nginx');
    assert.deepEqual(ingress.spec.tls, [{ hosts: ['rt.example.com'], secretName: 'web-tls' }]);
    const backend = (
      ingress.spec.rules as { http: { paths: { backend: unknown; pathType: string }[] } }[]
    )[0]?.http.paths[0];
    assert.deepEqual(backend?.backend, { service: { name: 'web', port: { name: 'client' } } });
    assert.equal(ingress.metadata.ownerReferences?.[0]?.kind, 'Centrifugo');

    await client.mergePatch(
      paths.centrifugo(NS, 'web'),
      { spec: { ingress: { enabled: false } } },
      'test',
    );
    await waitFor('the Ingress deleted', async () => {
      const got = await getOptional(client, ingressPath('web'));
      return got === undefined || got.metadata.deletionTimestamp !== undefined;
    });
  });

  await t.test(
    'spec.httpRoute: a Warning without the Gateway API, a route with it',
    T,
    async (tt) => {
      await create(
        client,
        centrifugo(NS, 'gw', {
          httpRoute: {
            enabled: true,
            parentRefs: [{ name: 'public', namespace: 'gateways', sectionName: 'https' }],
            hostnames: ['rt.example.com'],
          },
        }),
      );
      const warned = await waitFor('HTTPRouteCRDMissing', async () =>
        (await events(client, NS, 'gw')).find((e) => e.reason === 'HTTPRouteCRDMissing'),
      );
      assert.equal(warned.type, 'Warning');
      const crd = gatewayApiCrd(tt);
      if (!crd) return;
      await api.kubectlOk(['apply', '--server-side', '-f', crd]);
      await api.kubectlOk([
        'wait',
        '--for=condition=Established',
        'crd/httproutes.gateway.networking.k8s.io',
        '--timeout=60s',
      ]);
      // Nothing watches HTTPRoutes: a spec change (or the resync) brings it.
      await client.mergePatch(
        paths.centrifugo(NS, 'gw'),
        { metadata: { annotations: { touch: '1' } }, spec: { httpRoute: { path: '/' } } },
        'test',
      );
      const route = await waitFor('the HTTPRoute', () =>
        getOptional<KubeObject & { spec: Record<string, unknown> }>(client, routePath('gw')),
      );
      assert.deepEqual(route.spec.parentRefs, [
        {
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: 'public',
          namespace: 'gateways',
          sectionName: 'https',
        },
      ]);
      const rule = (route.spec.rules as Record<string, unknown>[])[0];
      assert.deepEqual(rule?.timeouts, { request: '0s', backendRequest: '0s' });
      assert.deepEqual(rule?.backendRefs, [
        { group: '', kind: 'Service', name: 'gw', port: 8000, weight: 1 },
      ]);
      await client.mergePatch(
        paths.centrifugo(NS, 'gw'),
        { spec: { httpRoute: { enabled: false } } },
        'test',
      );
      await waitFor('the HTTPRoute deleted', async () => {
        const got = await getOptional(client, routePath('gw'));
        return got === undefined || got.metadata.deletionTimestamp !== undefined;
      });
    },
  );

  await t.test('the CRD refuses traffic specs that cannot work', T, async () => {
    for (const [spec, message] of [
      [{ ingress: { enabled: true } }, /ingress\.enabled needs ingress\.host/],
      [
        { ingress: { enabled: true, host: 'a.example.com', tls: {} } },
        /ingress\.tls: set secretName or certManager/,
      ],
      [
        {
          ingress: {
            enabled: true,
            host: 'a.example.com',
            tls: { certManager: { issuer: 'a', clusterIssuer: 'b' } },
          },
        },
        /set issuer or clusterIssuer, one of them/,
      ],
      [{ ingress: { enabled: true, host: 'Not A Host' } }, /spec\.ingress\.host/],
      [{ httpRoute: { enabled: true } }, /httpRoute\.enabled needs httpRoute\.parentRefs/],
    ] as const) {
      const res = await api.request('POST', paths.centrifugos(NS), centrifugo(NS, 'bad', spec));
      assert.equal(res.status, 422, `${JSON.stringify(spec)}: ${res.body}`);
      assert.match(res.body, message);
    }
  });
});
