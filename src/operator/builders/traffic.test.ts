// Ingress and HTTPRoute: built only when asked for (the HTTPRoute also only when served), to
// the client Service, with the WebSocket timeouts each needs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { context } from './fixture.ts';
import { buildHttpRoute } from './http-route.ts';
import { buildIngress, webSocketTimeoutSeconds } from './ingress.ts';

interface Ingress {
  metadata: { annotations: Record<string, string> };
  spec: {
    ingressClassName?: string;
    rules: { host: string; http: { paths: Record<string, unknown>[] } }[];
    tls?: { hosts: string[]; secretName: string }[];
  };
}
const ingress = (spec: Record<string, unknown>) =>
  buildIngress(context(spec)) as unknown as Ingress | undefined;

test('Ingress: none unless enabled; to the client Service; nginx timeouts from the ping', () => {
  assert.equal(ingress({}), undefined);
  const i = ingress({ ingress: { enabled: true, host: 'rt.example.com', className: 'nginx' } });
  assert.ok(i);
  assert.equal(i.spec.ingressClassName, 'nginx');
  assert.deepEqual(i.spec.rules, [
    {
      host: 'rt.example.com',
      http: {
        paths: [
          {
            path: '/',
            pathType: 'Prefix',
            backend: { service: { name: 'chat', port: { name: 'client' } } },
          },
        ],
      },
    },
  ]);
  // ping 25 s + pong 8 s = 33 s of silence at most: twice that.
  assert.deepEqual(i.metadata.annotations, {
    'nginx.ingress.kubernetes.io/proxy-read-timeout': '66',
    'nginx.ingress.kubernetes.io/proxy-send-timeout': '66',
  });
  assert.equal(i.spec.tls, undefined);
  const slow = ingress({
    ingress: { enabled: true, host: 'rt.example.com' },
    config: { client: { ping_interval: '2m' } },
  });
  assert.equal(slow?.metadata.annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'], '256');
  assert.equal(webSocketTimeoutSeconds(5_000), 60, "never below nginx's default");
});

test('Ingress TLS: a named Secret, or cert-manager writing <name>-tls; user annotations win', () => {
  const named = ingress({
    ingress: { enabled: true, host: 'rt.example.com', tls: { secretName: 'rt-cert' } },
  });
  assert.deepEqual(named?.spec.tls, [{ hosts: ['rt.example.com'], secretName: 'rt-cert' }]);
  const issued = ingress({
    ingress: {
      enabled: true,
      host: 'rt.example.com',
      tls: { certManager: { clusterIssuer: 'letsencrypt' } },
      annotations: { 'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600' },
    },
  });
  assert.deepEqual(issued?.spec.tls, [{ hosts: ['rt.example.com'], secretName: 'chat-tls' }]);
  assert.equal(issued?.metadata.annotations['cert-manager.io/cluster-issuer'], 'letsencrypt');
  assert.equal(
    issued?.metadata.annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'],
    '3600',
  );
  const namespaced = ingress({
    ingress: { enabled: true, host: 'a.example.com', tls: { certManager: { issuer: 'ca' } } },
  });
  assert.equal(namespaced?.metadata.annotations['cert-manager.io/issuer'], 'ca');
});

test('HTTPRoute: only when enabled and served; request timeouts off for WebSockets', () => {
  const spec = {
    httpRoute: {
      enabled: true,
      parentRefs: [{ name: 'public', namespace: 'gateways' }],
      hostnames: ['rt.example.com'],
    },
  };
  assert.equal(buildHttpRoute(context(spec)), undefined, 'not served: none');
  assert.equal(buildHttpRoute(context({}, { httpRouteServed: true })), undefined);
  const route = buildHttpRoute(context(spec, { httpRouteServed: true })) as unknown as {
    apiVersion: string;
    spec: Record<string, unknown>;
  };
  assert.equal(route.apiVersion, 'gateway.networking.k8s.io/v1');
  assert.deepEqual(route.spec, {
    parentRefs: [{ name: 'public', namespace: 'gateways' }],
    hostnames: ['rt.example.com'],
    rules: [
      {
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [{ name: 'chat', port: 8000 }],
        timeouts: { request: '0s', backendRequest: '0s' },
      },
    ],
  });
});
