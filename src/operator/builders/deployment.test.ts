import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONFIG_HASH_ANNOTATION, CREDENTIALS_HASH_ANNOTATION } from '../crd/index.ts';
import { buildDeployment } from './deployment.ts';
import { context } from './fixture.ts';

interface Container {
  name: string;
  image: string;
  args: string[];
  ports: { name: string; containerPort: number }[];
  env: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef: { name: string; key: string } };
  }[];
  volumeMounts: { name: string; mountPath: string }[];
  readinessProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  startupProbe: { httpGet: { path: string; port: string } };
  resources?: unknown;
}
interface Deployment {
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    replicas?: number;
    minReadySeconds: number;
    strategy: unknown;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
      spec: {
        containers: Container[];
        volumes: { name: string; secret?: unknown; configMap?: { name: string } }[];
        nodeSelector?: Record<string, string>;
        imagePullSecrets?: unknown;
        terminationGracePeriodSeconds: number;
      };
    };
  };
}

const build = (...args: Parameters<typeof context>) =>
  buildDeployment(context(...args)) as unknown as Deployment;
const main = (d: Deployment) => d.spec.template.spec.containers[0] as Container;

test('replicas from the spec; none under autoscaling (the HPA owns it)', () => {
  assert.equal(build().spec.replicas, 1);
  const nats = { type: 'nats', nats: { urls: ['nats://n:4222'] } };
  assert.equal(build({ replicas: 3, engine: nats }).spec.replicas, 3);
  const scaled = build({ engine: nats, autoscaling: { enabled: true, maxReplicas: 5 } });
  assert.equal('replicas' in scaled.spec, false);
});

test('selector is name + instance; pod labels carry it and the recommended labels', () => {
  const d = build({
    podTemplate: { metadata: { labels: { team: 'rt', 'app.kubernetes.io/name': 'x' } } },
  });
  assert.deepEqual(d.spec.selector.matchLabels, {
    'app.kubernetes.io/name': 'centrifugo',
    'app.kubernetes.io/instance': 'chat',
  });
  const labels = d.spec.template.metadata.labels;
  assert.equal(
    labels['app.kubernetes.io/name'],
    'centrifugo',
    'user labels never break the selector',
  );
  assert.equal(labels.team, 'rt');
  assert.equal(labels['app.kubernetes.io/version'], '0.1.0');
  assert.equal(labels['app.kubernetes.io/managed-by'], 'centrifugo-ts-operator');
  assert.equal(labels['app.kubernetes.io/part-of'], 'centrifugo-ts');
});

test('hash annotations roll the pods when the config or the credentials change', () => {
  const a = build({ config: { log: { level: 'debug' } } }).spec.template;
  const b = build({ config: { log: { level: 'info' } } }).spec.template;
  assert.match(a.metadata.annotations[CONFIG_HASH_ANNOTATION] ?? '', /^[0-9a-f]{64}$/);
  assert.notEqual(
    a.metadata.annotations[CONFIG_HASH_ANNOTATION],
    b.metadata.annotations[CONFIG_HASH_ANNOTATION],
  );
  const base = context();
  const c = build({}, { credentials: { ...base.credentials, hash: 'other' } }).spec.template;
  assert.equal(c.metadata.annotations[CREDENTIALS_HASH_ANNOTATION], 'other');
  assert.deepEqual(build().spec.template, build().spec.template, 'deterministic');
});

test('the container: image, config file, ports, probes on /ready and /live of the internal port', () => {
  const c = main(build());
  assert.equal(c.name, 'centrifugo');
  assert.equal(c.image, 'centrifugo-ts:0.1.0');
  assert.deepEqual(c.args, ['serve', '--config', '/etc/centrifugo/config.json']);
  assert.deepEqual(
    c.ports.map((p) => [p.name, p.containerPort]),
    [
      ['client', 8000],
      ['internal', 9000],
    ],
  );
  assert.deepEqual(c.readinessProbe.httpGet, { path: '/ready', port: 'internal' });
  assert.deepEqual(c.livenessProbe.httpGet, { path: '/live', port: 'internal' });
  assert.deepEqual(c.startupProbe.httpGet, { path: '/live', port: 'internal' });
  assert.deepEqual(c.volumeMounts[0], {
    name: 'config',
    mountPath: '/etc/centrifugo',
    readOnly: true,
  });
  const volume = build().spec.template.spec.volumes[0];
  assert.deepEqual(volume?.configMap, { name: 'chat-config' });
  const annotations = build().spec.template.metadata.annotations;
  assert.equal(annotations['prometheus.io/port'], '9000');
  assert.equal(annotations['prometheus.io/path'], '/metrics');
});

test('custom probe paths move the probes; gRPC adds its port', () => {
  const c = main(
    build({
      config: {
        health: { ready_handler_prefix: '/readyz', live_handler_prefix: '/livez' },
        grpc_api: { enabled: true },
      },
    }),
  );
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  assert.equal(c.livenessProbe.httpGet.path, '/livez');
  assert.deepEqual(c.ports.at(-1), { name: 'grpc', containerPort: 10000, protocol: 'TCP' });
});

test('secrets come in as CENTRIFUGO_* env from the Secret, never as values', () => {
  const c = main(build());
  assert.deepEqual(
    c.env.map((e) => [e.name, e.valueFrom?.secretKeyRef.name, e.valueFrom?.secretKeyRef.key]),
    [
      [
        'CENTRIFUGO_CLIENT_TOKEN_HMAC_SECRET_KEY',
        'chat-credentials',
        'client.token.hmac_secret_key',
      ],
      ['CENTRIFUGO_GRPC_API_KEY', 'chat-credentials', 'grpc_api.key'],
      ['CENTRIFUGO_HTTP_API_KEY', 'chat-credentials', 'http_api.key'],
    ],
  );
  assert.ok(c.env.every((e) => e.value === undefined));
});

test('an existing Secret: only the keys it has, unknown keys ignored; rotation keys mapped', () => {
  const c = main(
    build(
      { secrets: { existingSecret: 'mine' } },
      {
        credentials: {
          secretName: 'mine',
          generated: false,
          keys: ['http_api.key', 'unrelated', 'client.token.hmac_previous_secret_key'],
          hash: 'h',
        },
      },
    ),
  );
  assert.deepEqual(
    c.env.map((e) => [e.name, e.valueFrom?.secretKeyRef.name]),
    [
      ['CENTRIFUGO_CLIENT_TOKEN_HMAC_PREVIOUS_SECRET_KEY', 'mine'],
      ['CENTRIFUGO_HTTP_API_KEY', 'mine'],
    ],
  );
});

test('NATS credentials: token/user/password as env, .creds as a mounted file', () => {
  const d = build({
    replicas: 2,
    engine: {
      type: 'nats',
      nats: {
        urls: ['nats://n:4222'],
        credentialsSecretRef: { name: 'nats-auth', userKey: 'u', passwordKey: 'p', credsKey: 'c' },
      },
    },
  });
  const c = main(d);
  const nats = c.env.filter((e) => e.name.startsWith('CENTRIFUGO_ENGINE_NATS_'));
  assert.deepEqual(
    nats.map((e) => [e.name, e.valueFrom?.secretKeyRef.name, e.valueFrom?.secretKeyRef.key]),
    [
      ['CENTRIFUGO_ENGINE_NATS_USER', 'nats-auth', 'u'],
      ['CENTRIFUGO_ENGINE_NATS_PASSWORD', 'nats-auth', 'p'],
    ],
  );
  assert.deepEqual(c.volumeMounts[1], {
    name: 'nats-creds',
    mountPath: '/etc/centrifugo/nats',
    readOnly: true,
  });
  assert.deepEqual(d.spec.template.spec.volumes[1]?.secret, {
    secretName: 'nats-auth',
    items: [{ key: 'c', path: 'nats.creds' }],
  });
});

test('podTemplate.spec merges: containers and env by name, other fields replace or add', () => {
  const d = build({
    resources: { requests: { cpu: '100m' }, limits: { memory: '256Mi' } },
    imagePullSecrets: [{ name: 'regcred' }],
    podTemplate: {
      metadata: { annotations: { 'team/owner': 'rt' } },
      spec: {
        nodeSelector: { pool: 'realtime' },
        containers: [
          { name: 'centrifugo', env: [{ name: 'EXTRA', value: '1' }] },
          { name: 'sidecar', image: 'busybox' },
        ],
        securityContext: { runAsUser: 2000 },
      },
    },
  });
  const spec = d.spec.template.spec;
  assert.deepEqual(spec.nodeSelector, { pool: 'realtime' });
  assert.deepEqual(spec.imagePullSecrets, [{ name: 'regcred' }]);
  assert.equal(spec.containers.length, 2);
  const c = main(d);
  assert.equal(c.image, 'centrifugo-ts:0.1.0', 'the image is kept');
  assert.equal(c.env.at(-1)?.name, 'EXTRA');
  assert.equal(c.env.length, 4);
  assert.deepEqual(c.resources, { requests: { cpu: '100m' }, limits: { memory: '256Mi' } });
  const podSecurity = (spec as unknown as { securityContext: Record<string, unknown> })
    .securityContext;
  assert.equal(podSecurity.runAsUser, 2000);
  assert.equal(podSecurity.runAsNonRoot, true);
  assert.equal(d.spec.template.metadata.annotations['team/owner'], 'rt');
});

test('image: tag from the spec, the operator version by default, digests with @', () => {
  assert.equal(
    main(build({ image: { repository: 'reg/cf', tag: '1.2.3' } })).image,
    'reg/cf:1.2.3',
  );
  const digest = `sha256:${'a'.repeat(64)}`;
  const d = build({ image: { tag: digest } });
  assert.equal(main(d).image, `centrifugo-ts@${digest}`);
  assert.equal(d.metadata.labels['app.kubernetes.io/version'], `sha256_${'a'.repeat(56)}`);
});

test('pod defaults: spread over hostnames and zones, requests, no service account token', () => {
  const pod = build().spec.template.spec as unknown as Record<string, unknown>;
  assert.equal(pod.automountServiceAccountToken, false);
  const selector = { 'app.kubernetes.io/name': 'centrifugo', 'app.kubernetes.io/instance': 'chat' };
  assert.deepEqual(pod.topologySpreadConstraints, [
    {
      maxSkew: 1,
      topologyKey: 'kubernetes.io/hostname',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: selector },
      matchLabelKeys: ['pod-template-hash'],
    },
    {
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: selector },
      matchLabelKeys: ['pod-template-hash'],
    },
  ]);
  assert.deepEqual(main(build()).resources, {
    requests: { cpu: '100m', memory: '256Mi' },
    limits: { memory: '1Gi' },
  });
  const mine = { limits: { memory: '1Gi' } };
  assert.deepEqual(main(build({ resources: mine })).resources, mine, 'a given resources stands');
  const spread = [{ maxSkew: 2, topologyKey: 'rack', whenUnsatisfiable: 'DoNotSchedule' }];
  const custom = build({ podTemplate: { spec: { topologySpreadConstraints: spread } } });
  assert.deepEqual(
    (custom.spec.template.spec as unknown as Record<string, unknown>).topologySpreadConstraints,
    spread,
    'podTemplate replaces the spread',
  );
});

test('the rollout follows the drain: grace period, one pod at a time, none unavailable', () => {
  const d = build();
  // drain_delay 5 s + disconnect_window 10 s + shutdown.timeout 30 s + 5 s to exit.
  assert.equal(d.spec.template.spec.terminationGracePeriodSeconds, 50);
  assert.equal(d.spec.minReadySeconds, 15);
  assert.deepEqual(d.spec.strategy, {
    type: 'RollingUpdate',
    rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
  });
  const long = build({
    config: { shutdown: { drain_delay: '10s', disconnect_window: '1m', timeout: '5s' } },
  });
  assert.equal(long.spec.template.spec.terminationGracePeriodSeconds, 80);
  assert.equal(long.spec.minReadySeconds, 70);
  const none = build({ config: { shutdown: { drain_delay: '0s', disconnect_window: '0s' } } });
  assert.equal(none.spec.minReadySeconds, 0);
  assert.equal(
    (main(build()) as unknown as { lifecycle?: unknown }).lifecycle,
    undefined,
    'no preStop: the node drains itself on SIGTERM',
  );
});

test('admin keys of the Secret reach the pod as CENTRIFUGO_ADMIN_* env', () => {
  const base = context();
  const c = main(
    build(
      { admin: { enabled: true } },
      {
        credentials: {
          ...base.credentials,
          keys: [...base.credentials.keys, 'admin.password', 'admin.secret'],
        },
      },
    ),
  );
  assert.deepEqual(
    c.env.filter((e) => e.name.startsWith('CENTRIFUGO_ADMIN')).map((e) => [e.name, e.valueFrom]),
    [
      [
        'CENTRIFUGO_ADMIN_PASSWORD',
        { secretKeyRef: { name: 'chat-credentials', key: 'admin.password' } },
      ],
      [
        'CENTRIFUGO_ADMIN_SECRET',
        { secretKeyRef: { name: 'chat-credentials', key: 'admin.secret' } },
      ],
    ],
  );
});
