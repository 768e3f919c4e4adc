// End to end, from `helm install` to a delivered message, against a real kube-apiserver + etcd,
// a real 3-server NATS cluster with JetStream, real helm and kubectl, the official SDK and a
// real Prometheus:
//
//  1. `helm install` the chart; read the operator Deployment back and run its replicas as the
//     kubelet would (test/e2e/kubelet.ts: same image entrypoint, args, env, service account);
//     one takes the Lease.
//  2. `kubectl apply` deploy/examples/nats-three-replicas.yaml; the operator (as the chart's
//     ServiceAccount, under the chart's RBAC) creates the Secret, ConfigMap, Deployment,
//     Services and PDB.
//  3. Run the Deployment's 3 node pods with exactly the env, args and config read back from
//     the Deployment, ConfigMap and Secret. Rewritten, and printed: the NATS URLs (the example
//     names nats.nats.svc; here the loopback cluster) and the bind address (each pod binds its
//     own loopback IP, as its own pod IP; ports stay 8000/9000 unless taken on this machine).
//  4. An HTTP publish through the internal Service (resolved as kube-proxy would) reaches an
//     official-SDK subscriber connected to another node.
//  5. Prometheus, with the README's scrape config (Kubernetes pod discovery against this API
//     server), scrapes the three nodes.
//  6. `helm upgrade` with a changed value rolls the operator's pod template; the new replicas
//     take over and reconcile. `helm uninstall` removes the operator and keeps the CRD and
//     every Centrifugo.
//
// Runtimes: `process` always; `docker` too when a Docker engine answers (the image is built
// with scripts/docker-build.sh and node and operator run as containers through
// testcontainers, host network). The output says which ran (`e2e runtime: ...`).
// CENTRIFUGO_TS_E2E_RUNTIMES=process|docker|process,docker narrows or forces the choice;
// a forced runtime that cannot run fails.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { newClient, once } from '../client/sdk.ts';
import { type ApiServer, findHelm, startApiServer } from '../k8s/harness.ts';
import { findNatsServer, freePorts, type NatsCluster, startNatsCluster } from '../nats/harness.ts';
import type { TestNode } from '../node/harness.ts';
import {
  dockerAvailable,
  type PodPlan,
  type PodTemplate,
  planPod,
  pruneImages,
  type RunningPod,
  type Runtime,
  rewriteEnv,
  rewriteFlag,
  runPod,
  waitForProbe,
} from './kubelet.ts';
import { documentedScrapeConfigs, findPrometheus, startPrometheus } from './prometheus.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHART = `${ROOT}deploy/helm/centrifugo-ts-operator`;
const EXAMPLE = `${ROOT}deploy/examples/nats-three-replicas.yaml`;
const OPERATOR_NS = 'centrifugo-ts-system';
const APP_NS = 'realtime';
const RELEASE = 'cto';
const OPERATOR = `${RELEASE}-centrifugo-ts-operator`;
const NAME = 'chat';
const CRD = 'centrifugos.centrifugo-ts.dev';

interface Deployment {
  metadata: { name: string; generation: number; labels?: Record<string, string> };
  spec: { replicas: number; template: PodTemplate };
}

const requested = (process.env.CENTRIFUGO_TS_E2E_RUNTIMES ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);

for (const runtime of ['process', 'docker'] as const) {
  test(`e2e (${runtime}): helm install -> operator -> 3 nodes on NATS -> delivered, scraped; helm upgrade, uninstall`, {
    timeout: runtime === 'docker' ? 900_000 : 300_000,
  }, async (t) => {
    if (requested.length > 0 && !requested.includes(runtime)) {
      t.skip(`CENTRIFUGO_TS_E2E_RUNTIMES=${requested.join(',')}`);
      return;
    }
    if (runtime === 'docker') {
      const docker = await dockerAvailable();
      if (!docker.ok) {
        const reason = `no Docker engine (${docker.why}): scripts/ensure-docker.sh starts one`;
        if (requested.includes('docker')) throw new Error(reason);
        console.log(`skipping: ${reason}`);
        t.skip(reason);
        return;
      }
      console.log(`e2e runtime: docker (${docker.why}): node and operator run as containers`);
    } else {
      console.log('e2e runtime: process: node and operator run as processes of this checkout');
    }
    await e2e(t, runtime);
  });
}

async function e2e(t: TestContext, runtime: Runtime): Promise<void> {
  const assets = findHelm(t);
  const natsBin = assets && findNatsServer(t);
  const promBin = natsBin && findPrometheus(t);
  if (!assets || !natsBin || !promBin) return;
  if (runtime === 'docker') await buildImage();

  const [api, nats] = await Promise.all([
    startApiServer({ assets, t, users: [{ name: 'prometheus' }] }),
    startNatsCluster(3, { bin: natsBin, t }),
  ]);
  const pods: RunningPod[] = [];
  t.after(async () => {
    await Promise.all(pods.map((p) => p.stop(5_000)));
  });
  const step = async (name: string, fn: () => Promise<void>) => {
    const t0 = Date.now();
    try {
      await fn();
    } catch (err) {
      const logs = await Promise.all(
        pods.map(async (p) => `--- ${p.plan.name}\n${(await p.logs()).slice(-3000)}`),
      );
      (err as Error).message += `\n[step: ${name}]\n${logs.join('\n')}`;
      throw err;
    }
    console.log(`  ok ${name} (${Date.now() - t0} ms)`);
  };

  // ---- 1. helm install; the operator replicas the Deployment asks for ----
  let operators: RunningPod[] = [];
  await step('helm install', async () => {
    const install = await api.helm(
      ['install', RELEASE, CHART, '-n', OPERATOR_NS, '--create-namespace', '--timeout', '60s'],
      { timeoutMs: 90_000 },
    );
    assert.equal(install.code, 0, install.stderr);
    // NOTES tell how to read the API key and reach the internal Service.
    assert.match(install.stdout, /\{\.data\.http_api\\\.key\}/);
    assert.match(install.stdout, /status\.endpoints\.internal/);
    await api.kubectlOk(['wait', '--for=condition=Established', `crd/${CRD}`, '--timeout=60s']);
    const crd = JSON.parse(await api.kubectlOk(['get', 'crd', CRD, '-o', 'json']));
    assert.equal(crd.metadata.annotations['helm.sh/resource-policy'], 'keep');
  });
  await step('operator replicas run as the Deployment says; one leads', async () => {
    operators = await runOperators(api, runtime, pods);
    const holder = await waitFor('a Lease holder', async () => {
      const lease = await getJson<{ spec?: { holderIdentity?: string } }>(
        api,
        `/apis/coordination.k8s.io/v1/namespaces/${OPERATOR_NS}/leases/${OPERATOR}`,
      );
      return lease?.spec?.holderIdentity;
    });
    const leading = await waitFor('one operator logging "leading"', async () => {
      const logs = await Promise.all(operators.map((o) => o.logs()));
      const n = logs.filter((l) => l.includes('"msg":"leading"')).length;
      return n === 1 ? logs : undefined;
    });
    assert.ok(
      leading.some((l) => l.includes(holder)),
      `holder ${holder} is one of ours`,
    );
    // In a container the operator finds its credentials as in a pod: the projected service
    // account and KUBERNETES_SERVICE_*; as a process, through the kubeconfig made from them.
    const source = runtime === 'docker' ? 'in-cluster service account' : 'kubeconfig';
    for (const l of leading) assert.match(l, new RegExp(`"credentials":"${source}`));
  });

  // ---- 2. kubectl apply the NATS example; the operator creates everything ----
  await step('kubectl apply the NATS example; the operator creates every child', async () => {
    await api.createNamespace(APP_NS);
    await api.kubectlOk(['apply', '-n', APP_NS, '-f', EXAMPLE]);
    for (const path of [
      `/api/v1/namespaces/${APP_NS}/secrets/${NAME}-credentials`,
      `/api/v1/namespaces/${APP_NS}/configmaps/${NAME}-config`,
      `/apis/apps/v1/namespaces/${APP_NS}/deployments/${NAME}`,
      `/api/v1/namespaces/${APP_NS}/services/${NAME}`,
      `/api/v1/namespaces/${APP_NS}/services/${NAME}-internal`,
      `/apis/policy/v1/namespaces/${APP_NS}/poddisruptionbudgets/${NAME}`,
    ]) {
      const object = await waitFor(path, () => getJson<OwnedObject>(api, path));
      const owner = object.metadata.ownerReferences?.[0];
      assert.equal(owner?.kind, 'Centrifugo', `${path} is owned by the Centrifugo`);
      assert.equal(owner?.controller, true);
    }
  });

  // ---- 3. the node pods, from what the API server holds ----
  const deployment = await getJson<Deployment>(
    api,
    `/apis/apps/v1/namespaces/${APP_NS}/deployments/${NAME}`,
  );
  assert.ok(deployment);
  let nodes: RunningPod[] = [];
  await step(
    `${deployment.spec.replicas} node pods from the Deployment, ConfigMap and Secret`,
    async () => {
      nodes = await runNodes(api, runtime, deployment, nats, pods);
      // What the Deployment controller would write once the pods are ready.
      await api.request(
        'PATCH',
        `/apis/apps/v1/namespaces/${APP_NS}/deployments/${NAME}/status`,
        {
          status: {
            observedGeneration: deployment.metadata.generation,
            replicas: nodes.length,
            updatedReplicas: nodes.length,
            readyReplicas: nodes.length,
            availableReplicas: nodes.length,
          },
        },
        { contentType: 'application/merge-patch+json' },
      );
      await api.kubectlOk([
        'wait',
        '-n',
        APP_NS,
        `centrifugo/${NAME}`,
        '--for=condition=Ready',
        '--timeout=60s',
      ]);
    },
  );

  // ---- 4. publish through the internal Service; an SDK client on another node receives ----
  await step('HTTP publish on one node reaches an SDK subscriber on another', async () => {
    // As NOTES.txt says: the Secret named in the status, its keys read with kubectl.
    const secretName = await api.kubectlOk([
      'get',
      '-n',
      APP_NS,
      'centrifugo',
      NAME,
      '-o',
      'jsonpath={.status.credentials.secretName}',
    ]);
    const secretKey = async (key: string) =>
      Buffer.from(
        await api.kubectlOk([
          'get',
          '-n',
          APP_NS,
          'secret',
          secretName,
          '-o',
          `jsonpath={.data.${key.replaceAll('.', '\\.')}}`,
        ]),
        'base64',
      ).toString('utf8');
    const apiKey = await secretKey('http_api.key');
    const hmac = await secretKey('client.token.hmac_secret_key');
    assert.ok(apiKey.length >= 32 && hmac.length >= 32);

    const [podA, podB, podC] = nodes as [RunningPod, RunningPod, RunningPod];
    const internal = await serviceTarget(api, `${NAME}-internal`, podA);
    const client = await serviceTarget(api, NAME, podB);
    // Tokens as a backend signs them: the namespace lets no one subscribe without one.
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('alice')
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode(hmac));
    const token = await sign({});
    const sdk = newClient({ url: `http://${client}` } as TestNode, 'json', { token });
    t.after(() => sdk.disconnect());
    const sub = sdk.newSubscription('chat:room', { token: await sign({ channel: 'chat:room' }) });
    const subscribed = once(sub, 'subscribed', 10_000);
    sub.subscribe();
    sdk.connect();
    await subscribed;

    const callApi = async (target: string, method: string, body: unknown) => {
      const res = await fetch(`http://${target}/api/${method}`, {
        method: 'POST',
        headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5_000),
      });
      assert.equal(res.status, 200, `${method} on ${target}`);
      return (await res.json()) as { result?: Record<string, unknown>; error?: unknown };
    };
    const info = await waitFor('info listing the 3 nodes', async () => {
      const r = await callApi(internal, 'info', {});
      const listed = (r.result?.nodes as unknown[] | undefined) ?? [];
      return listed.length === 3 ? listed : undefined;
    });
    assert.equal(info.length, 3);

    const received = once<{ data: unknown; offset?: number }>(sub, 'publication', 10_000);
    const published = await callApi(internal, 'publish', {
      channel: 'chat:room',
      data: { text: 'hello from helm install' },
    });
    assert.equal(published.error, undefined);
    const publication = await received;
    assert.deepEqual(publication.data, { text: 'hello from helm install' });
    // History is shared through JetStream: what node A stored, node C serves.
    const third = await serviceTarget(api, `${NAME}-internal`, podC);
    const history = await callApi(third, 'history', { channel: 'chat:room', limit: 10 });
    const pubs = (history.result?.publications as { data: unknown }[] | undefined) ?? [];
    assert.deepEqual(
      pubs.map((p) => p.data),
      [{ text: 'hello from helm install' }],
    );
    sdk.disconnect();
  });

  // ---- 5. Prometheus scrapes the nodes with the README's scrape config ----
  await step("Prometheus scrapes every node with the README's scrape config", async () => {
    await api.apply(PROMETHEUS_RBAC);
    const jobs = documentedScrapeConfigs();
    const job = jobs[0] as {
      job_name: string;
      kubernetes_sd_configs: Record<string, unknown>[];
    };
    // Rewritten: in a cluster Prometheus finds the API server and its credentials in-cluster;
    // here they are given (the relabeling is the README's, untouched).
    const sd = job.kubernetes_sd_configs[0] as Record<string, unknown>;
    sd.api_server = api.url;
    sd.tls_config = { ca_file: api.caPath };
    const tokenFile = `${api.dir}/prometheus.token`;
    await writeFile(tokenFile, api.tokenFor('prometheus'), { mode: 0o600 });
    sd.authorization = { credentials_file: tokenFile };
    const prom = await startPrometheus(promBin, {
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      scrape_configs: [job],
    });
    t.after(() => prom.stop());
    const targets = await waitFor(
      'three healthy targets',
      async () => {
        const active = await prom.activeTargets();
        const up = active.filter((a) => a.health === 'up');
        return up.length === 3 && active.length === 3 ? active : undefined;
      },
      30_000,
    ).catch(async (err) => {
      throw new Error(
        `${(err as Error).message}\ntargets: ${JSON.stringify(await prom.activeTargets())}\n${prom.logTail()}\n${prom.config}`,
      );
    });
    const scraped = targets.map((a) => new URL(a.scrapeUrl)).map((u) => `${u.host}${u.pathname}`);
    const expected = nodes.map((n) => `${n.plan.ip}:${n.plan.ports.internal}/metrics`);
    assert.deepEqual(scraped.sort(), expected.sort());
    for (const a of targets) {
      assert.equal(a.labels.job, job.job_name);
      assert.equal(a.labels.namespace, APP_NS);
      assert.equal(a.labels.centrifugo, NAME);
    }
    const sizes = await waitFor('centrifugo_node_num_nodes == 3 on every node', async () => {
      const r = await prom.query(`centrifugo_node_num_nodes{job="${job.job_name}"}`);
      return r.length === 3 && r.every((s) => s.value[1] === '3') ? r : undefined;
    });
    assert.equal(sizes.length, 3);
    const publishes = await prom.query(
      `sum(centrifugo_api_command_duration_seconds_count{job="${job.job_name}",method="publish"})`,
    );
    assert.equal(publishes[0]?.value[1], '1', 'the one publish is counted');
  });

  // ---- 6. helm upgrade rolls the operator; helm uninstall ----
  await step('helm upgrade: a values change rolls the operator pod template', async () => {
    const before = await getJson<Deployment>(
      api,
      `/apis/apps/v1/namespaces/${OPERATOR_NS}/deployments/${OPERATOR}`,
    );
    assert.ok(before);
    const upgrade = await api.helm(
      ['upgrade', RELEASE, CHART, '-n', OPERATOR_NS, '--reuse-values', '--set', 'logLevel=debug'],
      { timeoutMs: 90_000 },
    );
    assert.equal(upgrade.code, 0, upgrade.stderr);
    const after = await getJson<Deployment>(
      api,
      `/apis/apps/v1/namespaces/${OPERATOR_NS}/deployments/${OPERATOR}`,
    );
    assert.ok(after);
    assert.ok(after.metadata.generation > before.metadata.generation, 'the spec changed');
    const args = (d: Deployment) => d.spec.template.spec.containers[0]?.args ?? [];
    assert.ok(args(before).includes('--log-level=info'));
    assert.ok(args(after).includes('--log-level=debug'), 'the pod template carries the change');
    // The rollout: old replicas stop (releasing the Lease), new ones start from the new template.
    const codes = await Promise.all(operators.map((o) => o.stop(15_000)));
    assert.deepEqual(
      codes,
      operators.map(() => 0),
      'graceful operator shutdown exits 0',
    );
    operators = await runOperators(api, runtime, pods);
    await waitFor('a new replica leading', async () => {
      const logs = await Promise.all(operators.map((o) => o.logs()));
      return logs.some((l) => l.includes('"msg":"leading"'));
    });
    // The new leader reconciles: a spec change reaches the Deployment.
    await api.kubectlOk([
      'patch',
      '-n',
      APP_NS,
      'centrifugo',
      NAME,
      '--type=merge',
      '-p',
      '{"spec":{"replicas":2}}',
    ]);
    await waitFor('the Deployment scaled to 2 by the new leader', async () => {
      const d = await getJson<Deployment>(
        api,
        `/apis/apps/v1/namespaces/${APP_NS}/deployments/${NAME}`,
      );
      return d?.spec.replicas === 2;
    });
  });

  await step('helm uninstall: the operator goes, the CRD and the Centrifugos stay', async () => {
    const uninstall = await api.helm(['uninstall', RELEASE, '-n', OPERATOR_NS, '--wait'], {
      timeoutMs: 90_000,
    });
    assert.equal(uninstall.code, 0, uninstall.stderr);
    assert.match(uninstall.stdout, /kept due to the resource policy/);
    const gone = [
      `/apis/apps/v1/namespaces/${OPERATOR_NS}/deployments/${OPERATOR}`,
      `/api/v1/namespaces/${OPERATOR_NS}/serviceaccounts/${OPERATOR}`,
      `/apis/rbac.authorization.k8s.io/v1/clusterroles/${OPERATOR}`,
      `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${OPERATOR}`,
      `/apis/rbac.authorization.k8s.io/v1/namespaces/${OPERATOR_NS}/roles/${OPERATOR}-leader-election`,
    ];
    for (const path of gone) {
      await waitFor(`${path} deleted`, async () => (await getJson(api, path)) === undefined);
    }
    assert.ok(await getJson(api, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD}`));
    assert.ok(
      await getJson(
        api,
        `/apis/centrifugo-ts.dev/v1alpha1/namespaces/${APP_NS}/centrifugos/${NAME}`,
      ),
      'the Centrifugo outlives the operator',
    );
    // The pods of a deleted Deployment stop; the nodes keep serving until theirs are deleted.
    const codes = await Promise.all(operators.map((o) => o.stop(15_000)));
    assert.deepEqual(
      codes,
      operators.map(() => 0),
    );
    // Each within its pod's grace period, which covers the drain (rollout.ts).
    const nodeCodes = await Promise.all(nodes.map((n) => n.stop()));
    assert.deepEqual(
      nodeCodes,
      nodes.map(() => 0),
      'nodes drain and exit 0 on SIGTERM',
    );
  });
}

// ---------------------------------------------------------------------------------------------

interface OwnedObject {
  metadata: { ownerReferences?: { kind: string; controller?: boolean }[] };
}

async function getJson<T>(api: ApiServer, path: string): Promise<T | undefined> {
  const res = await api.request('GET', path);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.body}`);
  return res.json<T>();
}

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
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
    await sleep(150);
  }
  const why = lastError ? `: ${(lastError as Error).message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
}

function printRewrites(plan: PodPlan): void {
  console.log(`  pod ${plan.name} (${plan.ip}): ${plan.args.join(' ')}`);
  for (const r of plan.rewrites) console.log(`    rewritten: ${r}`);
}

/** Builds the image the chart and the operator name (centrifugo-ts:<version>). */
async function buildImage(): Promise<void> {
  const t0 = Date.now();
  const res = spawnSync('bash', [`${ROOT}scripts/docker-build.sh`], {
    encoding: 'utf8',
    timeout: 600_000,
    env: {
      ...process.env,
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
      NODE_BIN: process.execPath,
    },
  });
  if (res.status !== 0) throw new Error(`docker build failed:\n${res.stderr}\n${res.stdout}`);
  console.log(`  image ${res.stdout.trim()} built in ${Date.now() - t0} ms`);
  await pruneImages('org.opencontainers.image.title=centrifugo-ts');
}

/** Runs the operator Deployment's replicas; waits for their readiness and liveness probes. */
async function runOperators(
  api: ApiServer,
  runtime: Runtime,
  pods: RunningPod[],
): Promise<RunningPod[]> {
  const d = await getJson<Deployment>(
    api,
    `/apis/apps/v1/namespaces/${OPERATOR_NS}/deployments/${OPERATOR}`,
  );
  assert.ok(d, 'the chart made the operator Deployment');
  assert.equal(d.spec.replicas, 2, 'two replicas, one active through the Lease');
  const ports = await freePorts(d.spec.replicas);
  const started: RunningPod[] = [];
  for (let i = 0; i < d.spec.replicas; i++) {
    const plan = await planPod(api, d.spec.template, {
      name: `${OPERATOR}-g${d.metadata.generation}-${i}`,
      namespace: OPERATOR_NS,
      ip: '127.0.0.1',
    });
    const port = ports[i] as number;
    rewriteFlag(plan, '--health-port', String(port), 'replicas share this host network');
    plan.ports.health = port;
    if (plan.readiness) plan.readiness.port = port;
    if (plan.liveness) plan.liveness.port = port;
    const pod = await runPod(plan, runtime);
    pods.push(pod);
    started.push(pod);
    printRewrites(plan);
  }
  for (const pod of started) {
    await waitForProbe(pod, pod.plan.readiness);
    await waitForProbe(pod, pod.plan.liveness);
  }
  return started;
}

/** Loopback IPs for the node pods, with the container ports free on each if possible. */
async function podAddresses(
  count: number,
  ports: number[],
): Promise<{ ip: string; free: boolean }[]> {
  const base = 10 + (process.pid % 200);
  const canBind = (ip: string, port: number) =>
    new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, ip, () => srv.close(() => resolve(true)));
    });
  const out: { ip: string; free: boolean }[] = [];
  for (let i = 0; i < count; i++) {
    const ip = `127.0.${base}.${11 + i}`;
    let free = true;
    for (const p of ports) free = free && (await canBind(ip, p));
    out.push({ ip, free });
  }
  return out;
}

async function runNodes(
  api: ApiServer,
  runtime: Runtime,
  deployment: Deployment,
  nats: NatsCluster,
  pods: RunningPod[],
): Promise<RunningPod[]> {
  const template = deployment.spec.template;
  const container = template.spec.containers[0];
  assert.ok(container);
  const containerPorts = (container.ports ?? []).map((p) => p.containerPort);
  const addresses = await podAddresses(deployment.spec.replicas, containerPorts);
  const nodes: RunningPod[] = [];
  for (const [i, address] of addresses.entries()) {
    const podName = `${NAME}-5d8c7f9b6-${'abcde'[i]}x${i}`;
    const plan = await planPod(api, template, { name: podName, namespace: APP_NS, ip: address.ip });
    // The config file is the ConfigMap's, byte for byte; what the pod network would give,
    // this machine gives through env (the node's precedence: env over file).
    const config = JSON.parse(plan.mounts[0]?.files['config.json'] ?? '{}');
    assert.deepEqual(config.engine.nats.urls, ['nats://nats.nats.svc:4222'], 'the example NATS');
    rewriteEnv(
      plan,
      'CENTRIFUGO_ENGINE_NATS_URLS',
      nats.urls.join(','),
      'nats.nats.svc is the loopback NATS cluster here',
    );
    rewriteEnv(
      plan,
      'CENTRIFUGO_HTTP_SERVER_ADDRESS',
      address.ip,
      'bind the pod IP, not every interface of the host',
    );
    rewriteEnv(plan, 'CENTRIFUGO_HTTP_SERVER_INTERNAL_ADDRESS', address.ip, 'bind the pod IP');
    const podSpec = structuredClone(template.spec) as PodTemplate['spec'] & Record<string, unknown>;
    if (!address.free) {
      // Something on this machine holds 8000 or 9000 on every address: move this pod's ports.
      const [client, internal] = (await freePorts(2)) as [number, number];
      rewriteEnv(
        plan,
        'CENTRIFUGO_HTTP_SERVER_PORT',
        String(client),
        'container port taken on this machine',
      );
      rewriteEnv(
        plan,
        'CENTRIFUGO_HTTP_SERVER_INTERNAL_PORT',
        String(internal),
        'container port taken on this machine',
      );
      plan.ports.client = client;
      plan.ports.internal = internal;
      if (plan.readiness) plan.readiness.port = internal;
      if (plan.liveness) plan.liveness.port = internal;
      for (const p of podSpec.containers[0]?.ports ?? []) {
        if (p.name === 'client') p.containerPort = client;
        if (p.name === 'internal') p.containerPort = internal;
      }
    }
    const pod = await runPod(plan, runtime);
    pods.push(pod);
    nodes.push(pod);
    printRewrites(plan);
    // The Pod object, as the ReplicaSet controller and the kubelet would write it.
    await createPodObject(api, podName, template, podSpec, address.ip);
  }
  for (const node of nodes) {
    await waitForProbe(node, node.plan.readiness, 60_000);
    await waitForProbe(node, node.plan.liveness, 5_000);
  }
  return nodes;
}

async function createPodObject(
  api: ApiServer,
  name: string,
  template: PodTemplate,
  spec: Record<string, unknown>,
  ip: string,
): Promise<void> {
  const created = await api.request('POST', `/api/v1/namespaces/${APP_NS}/pods`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: APP_NS,
      labels: { ...template.metadata.labels, 'pod-template-hash': '5d8c7f9b6' },
      annotations: template.metadata.annotations,
    },
    spec,
  });
  assert.equal(created.status, 201, created.body);
  const status = await api.request(
    'PATCH',
    `/api/v1/namespaces/${APP_NS}/pods/${name}/status`,
    {
      status: {
        phase: 'Running',
        podIP: ip,
        podIPs: [{ ip }],
        conditions: [
          { type: 'Ready', status: 'True' },
          { type: 'ContainersReady', status: 'True' },
        ],
      },
    },
    { contentType: 'application/merge-patch+json' },
  );
  assert.equal(status.status, 200, status.body);
}

/**
 * host:port a Service sends to, resolved as kube-proxy would: the Service's selector must
 * select the pod (by its Pod object's labels), and its targetPort names a container port.
 */
async function serviceTarget(api: ApiServer, service: string, pod: RunningPod): Promise<string> {
  const svc = await getJson<{
    spec: {
      selector: Record<string, string>;
      ports: { name: string; targetPort: string | number }[];
    };
  }>(api, `/api/v1/namespaces/${APP_NS}/services/${service}`);
  assert.ok(svc, `Service ${service}`);
  const object = await getJson<{ metadata: { labels: Record<string, string> } }>(
    api,
    `/api/v1/namespaces/${APP_NS}/pods/${pod.plan.name}`,
  );
  for (const [k, v] of Object.entries(svc.spec.selector)) {
    assert.equal(object?.metadata.labels[k], v, `Service ${service} selects ${pod.plan.name}`);
  }
  const target = svc.spec.ports[0]?.targetPort;
  const port = typeof target === 'number' ? target : pod.plan.ports[target ?? ''];
  assert.ok(port, `targetPort ${target} is a container port`);
  return `${pod.plan.ip}:${port}`;
}

/** What Prometheus needs for pod discovery (README): read pods. Here a user, there its SA. */
const PROMETHEUS_RBAC = `
apiVersion: v1
kind: List
items:
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata: {name: prometheus-pod-discovery}
    rules:
      - apiGroups: [""]
        resources: [pods]
        verbs: [get, list, watch]
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata: {name: prometheus-pod-discovery}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: prometheus-pod-discovery}
    subjects:
      - {apiGroup: rbac.authorization.k8s.io, kind: User, name: prometheus}
`;
