// End to end on a REAL single-node cluster (test/k8s/real-cluster.ts): kube-apiserver, etcd,
// kube-controller-manager, kube-scheduler and a kubelet v1.34 on containerd + runc. Nothing is
// played by the test: pods run from the project image (test/k8s/image.ts), probes are the
// kubelet's, rollouts are the Deployment controller's, evictions go through the PDB, deletion
// through the garbage collector.
//
//  1. `helm install` the chart: the operator runs as 2 pods under the chart's ServiceAccount,
//     with in-cluster credentials; one takes the Lease.
//  2. `kubectl apply` deploy/examples/memory-single-node.yaml: its node pod runs and turns
//     Ready; an HTTP publish (API key from the generated Secret) reaches an official SDK
//     subscriber connected to the example's client Service's endpoint.
//  3. The Centrifugo moves to NATS (a nats-server on the node's host network) with 2 replicas:
//     a publish on one pod reaches a subscriber on the other. When `kubectl wait
//     --for=condition=Ready` returns during that rollout is printed, and checked against the
//     Deployment in a todo subtest (issue 24: Ready before the Deployment caught up).
//  4. `kubectl rollout restart`: while 20 SDK subscribers listen and a backend publishes at
//     20/s, every pod is replaced; every subscriber reconnects and receives again. What a user
//     would also want (no lost or failed publish) is measured, printed, and checked in a todo
//     subtest: the node pods have no preStop drain yet (issue 24).
//  5. `kubectl drain`: the PDB lets one node pod go and refuses the other; the Service keeps a
//     ready endpoint throughout; `kubectl uncordon` brings the replica back.
//  6. `kubectl delete centrifugo`: the garbage collector removes every child.
//
// Services have no kube-proxy here: the test does its job for the Services it uses
// (serviceProxy: a new connection goes to a ready endpoint of the EndpointSlices).
// Where the real cluster cannot run (not root, no network namespaces), the test says why and
// skips; test/e2e/deploy.test.ts runs the same chart with its process kubelet everywhere.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { parse as parseYaml } from 'yaml';
import { type Client, newClient, once } from '../client/sdk.ts';
import type { ApiServer } from '../k8s/harness.ts';
import { buildProjectImage } from '../k8s/image.ts';
import {
  canRunRealCluster,
  type RealCluster,
  realClusterSupport,
  startRealCluster,
} from '../k8s/real-cluster.ts';
import {
  type Endpoint,
  readyEndpoints,
  type ServiceProxy,
  serviceProxy,
} from '../k8s/service-proxy.ts';
import { findNatsServer, natsInfo } from '../nats/harness.ts';
import type { TestNode } from '../node/harness.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHART = `${ROOT}deploy/helm/centrifugo-ts-operator`;
const EXAMPLE = `${ROOT}deploy/examples/memory-single-node.yaml`;
const OPERATOR_NS = 'centrifugo-ts-system';
const RELEASE = 'cto';
const OPERATOR = `${RELEASE}-centrifugo-ts-operator`;
const NS = 'realtime';
// The example's own name: the test follows the file instead of a copy of it.
const NAME = (parseYaml(readFileSync(EXAMPLE, 'utf8')) as { metadata: { name: string } }).metadata
  .name;
const SELECTOR = `app.kubernetes.io/instance=${NAME}`;
const SUBSCRIBERS = 20;
const PUBLISH_EVERY_MS = 50;

interface DeploymentStatus {
  metadata: { generation: number };
  spec: { replicas: number };
  status: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
  };
}

interface ReadyAnswer {
  code: number | null;
  /** ms after the spec change */
  at: number;
  deployment: DeploymentStatus | undefined;
}

interface Pod {
  metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string> };
  spec: { nodeName?: string };
  status: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { name: string; ready: boolean; restartCount: number; imageID?: string }[];
  };
}

test('e2e (real kubelet): helm install, a Centrifugo on memory then NATS, rollout restart, drain under the PDB, garbage collection', {
  timeout: 900_000,
}, async (t) => {
  if (!canRunRealCluster(t)) {
    console.log('the process kubelet of test/e2e/deploy.test.ts runs the chart instead');
    return;
  }
  const natsBin = findNatsServer(t);
  if (!natsBin) return;
  console.log(`e2e runtime: real kubelet (${realClusterSupport().why}); pods run in containerd`);

  const work = await mkdtemp(join(tmpdir(), 'centrifugo-ts-image-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  const t0 = Date.now();
  const [image, cluster] = await Promise.all([
    buildProjectImage(work).then((img) => {
      console.log(`  image ${img.tag} built without Docker in ${img.ms} ms (test/k8s/image.ts)`);
      return img;
    }),
    startRealCluster({ t }),
  ]);
  await cluster.importImage(image.archive);
  await rm(image.archive, { force: true });
  console.log(`  cluster and image ready in ${Date.now() - t0} ms`);
  const { api } = cluster;
  const closers: (() => Promise<void> | void)[] = [];
  t.after(async () => {
    for (const c of clients) c.disconnect();
    for (const close of closers.reverse()) await close();
  });

  const step = async (name: string, fn: () => Promise<void>) => {
    const started = Date.now();
    try {
      await fn();
    } catch (err) {
      (err as Error).message += `\n[step: ${name}]\n${await diagnostics(cluster)}`;
      throw err;
    }
    console.log(`  ok ${name} (${Date.now() - started} ms)`);
  };

  // ---- 1. helm install: the operator as pods ----
  await step('helm install: 2 operator pods Ready in the kubelet, one leads', async () => {
    const install = await api.helm(
      [
        'install',
        RELEASE,
        CHART,
        '-n',
        OPERATOR_NS,
        '--create-namespace',
        '--wait',
        '--timeout',
        '180s',
      ],
      { timeoutMs: 200_000 },
    );
    assert.equal(install.code, 0, install.stderr);
    const pods = await podsOf(api, OPERATOR_NS, `app.kubernetes.io/instance=${RELEASE}`);
    assert.equal(pods.length, 2);
    for (const p of pods) {
      assert.equal(p.spec.nodeName, cluster.nodeName);
      assert.ok(isReady(p), `${p.metadata.name} Ready`);
    }
    const holder = await waitFor('a Lease holder', async () => {
      const lease = await getJson<{ spec?: { holderIdentity?: string } }>(
        api,
        `/apis/coordination.k8s.io/v1/namespaces/${OPERATOR_NS}/leases/${OPERATOR}`,
      );
      return lease?.spec?.holderIdentity;
    });
    // <pod name>_<random>: the pod's hostname is its name.
    const leader = pods.find((p) => holder.startsWith(`${p.metadata.name}_`));
    assert.ok(leader, `the Lease holder ${holder} is one of the pods`);
    // In a pod, the operator finds its credentials as any in-cluster client: the projected
    // token and the `kubernetes` Service (kubectl logs: through the kubelet).
    const logs = await api.kubectlOk(['logs', '-n', OPERATOR_NS, leader.metadata.name]);
    assert.match(logs, /"credentials":"in-cluster service account/);
    assert.match(logs, /"msg":"leading"/);
  });

  // ---- 2. the memory example: a node pod, Ready, serving ----
  let secrets = { apiKey: '', hmac: '' };
  await step(
    'the memory example: its pod Ready in the kubelet, a publish reaches an SDK subscriber',
    async () => {
      await api.createNamespace(NS);
      await api.kubectlOk(['apply', '-n', NS, '-f', EXAMPLE]);
      await waitFor('the operator to create the Deployment', () =>
        getJson(api, `/apis/apps/v1/namespaces/${NS}/deployments/${NAME}`),
      );
      await api.kubectlOk(['rollout', 'status', '-n', NS, `deployment/${NAME}`, '--timeout=180s'], {
        timeoutMs: 200_000,
      });
      await api.kubectlOk([
        'wait',
        '-n',
        NS,
        `centrifugo/${NAME}`,
        '--for=condition=Ready',
        '--timeout=60s',
      ]);
      const pods = await podsOf(api, NS, SELECTOR);
      assert.equal(pods.length, 1);
      secrets = await credentials(api);
      const ready = await readyEndpoints(api, NS, NAME, 'client');
      assert.equal(ready.length, 1, 'the client Service has the pod as its endpoint');
      const sub = await subscriber(
        `http://${ready[0]?.ip}:${ready[0]?.port}`,
        secrets.hmac,
        'chat:hello',
      );
      const internal = await readyEndpoints(api, NS, `${NAME}-internal`, 'internal');
      const received = once<{ data: unknown }>(sub.subscription, 'publication', 10_000);
      await publish(internal[0] as Endpoint, secrets.apiKey, 'chat:hello', {
        text: 'from a real kubelet',
      });
      assert.deepEqual((await received).data, { text: 'from a real kubelet' });
      sub.client.disconnect();
    },
  );

  // ---- 3. NATS and 2 replicas ----
  let readyWait: Promise<ReadyAnswer> | undefined;
  await step(
    'NATS on the node network and 2 replicas: a publish on one pod reaches the other',
    async () => {
      const natsDir = join(cluster.dir, 'nats');
      const nats = cluster.startOnNode('nats-server', natsBin, [
        '--addr',
        cluster.nodeIp,
        '--port',
        '4222',
        '--jetstream',
        '--store_dir',
        natsDir,
      ]);
      closers.push(() => nats.stop());
      const natsUrl = `nats://${cluster.nodeIp}:4222`;
      await waitFor('nats-server', async () => (await natsInfo(natsUrl)).jetstream === true);
      await api.kubectlOk([
        'patch',
        '-n',
        NS,
        `centrifugo/${NAME}`,
        '--type=merge',
        '-p',
        JSON.stringify({
          spec: {
            replicas: 2,
            pdb: { enabled: true },
            engine: { type: 'nats', nats: { urls: [natsUrl], replicas: 1 } },
          },
        }),
      ]);
      // What `kubectl wait --for=condition=Ready` answers during the rollout this starts.
      const patchedAt = Date.now();
      readyWait = api
        .kubectl(
          ['wait', '-n', NS, `centrifugo/${NAME}`, '--for=condition=Ready', '--timeout=180s'],
          {
            timeoutMs: 200_000,
          },
        )
        .then(async (r) => {
          const at = Date.now() - patchedAt;
          const d = await getJson<DeploymentStatus>(
            api,
            `/apis/apps/v1/namespaces/${NS}/deployments/${NAME}`,
          );
          return { code: r.code, at, deployment: d };
        });
      await waitFor('the Deployment at 2 replicas on NATS', async () => {
        const d = await getJson<{ spec: { replicas: number } }>(
          api,
          `/apis/apps/v1/namespaces/${NS}/deployments/${NAME}`,
        );
        return d?.spec.replicas === 2;
      });
      await api.kubectlOk(['rollout', 'status', '-n', NS, `deployment/${NAME}`, '--timeout=180s'], {
        timeoutMs: 200_000,
      });
      const rolledAt = Date.now() - patchedAt;
      const ready = await readyWait;
      console.log(
        `  kubectl wait --for=condition=Ready returned ${ready.at} ms after the patch (exit ${ready.code}); the rollout finished after ${rolledAt} ms; the Deployment then: ${JSON.stringify(ready.deployment?.status)}`,
      );
      const client = await waitFor('2 ready client endpoints', async () => {
        const e = await readyEndpoints(api, NS, NAME, 'client');
        return e.length === 2 ? e : undefined;
      });
      const internal = await readyEndpoints(api, NS, `${NAME}-internal`, 'internal');
      const [a, b] = client as [Endpoint, Endpoint];
      const onB = internal.find((e) => e.pod === b.pod) as Endpoint;
      const info = await waitFor('info listing 2 nodes', async () => {
        const r = await callApi(onB, secrets.apiKey, 'info', {});
        return (r.result?.nodes as unknown[] | undefined)?.length === 2 ? r : undefined;
      });
      assert.ok(info);
      const sub = await subscriber(`http://${a.ip}:${a.port}`, secrets.hmac, 'chat:across');
      const received = once<{ data: unknown }>(sub.subscription, 'publication', 10_000);
      await publish(onB, secrets.apiKey, 'chat:across', { from: b.pod });
      assert.deepEqual((await received).data, { from: b.pod });
      sub.client.disconnect();
    },
  );

  await t.test(
    'Ready only once the Deployment has rolled out the change (issue 24)',
    { todo: 'the operator reports Ready from a Deployment that has not caught up' },
    async () => {
      const ready = await readyWait;
      assert.equal(ready?.code, 0);
      const d = ready?.deployment;
      assert.ok(d, 'the Deployment exists');
      assert.equal(d.status.observedGeneration, d.metadata.generation, 'observed the new spec');
      assert.equal(d.status.updatedReplicas, d.spec.replicas, 'every pod updated');
      assert.equal(d.status.availableReplicas, d.spec.replicas, 'and available');
      assert.equal(d.status.replicas, d.spec.replicas, 'no old pod left');
    },
  );

  // ---- 4. rollout restart with subscribers and a publishing backend ----
  const clientSvc = await serviceProxy(api, NS, NAME, 'client');
  const internalSvc = await serviceProxy(api, NS, `${NAME}-internal`, 'internal');
  closers.push(
    () => clientSvc.close(),
    () => internalSvc.close(),
  );
  let rollout: RolloutReport | undefined;
  await step(
    `kubectl rollout restart: ${SUBSCRIBERS} subscribers reconnect, publishing at ${1000 / PUBLISH_EVERY_MS}/s`,
    async () => {
      rollout = await rolloutUnderLoad(api, clientSvc, internalSvc, secrets);
      console.log(rollout.summary);
    },
  );
  await t.test(
    'rollout restart loses nothing (needs a preStop drain in the node pods: issue 24)',
    {
      todo: 'node pods have no preStop drain: API publishes on keep-alive connections fail at SIGTERM',
    },
    () => {
      assert.ok(rollout);
      assert.equal(rollout.failedPublishes, 0, 'no API publish fails');
      assert.deepEqual(
        rollout.lossy,
        [],
        'every subscriber receives every publication once, in order',
      );
    },
  );
  rollout?.disconnect();

  // ---- 5. drain under the PDB ----
  await step(
    'kubectl drain: the PDB lets one node pod go and keeps the other; uncordon restores 2',
    async () => {
      // The old pods of the rollout have finished terminating: 2 pods, both Ready.
      const before = await waitFor("the rollout's old pods gone", async () => {
        const pods = await podsOf(api, NS, SELECTOR);
        return pods.length === 2 ? pods : undefined;
      });
      assert.equal(before.filter(isReady).length, 2);
      let minReady = Number.POSITIVE_INFINITY;
      let watching = true;
      const watch = (async () => {
        while (watching) {
          minReady = Math.min(minReady, clientSvc.current().length);
          await sleep(100);
        }
      })();
      const drain = await api.kubectl(
        [
          'drain',
          cluster.nodeName,
          '--ignore-daemonsets',
          '--delete-emptydir-data',
          '--timeout=30s',
        ],
        { timeoutMs: 60_000 },
      );
      watching = false;
      await watch;
      assert.notEqual(drain.code, 0, 'the drain cannot finish: the PDBs hold the last pods');
      const said = `${drain.stdout}\n${drain.stderr}`;
      const evicted = [...said.matchAll(/pod\/(\S+) evicted/g)].map((m) => m[1]);
      const refused = said
        .split('\n')
        .find((l) => l.includes(`-n "${NS}"`) && l.includes('disruption budget'));
      assert.ok(refused, `the PDB refused to evict the last node pod:\n${said}`);
      console.log(
        `  drain: evicted ${evicted.join(', ')}; then, until --timeout: ${refused.trim()}`,
      );
      const during = await podsOf(api, NS, SELECTOR);
      const running = during.filter((p) => !p.metadata.deletionTimestamp && p.spec.nodeName);
      assert.equal(
        running.length,
        1,
        'one node pod kept (the other evicted, its replacement unschedulable)',
      );
      assert.ok(minReady >= 1, `the client Service kept a ready endpoint (min ${minReady})`);
      const pdb = await getJson<{ status: { disruptionsAllowed: number; currentHealthy: number } }>(
        api,
        `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/${NAME}`,
      );
      assert.equal(pdb?.status.disruptionsAllowed, 0);
      // Still serving through the Service while drained.
      const r = await callApi(internalSvc.address, secrets.apiKey, 'publish', {
        channel: 'chat:drain',
        data: {},
      });
      assert.equal(r.error, undefined);
      await api.kubectlOk(['uncordon', cluster.nodeName]);
      await api.kubectlOk(['rollout', 'status', '-n', NS, `deployment/${NAME}`, '--timeout=120s'], {
        timeoutMs: 140_000,
      });
      await waitFor(
        '2 ready endpoints again',
        async () => clientSvc.current().length === 2,
        60_000,
      );
    },
  );

  // ---- 6. garbage collection ----
  await step('kubectl delete centrifugo: the garbage collector removes every child', async () => {
    await api.kubectlOk(['delete', '-n', NS, `centrifugo/${NAME}`, '--wait=true', '--timeout=60s']);
    const children = [
      `/apis/apps/v1/namespaces/${NS}/deployments/${NAME}`,
      `/api/v1/namespaces/${NS}/services/${NAME}`,
      `/api/v1/namespaces/${NS}/services/${NAME}-internal`,
      `/api/v1/namespaces/${NS}/configmaps/${NAME}-config`,
      `/api/v1/namespaces/${NS}/secrets/${NAME}-credentials`,
      `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/${NAME}`,
    ];
    for (const path of children) {
      await waitFor(
        `${path} deleted`,
        async () => (await getJson(api, path)) === undefined,
        60_000,
      );
    }
    await waitFor(
      'no ReplicaSet and no pod left',
      async () => {
        const rs = await api.kubectlOk([
          'get',
          'replicasets',
          '-n',
          NS,
          '-l',
          SELECTOR,
          '-o',
          'name',
        ]);
        const pods = await podsOf(api, NS, SELECTOR);
        return rs.trim() === '' && pods.length === 0;
      },
      90_000,
    );
  });
});

// ---------------------------------------------------------------------------------------------

interface RolloutReport {
  summary: string;
  failedPublishes: number;
  /** Subscribers that missed, repeated or reordered a publication (name: what). */
  lossy: string[];
  disconnect(): void;
}

async function rolloutUnderLoad(
  api: ApiServer,
  clientSvc: ServiceProxy,
  internalSvc: ServiceProxy,
  secrets: { apiKey: string; hmac: string },
): Promise<RolloutReport> {
  const channel = 'chat:rollout';
  // The pods of the previous rollout have finished terminating: 2 pods, the ones to replace.
  const oldPods = await waitFor("the previous rollout's old pods gone", async () => {
    const pods = await podsOf(api, NS, SELECTOR);
    return pods.length === 2 ? pods.map((p) => p.metadata.name) : undefined;
  });
  const subs = await Promise.all(
    Array.from({ length: SUBSCRIBERS }, () =>
      subscriber(`http://${clientSvc.address}`, secrets.hmac, channel),
    ),
  );
  const t0 = Date.now();
  const published: number[] = [];
  const failures: string[] = [];
  let publishing = true;
  const publisher = (async () => {
    for (let seq = 1; publishing && seq < 100_000; seq++) {
      const started = Date.now();
      try {
        const r = await callApi(internalSvc.address, secrets.apiKey, 'publish', {
          channel,
          data: { seq },
        });
        if (r.error) failures.push(`${seq}: ${JSON.stringify(r.error)}`);
        else published.push(seq);
      } catch (err) {
        failures.push(`${seq}: ${(err as Error).message}`);
      }
      await sleep(Math.max(0, PUBLISH_EVERY_MS - (Date.now() - started)));
    }
  })();
  await sleep(1_000);
  const restartAt = Date.now();
  // When each old pod starts terminating (SIGTERM) and when it is gone, seen every 200 ms.
  const lifecycle = new Map<string, { terminating?: number; gone?: number }>();
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const pods = await podsOf(api, NS, SELECTOR).catch(() => undefined);
      for (const name of oldPods) {
        const l = lifecycle.get(name) ?? {};
        const pod = pods?.find((p) => p.metadata.name === name);
        if (pod?.metadata.deletionTimestamp && l.terminating === undefined)
          l.terminating = Date.now();
        if (pods && !pod && l.gone === undefined) l.gone = Date.now();
        lifecycle.set(name, l);
      }
      await sleep(200);
    }
  })();
  await api.kubectlOk(['rollout', 'restart', '-n', NS, `deployment/${NAME}`]);
  await api.kubectlOk(['rollout', 'status', '-n', NS, `deployment/${NAME}`, '--timeout=240s'], {
    timeoutMs: 260_000,
  });
  const rolledMs = Date.now() - restartAt;
  await waitFor(
    '2 ready endpoints after the rollout',
    async () => clientSvc.current().length === 2,
    60_000,
  );
  await sleep(2_000);
  publishing = false;
  await publisher;
  watching = false;
  await watcher;
  const last = published[published.length - 1];
  assert.ok(
    last !== undefined,
    `some publishes succeed (failures: ${failures.slice(0, 3).join('; ')})`,
  );
  // Every subscriber is back and hears the publications made after the rollout.
  await waitFor(
    'every subscriber received the last publication',
    async () => subs.every((s) => s.seqs.includes(last)),
    30_000,
  ).catch((err) => {
    const behind = subs.filter((s) => !s.seqs.includes(last)).map((s) => `${s.name}: ${s.state()}`);
    throw new Error(`${(err as Error).message}: ${behind.join(', ')}`);
  });

  const newPods = (await podsOf(api, NS, SELECTOR)).filter((p) => !p.metadata.deletionTimestamp);
  assert.equal(newPods.length, 2);
  for (const p of newPods)
    assert.ok(!oldPods.includes(p.metadata.name), `${p.metadata.name} is new`);
  for (const s of subs) assert.ok(s.reconnects >= 1, `${s.name} was moved off an old pod`);

  const lossy: string[] = [];
  const ok = new Set(published);
  for (const s of subs) {
    const got = s.seqs.filter((x) => ok.has(x));
    const first = published.indexOf(got[0] ?? -1);
    const expected = published.slice(Math.max(first, 0));
    const dupes = got.length - new Set(got).size;
    const missing = expected.filter((x) => !got.includes(x)).length;
    const ordered = got.every((x, i) => i === 0 || x > (got[i - 1] as number));
    if (dupes || missing || !ordered)
      lossy.push(
        `${s.name}: ${missing} missing, ${dupes} repeated${ordered ? '' : ', out of order'}`,
      );
  }
  const reconnectMs = subs.flatMap((s) => s.reconnectMs).sort((a, b) => a - b);
  const pct = (p: number) =>
    reconnectMs[Math.min(reconnectMs.length - 1, Math.floor(p * reconnectMs.length))] ?? 0;
  const codes = new Map<string, number>();
  for (const s of subs) for (const c of s.disconnectCodes) codes.set(c, (codes.get(c) ?? 0) + 1);
  const at = (ms: number | undefined) => (ms === undefined ? '?' : `+${ms - restartAt} ms`);
  const disconnects = subs.flatMap((s) => s.disconnectedAt).sort((a, b) => a - b);
  const timeline = [
    ...oldPods.map((name) => {
      const l = lifecycle.get(name);
      const left = clientSvc.left().find((e) => e.pod === name)?.at;
      return `${name}: terminating ${at(l?.terminating)}, out of the client endpoints ${at(left)}, gone ${at(l?.gone)}`;
    }),
    `client disconnects from ${at(disconnects[0])} to ${at(disconnects[disconnects.length - 1])}`,
  ];
  const summary = [
    `  rollout: ${rolledMs} ms for 2 pods; ${published.length} publishes ok, ${failures.length} failed${failures.length ? ` (first: ${failures[0]})` : ''}`,
    `  subscribers: ${SUBSCRIBERS}, ${subs.reduce((n, s) => n + s.reconnects, 0)} reconnects, reconnect time p50 ${pct(0.5)} ms p99 ${pct(0.99)} ms, disconnect codes ${JSON.stringify(Object.fromEntries(codes))}`,
    `  delivery: ${lossy.length} of ${SUBSCRIBERS} subscribers missed or repeated publications${lossy.length ? ` (${lossy.slice(0, 3).join('; ')})` : ''}`,
    ...timeline.map((l) => `  timeline: ${l}`),
    `  load ran ${Date.now() - t0} ms`,
  ].join('\n');
  return {
    summary,
    failedPublishes: failures.length,
    lossy,
    disconnect: () => {
      for (const s of subs) s.client.disconnect();
    },
  };
}

interface Subscriber {
  name: string;
  client: Client;
  subscription: ReturnType<Client['newSubscription']>;
  seqs: number[];
  reconnects: number;
  reconnectMs: number[];
  disconnectedAt: number[];
  disconnectCodes: string[];
  state(): string;
}

let subscriberCount = 0;
/** Every SDK client made, disconnected when the test ends (a failed step included). */
const clients = new Set<Client>();

/** An official-SDK client subscribed to `channel`, with the tokens a backend would sign. */
async function subscriber(url: string, hmac: string, channel: string): Promise<Subscriber> {
  const name = `sub-${++subscriberCount}`;
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(name)
      .setExpirationTime('30m')
      .sign(new TextEncoder().encode(hmac));
  const client = newClient({ url } as TestNode, 'json', {
    token: await sign({}),
    minReconnectDelay: 100,
    maxReconnectDelay: 1_000,
  });
  clients.add(client);
  const subscription = client.newSubscription(channel, { token: await sign({ channel }) });
  const s: Subscriber = {
    name,
    client,
    subscription,
    seqs: [],
    reconnects: 0,
    reconnectMs: [],
    disconnectedAt: [],
    disconnectCodes: [],
    state: () => `${client.state}/${subscription.state}`,
  };
  let lostAt = 0;
  let connectedOnce = false;
  subscription.on('publication', (ctx: { data: { seq?: number } }) => {
    if (typeof ctx.data?.seq === 'number') s.seqs.push(ctx.data.seq);
  });
  client.on('connecting', (ctx: { code: number; reason: string }) => {
    if (!connectedOnce || lostAt !== 0) return;
    lostAt = Date.now();
    s.disconnectedAt.push(lostAt);
    s.disconnectCodes.push(`${ctx.code}`);
  });
  client.on('connected', () => {
    connectedOnce = true;
    if (lostAt !== 0) {
      s.reconnects++;
      s.reconnectMs.push(Date.now() - lostAt);
      lostAt = 0;
    }
  });
  const subscribed = once(subscription, 'subscribed', 15_000);
  subscription.subscribe();
  client.connect();
  await subscribed;
  return s;
}

async function credentials(api: ApiServer): Promise<{ apiKey: string; hmac: string }> {
  const secretName = await api.kubectlOk([
    'get',
    '-n',
    NS,
    'centrifugo',
    NAME,
    '-o',
    'jsonpath={.status.credentials.secretName}',
  ]);
  const secret = await getJson<{ data: Record<string, string> }>(
    api,
    `/api/v1/namespaces/${NS}/secrets/${secretName}`,
  );
  const value = (k: string) => Buffer.from(secret?.data[k] ?? '', 'base64').toString('utf8');
  const keys = { apiKey: value('http_api.key'), hmac: value('client.token.hmac_secret_key') };
  assert.ok(keys.apiKey.length >= 32 && keys.hmac.length >= 32, 'generated credentials');
  return keys;
}

async function callApi(
  target: Endpoint | string,
  apiKey: string,
  method: string,
  body: unknown,
): Promise<{ result?: Record<string, unknown>; error?: unknown }> {
  const host = typeof target === 'string' ? target : `${target.ip}:${target.port}`;
  const res = await fetch(`http://${host}/api/${method}`, {
    method: 'POST',
    headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  if (res.status !== 200) throw new Error(`${method} on ${host}: HTTP ${res.status}`);
  return (await res.json()) as { result?: Record<string, unknown>; error?: unknown };
}

async function publish(
  target: Endpoint,
  apiKey: string,
  channel: string,
  data: unknown,
): Promise<void> {
  const r = await callApi(target, apiKey, 'publish', { channel, data });
  assert.equal(r.error, undefined, `publish: ${JSON.stringify(r.error)}`);
}

async function podsOf(api: ApiServer, namespace: string, selector: string): Promise<Pod[]> {
  const res = await api.request(
    'GET',
    `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(selector)}`,
  );
  assert.equal(res.status, 200, res.body);
  return res.json<{ items: Pod[] }>().items;
}

const isReady = (p: Pod) =>
  p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

async function getJson<T>(api: ApiServer, path: string): Promise<T | undefined> {
  const res = await api.request('GET', path);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.body}`);
  return res.json<T>();
}

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    await sleep(200);
  }
  const why = lastError ? `: ${(lastError as Error).message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
}

/** What a failed step prints: pods, events, and the last log lines of the pods and components. */
async function diagnostics(cluster: RealCluster): Promise<string> {
  const { api } = cluster;
  const out: string[] = [];
  const run = async (args: string[]) => {
    const r = await api.kubectl(args, { timeoutMs: 20_000 });
    out.push(`$ kubectl ${args.join(' ')}\n${r.stdout}${r.stderr}`);
  };
  await run(['get', 'pods', '-A', '-o', 'wide']);
  await run(['get', 'events', '-A', '--sort-by=.lastTimestamp']);
  for (const ns of [OPERATOR_NS, NS]) {
    const pods = await podsOf(api, ns, 'app.kubernetes.io/name').catch(() => []);
    for (const p of pods) await run(['logs', '-n', ns, p.metadata.name, '--tail=30']);
  }
  out.push(cluster.logTail());
  return out.join('\n');
}
