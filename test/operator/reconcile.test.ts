// The operator against a real kube-apiserver + etcd with the generated CRD installed: what a
// Centrifugo turns into, how it follows spec changes, deleted children, invalid specs,
// credentials (regeneration, user edits, rotation), pause, optional children, idempotency and
// 409 retries. No controller-manager runs: Deployment status is faked where readiness matters,
// and garbage collection never happens (owner references are asserted instead).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import {
  CONFIG_HASH_ANNOTATION,
  CREDENTIALS_HASH_ANNOTATION,
  PAUSED_ANNOTATION,
  ROTATE_ANNOTATION,
} from '../../src/operator/crd/index.ts';
import { KubeApiError } from '../../src/operator/kube/errors.ts';
import type { DeploymentObject, KubeObject, SecretObject } from '../../src/operator/kube/types.ts';
import { type KubeApi, Reconciler } from '../../src/operator/reconciler.ts';
import {
  type Cluster,
  centrifugo,
  condition,
  create,
  events,
  fakeDeploymentReady,
  getOptional,
  paths,
  runOperator,
  startCluster,
  waitFor,
} from './support.ts';

const T = { timeout: 90_000 };
const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

interface Container {
  env: { name: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
  readinessProbe: { httpGet: { path: string; port: string } };
}
const template = (d: DeploymentObject) =>
  d.spec?.template as {
    metadata: { annotations: Record<string, string>; labels: Record<string, string> };
    spec: { containers: Container[] };
  };

/** The client as a reconciler's KubeApi, with some calls replaced (to stage a race). */
function kubeApiWith(client: Cluster['client'], overrides: Partial<KubeApi>): KubeApi {
  return {
    get: client.get.bind(client),
    create: client.create.bind(client),
    apply: client.apply.bind(client),
    mergePatch: client.mergePatch.bind(client),
    delete: client.delete.bind(client),
    serves: client.serves.bind(client),
    ...overrides,
  };
}

async function settled(cluster: Cluster, ns: string, name: string) {
  const { client } = cluster;
  await waitFor(`${ns}/${name} deployment`, () =>
    getOptional<DeploymentObject>(client, paths.deployment(ns, name)),
  );
  await fakeDeploymentReady(client, ns, name);
  return waitFor(`${ns}/${name} Ready`, async () => {
    const cr = await client.get(paths.centrifugo(ns, name));
    return condition(cr, 'Ready')?.status === 'True' &&
      condition(cr, 'Reconciling')?.status === 'False'
      ? cr
      : undefined;
  });
}

test('operator against a real API server', { timeout: 600_000 }, async (t) => {
  const cluster = await startCluster(t);
  if (!cluster) return;
  const { api, client } = cluster;
  const operator = await runOperator(t, cluster, {
    reconciler: { rolloutRequeueMs: 1_000, missingSecretRequeueMs: 500, discoveryTtlMs: 0 },
  });

  await t.test('create: every child, with owner references and the right content', T, async () => {
    await api.createNamespace('create');
    const cr = await create(
      client,
      centrifugo('create', 'chat', {
        config: {
          channel: { namespaces: [{ name: 'news', history_size: 10, history_ttl: '60s' }] },
        },
      }),
    );
    const uid = cr.metadata.uid;
    const deployment = await waitFor('deployment', () =>
      getOptional<DeploymentObject>(client, paths.deployment('create', 'chat')),
    );
    const children: KubeObject[] = [
      deployment,
      await client.get(paths.service('create', 'chat')),
      await client.get(paths.service('create', 'chat-internal')),
      await client.get(paths.configMap('create', 'chat-config')),
      await client.get(paths.secret('create', 'chat-credentials')),
    ];
    for (const child of children) {
      assert.deepEqual(
        child.metadata.ownerReferences,
        [
          {
            apiVersion: 'centrifugo-ts.dev/v1alpha1',
            kind: 'Centrifugo',
            name: 'chat',
            uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
        `${child.metadata.name}`,
      );
      assert.equal(
        child.metadata.labels?.['app.kubernetes.io/managed-by'],
        'centrifugo-ts-operator',
      );
    }

    const secret = children[4] as SecretObject;
    assert.deepEqual(Object.keys(secret.data ?? {}).sort(), [
      'client.token.hmac_secret_key',
      'grpc_api.key',
      'http_api.key',
    ]);
    for (const value of Object.values(secret.data ?? {})) assert.match(b64(value), /^[\w-]{43}$/);

    const configJson = (children[3] as KubeObject & { data: Record<string, string> }).data[
      'config.json'
    ] as string;
    const config = JSON.parse(configJson);
    assert.deepEqual(config.engine, { type: 'memory' });
    assert.equal(config.channel.namespaces[0].name, 'news');
    for (const value of Object.values(secret.data ?? {})) {
      assert.ok(!configJson.includes(b64(value)), 'no secret value in the ConfigMap');
    }

    const pod = template(deployment);
    assert.equal(deployment.spec?.replicas, 1);
    // Pod defaults, as the API server accepted them.
    const podSpec = pod.spec as unknown as Record<string, unknown>;
    assert.equal(podSpec.automountServiceAccountToken, false);
    assert.deepEqual(
      (podSpec.topologySpreadConstraints as { topologyKey: string }[]).map((c) => c.topologyKey),
      ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'],
    );
    assert.deepEqual((pod.spec.containers[0] as unknown as { resources: unknown }).resources, {
      requests: { cpu: '100m', memory: '256Mi' },
      limits: { memory: '1Gi' },
    });
    assert.equal(pod.spec.containers[0]?.readinessProbe.httpGet.path, '/ready');
    assert.deepEqual(
      pod.spec.containers[0]?.env.map((e) => e.name),
      [
        'CENTRIFUGO_CLIENT_TOKEN_HMAC_SECRET_KEY',
        'CENTRIFUGO_GRPC_API_KEY',
        'CENTRIFUGO_HTTP_API_KEY',
      ],
    );
    assert.match(pod.metadata.annotations[CONFIG_HASH_ANNOTATION] ?? '', /^[0-9a-f]{64}$/);
    assert.match(pod.metadata.annotations[CREDENTIALS_HASH_ANNOTATION] ?? '', /^[0-9a-f]{64}$/);

    const reconciled = await waitFor('status', async () => {
      const got = await client.get(paths.centrifugo('create', 'chat'));
      return (got.status as { observedGeneration?: number })?.observedGeneration === 1
        ? got
        : undefined;
    });
    const status = reconciled.status as Record<string, unknown>;
    assert.deepEqual(status.credentials, {
      secretName: 'chat-credentials',
      generated: true,
      keys: {
        httpApiKey: 'http_api.key',
        grpcApiKey: 'grpc_api.key',
        hmacSecretKey: 'client.token.hmac_secret_key',
      },
    });
    assert.deepEqual(status.endpoints, {
      client: 'chat.create.svc:8000',
      internal: 'chat-internal.create.svc:9000',
    });
    assert.equal(
      status.selector,
      'app.kubernetes.io/name=centrifugo,app.kubernetes.io/instance=chat',
    );
    assert.equal(condition(reconciled, 'Ready')?.status, 'False');
    assert.equal(condition(reconciled, 'Reconciling')?.status, 'True');
    assert.equal(condition(reconciled, 'Stalled')?.status, 'False');
    const recorded = await waitFor('event', async () =>
      (await events(client, 'create', 'chat')).find((e) => e.reason === 'CredentialsGenerated'),
    );
    assert.equal(recorded.type, 'Normal');
  });

  await t.test('kubectl get cfgo shows the printer columns', T, async () => {
    const plain = await api.kubectlOk(['get', 'cfgo', '-n', 'create']);
    assert.match(plain.split('\n')[0] ?? '', /^NAME\s+READY\s+REPLICAS\s+DESIRED\s+ENGINE\s+AGE$/);
    assert.match(plain.split('\n')[1] ?? '', /^chat\s+False\s+0\s+1\s+memory\s+\d+s$/);
    const wide = await api.kubectlOk(['get', 'centrifugos', '-n', 'create', '-o', 'wide']);
    assert.match(wide.split('\n')[0] ?? '', /REASON\s+IMAGE\s+ENDPOINT$/);
    assert.match(wide, /RollingOut\s+centrifugo-ts:0\.0\.0-test\s+chat\.create\.svc:8000/);
  });

  await t.test(
    'conditions and observedGeneration follow the Deployment and the spec',
    T,
    async () => {
      const ready = await settled(cluster, 'create', 'chat');
      assert.equal((ready.status as { readyReplicas: number }).readyReplicas, 1);
      assert.equal(condition(ready, 'Ready')?.reason, 'Reconciled');
      const before = await client.get<DeploymentObject>(paths.deployment('create', 'chat'));

      await client.mergePatch(
        paths.centrifugo('create', 'chat'),
        { spec: { config: { log: { level: 'debug' } } } },
        'test',
      );
      const rolling = await waitFor('generation 2 observed', async () => {
        const cr = await client.get(paths.centrifugo('create', 'chat'));
        return (cr.status as { observedGeneration: number }).observedGeneration === 2
          ? cr
          : undefined;
      });
      assert.equal(condition(rolling, 'Reconciling')?.status, 'True');
      assert.equal(condition(rolling, 'Reconciling')?.reason, 'RollingOut');
      // The old pods are all ready, but the Deployment has not seen the new template: not
      // Ready, so `kubectl wait --for=condition=Ready` waits for this rollout.
      assert.equal(condition(rolling, 'Ready')?.status, 'False');
      assert.equal(condition(rolling, 'Ready')?.reason, 'RollingOut');
      const waited = await api.kubectl(
        ['wait', '-n', 'create', 'centrifugo/chat', '--for=condition=Ready', '--timeout=1s'],
        { timeoutMs: 20_000 },
      );
      assert.notEqual(waited.code, 0, 'kubectl wait does not return before the rollout');
      const after = await client.get<DeploymentObject>(paths.deployment('create', 'chat'));
      assert.notEqual(
        template(after).metadata.annotations[CONFIG_HASH_ANNOTATION],
        template(before).metadata.annotations[CONFIG_HASH_ANNOTATION],
        'a config change changes the pod template',
      );
      assert.equal(
        template(after).metadata.annotations[CREDENTIALS_HASH_ANNOTATION],
        template(before).metadata.annotations[CREDENTIALS_HASH_ANNOTATION],
      );
      const cm = await client.get<KubeObject & { data: Record<string, string> }>(
        paths.configMap('create', 'chat-config'),
      );
      assert.equal(JSON.parse(cm.data['config.json'] as string).log.level, 'debug');
      const again = await settled(cluster, 'create', 'chat');
      assert.equal(condition(again, 'Ready')?.status, 'True', 'Ready once rolled out');
    },
  );

  await t.test('an unchanged Centrifugo: another reconcile writes nothing', T, async () => {
    const collect = async () => {
      const objects = [
        await client.get(paths.centrifugo('create', 'chat')),
        await client.get(paths.deployment('create', 'chat')),
        await client.get(paths.service('create', 'chat')),
        await client.get(paths.service('create', 'chat-internal')),
        await client.get(paths.configMap('create', 'chat-config')),
        await client.get(paths.secret('create', 'chat-credentials')),
      ];
      return objects.map((o) => `${o.kind}/${o.metadata.name}@${o.metadata.resourceVersion}`);
    };
    const before = await collect();
    const reconciler = new Reconciler({
      api: client,
      events: { record: () => assert.fail('no event on a no-op reconcile') },
      logger: pino({ level: 'silent' }),
      defaultTag: '0.0.0-test',
    });
    assert.equal(await reconciler.reconcile('create/chat'), undefined);
    assert.equal(await reconciler.reconcile('create/chat'), undefined);
    assert.deepEqual(await collect(), before);
  });

  await t.test(
    'deleted children come back; a deleted Secret is regenerated with a Warning',
    T,
    async () => {
      const ns = 'create';
      const old = {
        deployment: await client.get(paths.deployment(ns, 'chat')),
        service: await client.get(paths.service(ns, 'chat-internal')),
        configMap: await client.get(paths.configMap(ns, 'chat-config')),
        secret: await client.get<SecretObject>(paths.secret(ns, 'chat-credentials')),
      };
      await client.delete(paths.configMap(ns, 'chat-config'));
      await client.delete(paths.service(ns, 'chat-internal'));
      await client.delete(paths.deployment(ns, 'chat'));
      for (const path of [
        paths.configMap(ns, 'chat-config'),
        paths.service(ns, 'chat-internal'),
        paths.deployment(ns, 'chat'),
      ]) {
        const back = await waitFor(`${path} recreated`, () => getOptional(client, path));
        assert.notEqual(back.metadata.uid, undefined);
      }
      assert.notEqual(
        (await client.get(paths.deployment(ns, 'chat'))).metadata.uid,
        old.deployment.metadata.uid,
      );

      await client.delete(paths.secret(ns, 'chat-credentials'));
      const regenerated = await waitFor('secret regenerated', () =>
        getOptional<SecretObject>(client, paths.secret(ns, 'chat-credentials')),
      );
      assert.notEqual(regenerated.metadata.uid, old.secret.metadata.uid);
      assert.notEqual(regenerated.data?.['http_api.key'], old.secret.data?.['http_api.key']);
      const warning = await waitFor('CredentialsRegenerated', async () =>
        (await events(client, ns, 'chat')).find((e) => e.reason === 'CredentialsRegenerated'),
      );
      assert.equal(warning.type, 'Warning');
      await waitFor('pods roll on new credentials', async () => {
        const d = await client.get<DeploymentObject>(paths.deployment(ns, 'chat'));
        return (
          template(d).metadata.annotations[CREDENTIALS_HASH_ANNOTATION] !==
          template(old.deployment as DeploymentObject).metadata.annotations[
            CREDENTIALS_HASH_ANNOTATION
          ]
        );
      });
    },
  );

  await t.test("a user's edit of the Secret stands, and rolls the pods", T, async () => {
    const ns = 'create';
    const before = await client.get<DeploymentObject>(paths.deployment(ns, 'chat'));
    const mine = Buffer.from('my-own-api-key').toString('base64');
    await client.mergePatch(
      paths.secret(ns, 'chat-credentials'),
      { data: { 'http_api.key': mine } },
      'kubectl-edit',
    );
    await waitFor('template rolled', async () => {
      const d = await client.get<DeploymentObject>(paths.deployment(ns, 'chat'));
      return (
        template(d).metadata.annotations[CREDENTIALS_HASH_ANNOTATION] !==
        template(before).metadata.annotations[CREDENTIALS_HASH_ANNOTATION]
      );
    });
    const secret = await client.get<SecretObject>(paths.secret(ns, 'chat-credentials'));
    assert.equal(secret.data?.['http_api.key'], mine);
  });

  await t.test(
    'credential rotation: new keys, the previous HMAC secret kept for the grace',
    T,
    async () => {
      const ns = 'create';
      const before = await client.get<SecretObject>(paths.secret(ns, 'chat-credentials'));
      await client.mergePatch(
        paths.centrifugo(ns, 'chat'),
        { metadata: { annotations: { [ROTATE_ANNOTATION]: 'r1' } } },
        'test',
      );
      const rotated = await waitFor('rotated', async () => {
        const s = await client.get<SecretObject>(paths.secret(ns, 'chat-credentials'));
        return s.metadata.annotations?.['centrifugo-ts.dev/rotated-for'] === 'r1' ? s : undefined;
      });
      for (const key of ['http_api.key', 'grpc_api.key', 'client.token.hmac_secret_key']) {
        assert.notEqual(rotated.data?.[key], before.data?.[key], key);
      }
      assert.equal(
        rotated.data?.['client.token.hmac_previous_secret_key'],
        before.data?.['client.token.hmac_secret_key'],
      );
      const until = Number(
        b64(rotated.data?.['client.token.hmac_previous_secret_key_valid_until'] ?? ''),
      );
      const expected = Date.now() / 1000 + 86400;
      assert.ok(Math.abs(until - expected) < 120, `valid until ${until}`);
      const cr = await waitFor('status names the rotation', async () => {
        const got = await client.get(paths.centrifugo(ns, 'chat'));
        const creds = (got.status as { credentials: { rotatedFor?: string } }).credentials;
        return creds.rotatedFor === 'r1' ? got : undefined;
      });
      const creds = (cr.status as { credentials: Record<string, unknown> }).credentials;
      assert.equal(
        (creds.keys as Record<string, string>).hmacPreviousSecretKey,
        'client.token.hmac_previous_secret_key',
      );
      assert.match(String(creds.previousHmacValidUntil), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const d = await waitFor('previous key reaches the pods', async () => {
        const got = await client.get<DeploymentObject>(paths.deployment(ns, 'chat'));
        const env = template(got).spec.containers[0]?.env ?? [];
        return env.some((e) => e.name === 'CENTRIFUGO_CLIENT_TOKEN_HMAC_PREVIOUS_SECRET_KEY')
          ? got
          : undefined;
      });
      assert.ok(
        template(d).spec.containers[0]?.env.some(
          (e) => e.name === 'CENTRIFUGO_CLIENT_TOKEN_HMAC_PREVIOUS_SECRET_KEY_VALID_UNTIL',
        ),
      );
      await waitFor('CredentialsRotated', async () =>
        (await events(client, ns, 'chat')).find((e) => e.reason === 'CredentialsRotated'),
      );
      // The same annotation value again is not a new request.
      const reconciler = new Reconciler({
        api: client,
        events: { record: () => {} },
        logger: pino({ level: 'silent' }),
        defaultTag: '0.0.0-test',
      });
      await reconciler.reconcile(`${ns}/chat`);
      const still = await client.get<SecretObject>(paths.secret(ns, 'chat-credentials'));
      assert.deepEqual(still.data, rotated.data);
    },
  );

  await t.test('invalid specs are rejected by the API server with a clear message', T, async () => {
    await api.createNamespace('invalid');
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['replicas', { replicas: 3 }, /replicas > 1 needs engine\.type: nats/],
      [
        'secret-in-config',
        { config: { http_api: { key: 'x' } } },
        /spec\.config must not set http_api\.key \(it is a secret/,
      ],
      [
        'hmac-in-config',
        { config: { client: { token: { hmac_secret_key: 'x' } } } },
        /spec\.config must not set client\.token\.hmac_secret_key/,
      ],
      [
        'pdb',
        { pdb: { enabled: true, minAvailable: 1, maxUnavailable: 1 } },
        /pdb: set minAvailable or maxUnavailable, not both/,
      ],
      ['nats-urls', { engine: { type: 'nats' } }, /engine\.type nats needs engine\.nats\.urls/],
      [
        'autoscaling',
        {
          engine: { type: 'nats', nats: { urls: ['nats://n:4222'] } },
          autoscaling: { enabled: true, minReplicas: 5, maxReplicas: 2 },
        },
        /minReplicas must not exceed maxReplicas/,
      ],
      [
        'autoscaling-memory',
        { autoscaling: { enabled: true, maxReplicas: 3 } },
        /autoscaling\.maxReplicas > 1 needs engine\.type: nats/,
      ],
      [
        'secrets',
        { secrets: { generate: true, existingSecret: 'mine' } },
        /generate and existingSecret are mutually exclusive/,
      ],
      ['engine-type', { engine: { type: 'redis' } }, /Unsupported value: "redis"/],
      [
        'replicas-huge',
        { replicas: 2_000_000_000, engine: { type: 'nats', nats: { urls: ['nats://n:4222'] } } },
        /spec\.replicas: Invalid value: 2000000000: spec\.replicas in body should be less than or equal to 1000/,
      ],
      [
        'privileged',
        {
          podTemplate: {
            spec: { containers: [{ name: 'centrifugo', securityContext: { privileged: true } }] },
          },
        },
        /spec\.podTemplate\.spec\.containers\[0\]\.securityContext\.privileged: Invalid value: "boolean": privileged containers are refused/,
      ],
      [
        'host-network',
        { podTemplate: { spec: { hostNetwork: true } } },
        /spec\.podTemplate\.spec\.hostNetwork: Invalid value: "boolean": hostNetwork is refused/,
      ],
      [
        'host-pid',
        { podTemplate: { spec: { hostPID: true } } },
        /spec\.podTemplate\.spec\.hostPID: Invalid value: "boolean": hostPID is refused/,
      ],
      [
        'cap-add',
        {
          podTemplate: {
            spec: {
              containers: [
                { name: 'centrifugo', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } },
              ],
            },
          },
        },
        /capabilities\.add: Invalid value: "array": capabilities\.add other than NET_BIND_SERVICE is refused/,
      ],
      [
        'root',
        { podTemplate: { spec: { securityContext: { runAsUser: 0 } } } },
        /spec\.podTemplate\.spec\.securityContext\.runAsUser: Invalid value: "integer": runAsUser 0 \(root\) is refused/,
      ],
      [
        'escalation',
        {
          podTemplate: {
            spec: {
              initContainers: [
                { name: 'init', securityContext: { allowPrivilegeEscalation: true } },
              ],
            },
          },
        },
        /initContainers\[0\]\.securityContext\.allowPrivilegeEscalation: Invalid value: "boolean": allowPrivilegeEscalation true is refused/,
      ],
      [
        'host-path',
        { podTemplate: { spec: { volumes: [{ name: 'h', hostPath: { path: '/' } }] } } },
        /spec\.podTemplate\.spec\.volumes\[0\]: Invalid value: "object": hostPath volumes are refused/,
      ],
    ];
    for (const [name, spec, message] of cases) {
      const res = await api.kubectl(['apply', '-f', '-'], {
        input: JSON.stringify(centrifugo('invalid', name, spec)),
      });
      assert.notEqual(res.code, 0, name);
      assert.match(res.stderr, message, name);
    }
    const long = await api.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify(centrifugo('invalid', `n${'x'.repeat(60)}`)),
    });
    assert.match(
      long.stderr,
      /metadata\.name: Invalid value: .*DNS-1035 label of at most 54 characters/,
    );
  });

  await t.test(
    'a config the node would refuse: Stalled/InvalidConfig, nothing rolled out',
    T,
    async () => {
      await api.createNamespace('stalled');
      await create(
        client,
        centrifugo('stalled', 'bad', { config: { client: { ping_intervall: '1s' } } }),
      );
      const cr = await waitFor('Stalled', async () => {
        const got = await client.get(paths.centrifugo('stalled', 'bad'));
        return condition(got, 'Stalled')?.status === 'True' ? got : undefined;
      });
      assert.equal(condition(cr, 'Stalled')?.reason, 'InvalidConfig');
      assert.match(condition(cr, 'Stalled')?.message ?? '', /client\.ping_intervall/);
      assert.equal(condition(cr, 'Ready')?.status, 'False');
      assert.equal((cr.status as { observedGeneration: number }).observedGeneration, 1);
      assert.equal(await getOptional(client, paths.deployment('stalled', 'bad')), undefined);
      await waitFor('Warning InvalidConfig', async () =>
        (await events(client, 'stalled', 'bad')).find((e) => e.reason === 'InvalidConfig'),
      );
      // Fixing the spec recovers.
      await client.mergePatch(
        paths.centrifugo('stalled', 'bad'),
        { spec: { config: { client: { ping_intervall: null, ping_interval: '10s' } } } },
        'test',
      );
      await waitFor('recovered', async () => {
        const got = await client.get(paths.centrifugo('stalled', 'bad'));
        return condition(got, 'Stalled')?.status === 'False' &&
          (await getOptional(client, paths.deployment('stalled', 'bad')))
          ? got
          : undefined;
      });
    },
  );

  await t.test(
    'existingSecret: Stalled until it exists, then its keys feed the pods',
    T,
    async () => {
      await api.createNamespace('existing');
      await create(client, centrifugo('existing', 'chat', { secrets: { existingSecret: 'mine' } }));
      const stalled = await waitFor('SecretNotFound', async () => {
        const got = await client.get(paths.centrifugo('existing', 'chat'));
        return condition(got, 'Stalled')?.reason === 'SecretNotFound' ? got : undefined;
      });
      assert.match(condition(stalled, 'Ready')?.message ?? '', /Secret mine/);
      await client.create(
        paths.secrets('existing'),
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'mine', namespace: 'existing' },
          stringData: { 'http_api.key': 'k', 'client.token.hmac_secret_key': 'h', other: 'x' },
        },
        'test',
      );
      const d = await waitFor('deployment', () =>
        getOptional<DeploymentObject>(client, paths.deployment('existing', 'chat')),
      );
      assert.deepEqual(
        template(d).spec.containers[0]?.env.map((e) => [e.name, e.valueFrom?.secretKeyRef.name]),
        [
          ['CENTRIFUGO_CLIENT_TOKEN_HMAC_SECRET_KEY', 'mine'],
          ['CENTRIFUGO_HTTP_API_KEY', 'mine'],
        ],
      );
      assert.equal(
        await getOptional(client, paths.secret('existing', 'chat-credentials')),
        undefined,
      );
      const mine = await client.get(paths.secret('existing', 'mine'));
      assert.equal(mine.metadata.ownerReferences, undefined, "the user's Secret is not adopted");
    },
  );

  await t.test(
    'pause: ReconciliationPaused, spec changes wait, resume applies them',
    T,
    async () => {
      await api.createNamespace('paused');
      await create(client, centrifugo('paused', 'chat'));
      await settled(cluster, 'paused', 'chat');
      await client.mergePatch(
        paths.centrifugo('paused', 'chat'),
        { metadata: { annotations: { [PAUSED_ANNOTATION]: 'true' } } },
        'test',
      );
      await waitFor('paused', async () => {
        const got = await client.get(paths.centrifugo('paused', 'chat'));
        return condition(got, 'ReconciliationPaused')?.status === 'True';
      });
      await client.mergePatch(
        paths.centrifugo('paused', 'chat'),
        { spec: { image: { tag: '9.9.9' } } },
        'test',
      );
      await new Promise((r) => setTimeout(r, 1_500));
      const d = await client.get<DeploymentObject>(paths.deployment('paused', 'chat'));
      assert.match(JSON.stringify(d.spec?.template), /centrifugo-ts:0\.0\.0-test/);
      await client.mergePatch(
        paths.centrifugo('paused', 'chat'),
        { metadata: { annotations: { [PAUSED_ANNOTATION]: null } } },
        'test',
      );
      await waitFor('resumed', async () => {
        const got = await client.get(paths.centrifugo('paused', 'chat'));
        const dep = await client.get<DeploymentObject>(paths.deployment('paused', 'chat'));
        return (
          condition(got, 'ReconciliationPaused') === undefined &&
          JSON.stringify(dep.spec?.template).includes('centrifugo-ts:9.9.9')
        );
      });
    },
  );

  await t.test(
    'optional children: PDB and HPA come and go, replicas left to the HPA',
    T,
    async () => {
      await api.createNamespace('optional');
      const nats = { type: 'nats', nats: { urls: ['nats://nats:4222'] } };
      await create(
        client,
        centrifugo('optional', 'chat', {
          replicas: 3,
          engine: nats,
          pdb: { enabled: true, minAvailable: 2 },
          autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 5 },
        }),
      );
      const pdb = await waitFor('pdb', () => getOptional(client, paths.pdb('optional', 'chat')));
      assert.equal((pdb.spec as { minAvailable: number }).minAvailable, 2);
      const hpa = await waitFor('hpa', () => getOptional(client, paths.hpa('optional', 'chat')));
      assert.equal((hpa.spec as { maxReplicas: number }).maxReplicas, 5);
      const d = await client.get<DeploymentObject & { metadata: { managedFields: unknown[] } }>(
        paths.deployment('optional', 'chat'),
      );
      const ours = (d.metadata.managedFields as { manager: string; fieldsV1: unknown }[]).find(
        (m) => m.manager === 'centrifugo-ts-operator',
      );
      assert.doesNotMatch(JSON.stringify(ours?.fieldsV1), /"f:replicas"/, 'the HPA owns replicas');

      await client.mergePatch(
        paths.centrifugo('optional', 'chat'),
        { spec: { pdb: { enabled: false }, autoscaling: { enabled: false } } },
        'test',
      );
      await waitFor('pdb and hpa removed', async () =>
        (await getOptional(client, paths.pdb('optional', 'chat'))) === undefined &&
        (await getOptional(client, paths.hpa('optional', 'chat'))) === undefined
          ? true
          : undefined,
      );
      await waitFor('replicas back in the spec', async () => {
        const got = await client.get<DeploymentObject>(paths.deployment('optional', 'chat'));
        return got.spec?.replicas === 3;
      });
    },
  );

  await t.test(
    'ServiceMonitor: a warning without its CRD, created once it is served',
    T,
    async () => {
      await api.createNamespace('monitoring');
      await create(client, centrifugo('monitoring', 'chat', { serviceMonitor: { enabled: true } }));
      await waitFor('ServiceMonitorCRDMissing', async () =>
        (await events(client, 'monitoring', 'chat')).find(
          (e) => e.reason === 'ServiceMonitorCRDMissing',
        ),
      );
      await api.apply(SERVICE_MONITOR_CRD);
      await api.kubectlOk([
        'wait',
        '--for=condition=Established',
        'crd/servicemonitors.monitoring.coreos.com',
      ]);
      // Nothing watches ServiceMonitors: a spec change (or the resync) brings it.
      await client.mergePatch(
        paths.centrifugo('monitoring', 'chat'),
        { spec: { serviceMonitor: { enabled: true, interval: '15s' } } },
        'test',
      );
      // A resync may create it before the patch is seen; wait for the patched spec.
      const sm = await waitFor('servicemonitor with the interval', async () => {
        const found = await getOptional(
          client,
          '/apis/monitoring.coreos.com/v1/namespaces/monitoring/servicemonitors/chat',
        );
        const endpoints = (found?.spec as { endpoints?: Array<{ interval?: string }> })?.endpoints;
        return endpoints?.[0]?.interval === '15s' ? found : undefined;
      });
      assert.deepEqual((sm.spec as { endpoints: unknown[] }).endpoints, [
        { port: 'internal', path: '/metrics', interval: '15s' },
      ]);
    },
  );

  await t.test(
    'turning autoscaling on keeps the running replica count for the HPA to take over',
    T,
    async () => {
      const ns = 'handover';
      await api.createNamespace(ns);
      const nats = { type: 'nats', nats: { urls: ['nats://nats:4222'] } };
      await create(client, centrifugo(ns, 'chat', { replicas: 4, engine: nats }));
      await waitFor('4 replicas', async () => {
        const d = await getOptional<DeploymentObject>(client, paths.deployment(ns, 'chat'));
        return d?.spec?.replicas === 4;
      });
      await client.mergePatch(
        paths.centrifugo(ns, 'chat'),
        { spec: { autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 8 } } },
        'test',
      );
      await waitFor('hpa', () => getOptional(client, paths.hpa(ns, 'chat')));
      await waitFor('generation 2 reconciled', async () => {
        const cr = await client.get(paths.centrifugo(ns, 'chat'));
        return (cr.status as { observedGeneration?: number }).observedGeneration === 2;
      });
      const d = await client.get<DeploymentObject>(paths.deployment(ns, 'chat'));
      assert.equal(d.spec?.replicas, 4, 'no drop to 1 when the operator lets go of replicas');
      const managers = (d.metadata.managedFields as { manager: string; fieldsV1: unknown }[])
        .filter((m) => JSON.stringify(m.fieldsV1).includes('"f:replicas"'))
        .map((m) => m.manager);
      assert.deepEqual(managers, ['centrifugo-ts-operator-handover'], 'held for the HPA');
      // The HPA's first scale takes the field; the operator never fights it.
      await client.mergePatch(
        `${paths.deployment(ns, 'chat')}/scale`,
        { spec: { replicas: 6 } },
        'horizontal-pod-autoscaler',
      );
      await client.mergePatch(
        paths.centrifugo(ns, 'chat'),
        { metadata: { annotations: { touch: '1' } } },
        'test',
      );
      await new Promise((r) => setTimeout(r, 1_000));
      assert.equal(
        (await client.get<DeploymentObject>(paths.deployment(ns, 'chat'))).spec?.replicas,
        6,
      );
    },
  );

  await t.test(
    'an object under a child name that is not ours is left alone: Stalled, Warning naming it',
    T,
    async () => {
      const ns = 'foreign';
      await api.createNamespace(ns);
      const mine = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'chat', namespace: ns },
        spec: { selector: { app: 'mine' }, ports: [{ port: 80 }] },
      };
      await client.create(`/api/v1/namespaces/${ns}/services`, mine, 'kubectl');
      await create(client, centrifugo(ns, 'chat'));
      const stalled = await waitFor('Stalled', async () => {
        const cr = await client.get(paths.centrifugo(ns, 'chat'));
        return condition(cr, 'Stalled')?.status === 'True' ? cr : undefined;
      });
      assert.equal(condition(stalled, 'Stalled')?.reason, 'ChildNameTaken');
      assert.match(condition(stalled, 'Stalled')?.message ?? '', /^Service foreign\/chat exists/);
      const warning = await waitFor('Warning event', async () =>
        (await events(client, ns, 'chat')).find((e) => e.reason === 'ChildNameTaken'),
      );
      assert.equal(warning.type, 'Warning');
      assert.match(warning.message, /Service foreign\/chat/);
      const service = await client.get(paths.service(ns, 'chat'));
      assert.deepEqual((service.spec as { selector: unknown }).selector, { app: 'mine' });
      assert.equal(service.metadata.ownerReferences, undefined, 'not adopted');
      assert.equal(service.metadata.labels, undefined);
      // A Secret of someone else's under the generated name is not used either.
      await api.createNamespace('foreign-secret');
      await client.create(
        paths.secrets('foreign-secret'),
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'chat-credentials', namespace: 'foreign-secret' },
          stringData: { 'http_api.key': 'theirs' },
        },
        'kubectl',
      );
      await create(client, centrifugo('foreign-secret', 'chat'));
      await waitFor('Stalled on the Secret', async () => {
        const cr = await client.get(paths.centrifugo('foreign-secret', 'chat'));
        return /^Secret foreign-secret\/chat-credentials exists/.test(
          condition(cr, 'Stalled')?.message ?? '',
        );
      });
      const theirs = await client.get<SecretObject>(
        paths.secret('foreign-secret', 'chat-credentials'),
      );
      assert.deepEqual(Object.keys(theirs.data ?? {}), ['http_api.key'], 'not filled in');
      // Once the name is free, the Centrifugo proceeds (a look every missingSecretRequeueMs).
      await client.delete(paths.service(ns, 'chat'));
      await waitFor('recovered', async () => {
        const svc = await getOptional(client, paths.service(ns, 'chat'));
        return svc?.metadata.ownerReferences?.[0]?.name === 'chat';
      });
    },
  );

  await t.test('a Deployment past its progress deadline: Stalled and a Warning', T, async () => {
    const ns = 'deadline';
    await api.createNamespace(ns);
    await create(client, centrifugo(ns, 'chat'));
    const d = await waitFor('deployment', () =>
      getOptional<DeploymentObject>(client, paths.deployment(ns, 'chat')),
    );
    await client.mergePatch(
      `${paths.deployment(ns, 'chat')}/status`,
      {
        status: {
          observedGeneration: d.metadata.generation,
          replicas: 1,
          updatedReplicas: 1,
          conditions: [
            {
              type: 'Progressing',
              status: 'False',
              reason: 'ProgressDeadlineExceeded',
              message: 'ReplicaSet "chat-5d8c7f9b6" has timed out progressing.',
              lastUpdateTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
              lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
            },
          ],
        },
      },
      'test-deployment-controller',
    );
    const cr = await waitFor('Stalled', async () => {
      const got = await client.get(paths.centrifugo(ns, 'chat'));
      return condition(got, 'Stalled')?.status === 'True' ? got : undefined;
    });
    assert.equal(condition(cr, 'Stalled')?.reason, 'ProgressDeadlineExceeded');
    assert.match(
      condition(cr, 'Stalled')?.message ?? '',
      /Deployment chat: ReplicaSet "chat-5d8c7f9b6" has timed out/,
    );
    assert.equal(condition(cr, 'Ready')?.status, 'False');
    const warning = await waitFor('Warning event', async () =>
      (await events(client, ns, 'chat')).find((e) => e.reason === 'ProgressDeadlineExceeded'),
    );
    assert.equal(warning.type, 'Warning');
  });

  await t.test('kubectl explain describes every field', T, async () => {
    const replicas = await api.kubectlOk(['explain', 'centrifugos.spec.replicas']);
    assert.match(replicas, /more than 1 needs engine\.type nats/);
    const podTemplate = await api.kubectlOk(['explain', 'centrifugos.spec.podTemplate.spec']);
    assert.match(podTemplate, /restricted Pod Security Standard/);
    const conditions = await api.kubectlOk(['explain', 'centrifugos.status.conditions.reason']);
    assert.match(conditions, /CamelCase/);
  });

  await t.test('409 Conflict on a Secret write is retried on a fresh read', T, async () => {
    await api.createNamespace('conflict');
    await create(client, centrifugo('conflict', 'chat'));
    await waitFor('secret', () =>
      getOptional(client, paths.secret('conflict', 'chat-credentials')),
    );
    // A reconciler whose first Secret patch races a concurrent edit made just before it lands.
    const conflicts: number[] = [];
    let raced = false;
    const api409 = kubeApiWith(client, {
      mergePatch: (async (path: string, patch: unknown, manager: string) => {
        if (path.includes('/secrets/') && !raced) {
          raced = true;
          await client.mergePatch(
            path,
            { metadata: { annotations: { 'someone/else': 'edited' } } },
            'someone-else',
          );
        }
        try {
          return await client.mergePatch(path, patch, manager);
        } catch (err) {
          if (err instanceof KubeApiError) conflicts.push(err.code);
          throw err;
        }
      }) as KubeApi['mergePatch'],
    });
    // Only this test's reconciler may act now: the operator would rotate first.
    await operator.close();
    await client.mergePatch(
      paths.centrifugo('conflict', 'chat'),
      { metadata: { annotations: { [ROTATE_ANNOTATION]: 'c1' } } },
      'test',
    );
    const reconciler = new Reconciler({
      api: api409,
      events: { record: () => {} },
      logger: pino({ level: 'silent' }),
      defaultTag: '0.0.0-test',
    });
    await reconciler.reconcile('conflict/chat');
    assert.deepEqual(conflicts, [409], 'the first write met a 409');
    const secret = await client.get<SecretObject>(paths.secret('conflict', 'chat-credentials'));
    assert.equal(secret.metadata.annotations?.['centrifugo-ts.dev/rotated-for'], 'c1');
    assert.equal(secret.metadata.annotations?.['someone/else'], 'edited', 'the other edit stands');
  });

  await t.test(
    'a Secret deleted during a reconcile is regenerated with its data, never recreated empty',
    T,
    async () => {
      // The operator is closed (previous test): only these reconcilers act. One whose apply
      // of the Secret's metadata lands just after a user deleted the Secret it had read.
      await api.createNamespace('race');
      const recorded: string[] = [];
      const events = { record: (_o: unknown, _t: string, reason: string) => recorded.push(reason) };
      const options = { events, logger: pino({ level: 'silent' }), defaultTag: '0.0.0-test' };
      await create(client, centrifugo('race', 'chat'));
      await new Reconciler({ api: client, ...options }).reconcile('race/chat');
      const first = await client.get<SecretObject>(paths.secret('race', 'chat-credentials'));
      let raced = false;
      const racing = kubeApiWith(client, {
        apply: (async (path: string, object: KubeObject, manager: string) => {
          if (path.includes('/secrets/') && !raced) {
            raced = true;
            await client.delete(path);
          }
          return client.apply(path, object, manager);
        }) as KubeApi['apply'],
      });
      const result = await new Reconciler({ api: racing, ...options }).reconcile('race/chat');
      assert.ok(raced, 'the Secret was deleted between its read and its metadata apply');
      assert.deepEqual(result, { requeueAfterMs: 0 }, 'the reconcile starts over at once');
      assert.equal(
        await getOptional(client, paths.secret('race', 'chat-credentials')),
        undefined,
        'no empty Secret was created by the metadata apply',
      );
      await new Reconciler({ api: client, ...options }).reconcile('race/chat');
      const second = await client.get<SecretObject>(paths.secret('race', 'chat-credentials'));
      assert.notEqual(second.metadata.uid, first.metadata.uid);
      assert.ok(second.data?.['http_api.key'], 'regenerated with its data');
      assert.notEqual(second.data?.['http_api.key'], first.data?.['http_api.key']);
      assert.deepEqual(recorded, ['CredentialsGenerated', 'CredentialsRegenerated']);
    },
  );
});

const SERVICE_MONITOR_CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: servicemonitors.monitoring.coreos.com
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names: { plural: servicemonitors, singular: servicemonitor, kind: ServiceMonitor, listKind: ServiceMonitorList }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              x-kubernetes-preserve-unknown-fields: true
`;
