// Shared by the operator's integration tests: a real kube-apiserver + etcd (test/k8s/harness.ts)
// with the generated CRD installed, a client on it, and small helpers (polling, manifests,
// faking what the absent kube-controller-manager would write).
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { API_VERSION, CRD_NAME, KIND } from '../../src/operator/crd/index.ts';
import { renderCrdYaml } from '../../src/operator/crd/render.ts';
import { KubeClient } from '../../src/operator/kube/client.ts';
import { isNotFound } from '../../src/operator/kube/errors.ts';
import { fromKubeconfigFiles } from '../../src/operator/kube/kubeconfig.ts';
import type { DeploymentObject, KubeObject } from '../../src/operator/kube/types.ts';
import { Operator, type OperatorOptions } from '../../src/operator/operator.ts';
import { type ApiServer, findK8sAssets, type K8sUser, startApiServer } from '../k8s/harness.ts';

export interface Cluster {
  api: ApiServer;
  /** A client as the admin. */
  client: KubeClient;
}

/** An API server with the CRD installed and Established; undefined when the tools are missing. */
export async function startCluster(
  t: TestContext,
  users: K8sUser[] = [],
): Promise<Cluster | undefined> {
  const assets = findK8sAssets(t);
  if (!assets) return undefined;
  const api = await startApiServer({ assets, t, users });
  await api.apply(renderCrdYaml());
  await api.kubectlOk(['wait', '--for=condition=Established', `crd/${CRD_NAME}`, '--timeout=60s']);
  const client = new KubeClient(fromKubeconfigFiles([api.kubeconfigPath]));
  t.after(() => client.close());
  return { api, client };
}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T>,
  timeoutMs = 20_000,
): Promise<NonNullable<Exclude<T, false>>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) {
        return value as NonNullable<Exclude<T, false>>;
      }
    } catch (err) {
      lastError = err;
    }
    await sleep(100);
  }
  const why = lastError ? `: last error ${(lastError as Error).message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
}

export function centrifugo(
  namespace: string,
  name: string,
  spec: Record<string, unknown> = {},
  annotations?: Record<string, string>,
): KubeObject {
  const metadata: KubeObject['metadata'] = { name, namespace };
  if (annotations) metadata.annotations = annotations;
  return { apiVersion: API_VERSION, kind: KIND, metadata, spec };
}

export const paths = {
  centrifugo: (ns: string, name: string) =>
    `/apis/${API_VERSION}/namespaces/${ns}/centrifugos/${name}`,
  centrifugos: (ns: string) => `/apis/${API_VERSION}/namespaces/${ns}/centrifugos`,
  deployment: (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`,
  service: (ns: string, name: string) => `/api/v1/namespaces/${ns}/services/${name}`,
  configMap: (ns: string, name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`,
  secret: (ns: string, name: string) => `/api/v1/namespaces/${ns}/secrets/${name}`,
  secrets: (ns: string) => `/api/v1/namespaces/${ns}/secrets`,
  pdb: (ns: string, name: string) =>
    `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/${name}`,
  hpa: (ns: string, name: string) =>
    `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/${name}`,
  events: (ns: string) => `/api/v1/namespaces/${ns}/events`,
  lease: (ns: string, name: string) =>
    `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${name}`,
};

export async function getOptional<T = KubeObject>(
  client: KubeClient,
  path: string,
): Promise<T | undefined> {
  try {
    return await client.get<T>(path);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function create(client: KubeClient, object: KubeObject): Promise<KubeObject> {
  const ns = object.metadata.namespace as string;
  return client.create(paths.centrifugos(ns), object, 'test');
}

/**
 * Writes what the Deployment controller would: status for the current generation, all pods
 * of the current template ready. (No kube-controller-manager runs here.)
 */
export async function fakeDeploymentReady(
  client: KubeClient,
  ns: string,
  name: string,
  ready?: number,
): Promise<DeploymentObject> {
  const d = await client.get<DeploymentObject>(paths.deployment(ns, name));
  const replicas = d.spec?.replicas ?? 1;
  const n = ready ?? replicas;
  return client.mergePatch<DeploymentObject>(
    `${paths.deployment(ns, name)}/status`,
    {
      status: {
        observedGeneration: d.metadata.generation,
        replicas,
        updatedReplicas: replicas,
        readyReplicas: n,
        availableReplicas: n,
      },
    },
    'test-deployment-controller',
  );
}

export function condition(object: KubeObject | undefined, type: string) {
  const status = object?.status as { conditions?: { type: string }[] } | undefined;
  return status?.conditions?.find((c) => c.type === type) as
    | { type: string; status: string; reason: string; message: string; lastTransitionTime: string }
    | undefined;
}

export async function events(client: KubeClient, ns: string, name: string) {
  const list = await client.list<KubeObject & { reason: string; type: string; message: string }>(
    paths.events(ns),
  );
  return list.items.filter(
    (e) => (e.involvedObject as { name?: string } | undefined)?.name === name,
  );
}

/** An operator in this process, closed when the test ends. */
export async function runOperator(
  t: TestContext,
  cluster: Cluster,
  options: Partial<OperatorOptions> = {},
): Promise<Operator> {
  const operator = new Operator({
    access: fromKubeconfigFiles([cluster.api.kubeconfigPath]),
    logger: pino({ level: process.env.OPERATOR_TEST_LOG ?? 'silent' }),
    defaultTag: '0.0.0-test',
    leaderElection: { enabled: false, namespace: 'default', name: 'unused' },
    resyncMs: 60_000,
    ...options,
  });
  t.after(() => operator.close());
  await operator.start();
  await operator.synced();
  return operator;
}
