// deploy/examples/ against a real API server: each one is accepted by the CRD (server-side
// apply), the operator turns it into a Deployment whose node config the node accepts, and the
// memory example's pod, run as the kubelet would (test/e2e/kubelet.ts), serves the API with
// the generated key and keeps history. (The NATS example runs end to end in deploy.test.ts.)
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/node/config/index.ts';
import { CRD_NAME } from '../../src/operator/crd/index.ts';
import { renderCrdYaml } from '../../src/operator/crd/render.ts';
import { fromKubeconfigFiles } from '../../src/operator/kube/kubeconfig.ts';
import { Operator } from '../../src/operator/operator.ts';
import { findK8sAssets, startApiServer } from '../k8s/harness.ts';
import { freePorts } from '../nats/harness.ts';
import { type PodTemplate, planPod, rewriteEnv, runPod, waitForProbe } from './kubelet.ts';

const DIR = fileURLToPath(new URL('../../deploy/examples/', import.meta.url));
const EXAMPLES = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));

test('deploy/examples: accepted by the CRD, reconciled, and the memory one serves', async (t) => {
  const assets = findK8sAssets(t);
  if (!assets) return;
  assert.deepEqual(EXAMPLES.sort(), ['memory-single-node.yaml', 'nats-three-replicas.yaml']);
  const api = await startApiServer({ assets, t });
  await api.apply(renderCrdYaml());
  await api.kubectlOk(['wait', '--for=condition=Established', `crd/${CRD_NAME}`, '--timeout=60s']);
  const operator = new Operator({
    access: fromKubeconfigFiles([api.kubeconfigPath]),
    logger: pino({ level: 'silent' }),
    defaultTag: '0.0.0-test',
    leaderElection: { enabled: false, namespace: 'default', name: 'unused' },
  });
  t.after(() => operator.close());
  await operator.start();

  // Every example in one namespace: their names differ, so none overwrites another.
  const ns = 'examples';
  await api.createNamespace(ns);
  const deployments = new Map<string, { spec: { replicas: number; template: PodTemplate } }>();
  for (const file of EXAMPLES) {
    const name = (
      parseYaml(await readFile(`${DIR}${file}`, 'utf8')) as { metadata: { name: string } }
    ).metadata.name;
    await api.kubectlOk(['apply', '--server-side', '-n', ns, '-f', `${DIR}${file}`]);
    const deployment = await waitForJson<{ spec: { replicas: number; template: PodTemplate } }>(
      api,
      `/apis/apps/v1/namespaces/${ns}/deployments/${name}`,
    );
    deployments.set(file, deployment);
    // The rendered config.json loads in the node with the env the Deployment maps in.
    const cm = await waitForJson<{ data: Record<string, string> }>(
      api,
      `/api/v1/namespaces/${ns}/configmaps/${name}-config`,
    );
    const dir = await mkdtemp(join(tmpdir(), 'cfgo-example-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(`${dir}/config.json`, cm.data['config.json'] ?? '');
    const env = Object.fromEntries(
      (deployment.spec.template.spec.containers[0]?.env ?? []).map((e) => [e.name, 'x']),
    );
    const loaded = loadConfig({ file: `${dir}/config.json`, fileRequired: true, env });
    assert.deepEqual(loaded.warnings, [], file);
  }
  assert.equal(deployments.get('nats-three-replicas.yaml')?.spec.replicas, 3);
  assert.equal(deployments.get('memory-single-node.yaml')?.spec.replicas, 1);

  // The memory example's one pod, as the kubelet would run it.
  const memory = deployments.get('memory-single-node.yaml');
  assert.ok(memory);
  const plan = await planPod(api, memory.spec.template, {
    name: 'chat-dev-0',
    namespace: ns,
    ip: '127.0.0.1',
  });
  const [client, internal] = (await freePorts(2)) as [number, number];
  rewriteEnv(plan, 'CENTRIFUGO_HTTP_SERVER_ADDRESS', '127.0.0.1', 'loopback only');
  rewriteEnv(plan, 'CENTRIFUGO_HTTP_SERVER_INTERNAL_ADDRESS', '127.0.0.1', 'loopback only');
  rewriteEnv(plan, 'CENTRIFUGO_HTTP_SERVER_PORT', String(client), 'a free port');
  rewriteEnv(plan, 'CENTRIFUGO_HTTP_SERVER_INTERNAL_PORT', String(internal), 'a free port');
  plan.ports.internal = internal;
  if (plan.readiness) plan.readiness.port = internal;
  const pod = await runPod(plan, 'process');
  t.after(() => pod.stop());
  await waitForProbe(pod, plan.readiness);
  const key = plan.env.CENTRIFUGO_HTTP_API_KEY;
  assert.ok(key && key.length >= 32, 'the generated API key reaches the pod');
  const call = async (method: string, body: unknown) => {
    const res = await fetch(`http://127.0.0.1:${internal}/api/${method}`, {
      method: 'POST',
      headers: { 'X-API-Key': key },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    assert.equal(res.status, 200);
    return (await res.json()) as { result: Record<string, unknown> };
  };
  const published = await call('publish', { channel: 'chat:room', data: { n: 1 } });
  assert.equal(published.result.offset, 1, 'the chat namespace keeps history');
  const history = await call('history', { channel: 'chat:room', limit: 10 });
  assert.deepEqual(
    (history.result.publications as { data: unknown }[]).map((p) => p.data),
    [{ n: 1 }],
  );
  assert.equal(await pod.stop(), 0);
});

async function waitForJson<T>(
  api: Awaited<ReturnType<typeof startApiServer>>,
  path: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await api.request('GET', path);
    if (res.status === 200) return res.json<T>();
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${path}`);
}
