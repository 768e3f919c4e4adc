import assert from 'node:assert/strict';
import { test } from 'node:test';
import { context } from './fixture.ts';
import { buildClientService, buildInternalService, serviceEndpoints } from './service.ts';

interface Service {
  metadata: { name: string; labels: Record<string, string>; annotations?: Record<string, string> };
  spec: { type: string; selector: Record<string, string>; ports: Record<string, unknown>[] };
}

test('client Service: the user type, client port to the named container port', () => {
  const ctx = context({
    service: {
      type: 'LoadBalancer',
      ports: { client: 80 },
      annotations: { a: 'b' },
      labels: { x: 'y' },
    },
  });
  const s = buildClientService(ctx) as unknown as Service;
  assert.equal(s.metadata.name, 'chat');
  assert.equal(s.spec.type, 'LoadBalancer');
  assert.deepEqual(s.spec.ports, [
    { name: 'client', port: 80, targetPort: 'client', protocol: 'TCP', appProtocol: 'http' },
  ]);
  assert.deepEqual(s.spec.selector, {
    'app.kubernetes.io/name': 'centrifugo',
    'app.kubernetes.io/instance': 'chat',
  });
  assert.deepEqual(s.metadata.annotations, { a: 'b' });
  assert.equal(s.metadata.labels.x, 'y');
  assert.equal(s.metadata.labels['centrifugo-ts.dev/service'], 'client');
  assert.equal(
    (buildClientService(context()) as unknown as Service).metadata.annotations,
    undefined,
  );
});

test('internal Service: always ClusterIP, internal port, gRPC only when enabled', () => {
  const plain = buildInternalService(
    context({ service: { type: 'NodePort' } }),
  ) as unknown as Service;
  assert.equal(plain.metadata.name, 'chat-internal');
  assert.equal(plain.spec.type, 'ClusterIP');
  assert.deepEqual(
    plain.spec.ports.map((p) => [p.name, p.port, p.targetPort]),
    [['internal', 9000, 'internal']],
  );
  const grpc = buildInternalService(
    context({ config: { grpc_api: { enabled: true } } }),
  ) as unknown as Service;
  assert.deepEqual(
    grpc.spec.ports.map((p) => [p.name, p.port, p.targetPort]),
    [
      ['internal', 9000, 'internal'],
      ['grpc', 10000, 'grpc'],
    ],
  );
  assert.equal(grpc.metadata.labels['centrifugo-ts.dev/service'], 'internal');
});

test('endpoints are Service DNS names with the Service ports', () => {
  assert.deepEqual(serviceEndpoints(context()), {
    client: 'chat.apps.svc:8000',
    internal: 'chat-internal.apps.svc:9000',
  });
  assert.equal(
    serviceEndpoints(context({ config: { grpc_api: { enabled: true } } })).grpc,
    'chat-internal.apps.svc:10000',
  );
});
