// A stand-in for the kubelet, which does not run here: it reads a pod template back from the API
// server and runs its container with exactly the args, env and files the pod would get: env
// from values, Secrets, ConfigMaps and the downward API; volumes from ConfigMaps and Secrets;
// the service account token the kubelet projects; the KUBERNETES_SERVICE_* variables it sets.
//
// Two runtimes:
// - process: this checkout stands in for the image (`node bin/centrifugo-ts.js` is the image's
//   entrypoint); mounted files live under a private root dir, so paths in args are moved there,
//   and the projected service account becomes a kubeconfig (the binary reads in-cluster
//   credentials only from /var/run/secrets/kubernetes.io/serviceaccount).
// - docker: the image itself, run through testcontainers (container-runtime.ts), with the
//   pod's securityContext (user, read-only root, no capabilities, no privilege escalation),
//   the volumes bind-mounted read-only at their paths, and host networking so all traffic
//   stays on loopback.
//
// A container that exits on its own is started again (restartPolicy Always, at most 3 times),
// as the kubelet would. Whatever differs from a real pod is listed in PodPlan.rewrites, and
// the tests print it.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../../src/node/runtime-flags.ts';
import type { ApiServer } from '../k8s/harness.ts';

export type Runtime = 'process' | 'docker';

export const BIN = fileURLToPath(new URL('../../bin/centrifugo-ts.js', import.meta.url));
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
  };
}

interface Probe {
  httpGet?: { path?: string; port: string | number };
}

export interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  securityContext?: {
    runAsUser?: number;
    runAsGroup?: number;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
}

interface Volume {
  name: string;
  configMap?: { name: string; items?: { key: string; path: string }[] };
  secret?: { secretName: string; items?: { key: string; path: string }[] };
}

export interface PodTemplate {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    containers: ContainerSpec[];
    volumes?: Volume[];
    serviceAccountName?: string;
    automountServiceAccountToken?: boolean;
    securityContext?: { runAsUser?: number; runAsGroup?: number };
    terminationGracePeriodSeconds?: number;
  };
}

export interface HttpCheck {
  path: string;
  port: number;
}

/** Everything needed to run one pod's (first) container. */
export interface PodPlan {
  name: string;
  namespace: string;
  /** The pod's IP: a loopback address, so traffic stays on this machine. */
  ip: string;
  image: string;
  args: string[];
  env: Record<string, string>;
  /** Volume mounts with their files (relative path -> content). */
  mounts: { path: string; files: Record<string, string> }[];
  /** Container ports by name. */
  ports: Record<string, number>;
  readiness?: HttpCheck;
  liveness?: HttpCheck;
  runAsUser?: number;
  runAsGroup?: number;
  readOnlyRootFilesystem: boolean;
  dropCapabilities: string[];
  noNewPrivileges: boolean;
  /** Between SIGTERM and SIGKILL when the pod is stopped (terminationGracePeriodSeconds). */
  graceMs: number;
  /** What differs from a real pod, for the test output. */
  rewrites: string[];
}

export interface PlanOptions {
  name: string;
  namespace: string;
  ip: string;
}

const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

async function getJson<T>(api: ApiServer, path: string): Promise<T | undefined> {
  const res = await api.request('GET', path);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.body}`);
  return res.json<T>();
}

/** The pod a Deployment's template makes, resolved against the API server as the kubelet does. */
export async function planPod(
  api: ApiServer,
  template: PodTemplate,
  opts: PlanOptions,
): Promise<PodPlan> {
  const container = template.spec.containers[0];
  if (!container) throw new Error('pod template has no container');
  if (container.command) throw new Error('command is set: the image entrypoint would not run');
  const ns = opts.namespace;
  const secrets = new Map<string, Record<string, string> | undefined>();
  const configMaps = new Map<string, Record<string, string> | undefined>();
  const secret = async (name: string) => {
    if (!secrets.has(name)) {
      const s = await getJson<{ data?: Record<string, string> }>(
        api,
        `/api/v1/namespaces/${ns}/secrets/${name}`,
      );
      secrets.set(
        name,
        s && Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, b64(v)])),
      );
    }
    return secrets.get(name);
  };
  const configMap = async (name: string) => {
    if (!configMaps.has(name)) {
      const c = await getJson<{ data?: Record<string, string> }>(
        api,
        `/api/v1/namespaces/${ns}/configmaps/${name}`,
      );
      configMaps.set(name, c && (c.data ?? {}));
    }
    return configMaps.get(name);
  };

  // The service variables the kubelet sets for the `kubernetes` Service: the API server.
  const apiUrl = new URL(api.url);
  const env: Record<string, string> = {
    KUBERNETES_SERVICE_HOST: apiUrl.hostname,
    KUBERNETES_SERVICE_PORT: apiUrl.port,
  };
  for (const e of container.env ?? []) {
    const from = e.valueFrom;
    let value: string | undefined;
    if (from?.secretKeyRef) {
      value = (await secret(from.secretKeyRef.name))?.[from.secretKeyRef.key];
      if (value === undefined && !from.secretKeyRef.optional) {
        throw new Error(`env ${e.name}: secret ${from.secretKeyRef.name} has no key`);
      }
    } else if (from?.configMapKeyRef) {
      value = (await configMap(from.configMapKeyRef.name))?.[from.configMapKeyRef.key];
      if (value === undefined && !from.configMapKeyRef.optional) {
        throw new Error(`env ${e.name}: configmap ${from.configMapKeyRef.name} has no key`);
      }
    } else if (from?.fieldRef) {
      const field: Record<string, string> = {
        'metadata.namespace': ns,
        'metadata.name': opts.name,
        'status.podIP': opts.ip,
      };
      value = field[from.fieldRef.fieldPath];
      if (value === undefined) throw new Error(`env ${e.name}: ${from.fieldRef.fieldPath}`);
    } else value = e.value ?? '';
    if (value !== undefined) env[e.name] = value;
  }

  const mounts: PodPlan['mounts'] = [];
  for (const m of container.volumeMounts ?? []) {
    const volume = template.spec.volumes?.find((v) => v.name === m.name);
    if (!volume) throw new Error(`volumeMount ${m.name} has no volume`);
    let data: Record<string, string> | undefined;
    let items: { key: string; path: string }[] | undefined;
    if (volume.configMap) {
      data = await configMap(volume.configMap.name);
      items = volume.configMap.items;
    } else if (volume.secret) {
      data = await secret(volume.secret.secretName);
      items = volume.secret.items;
    } else throw new Error(`volume ${volume.name}: only configMap and secret volumes`);
    if (!data) throw new Error(`volume ${volume.name}: its source does not exist`);
    const files = items
      ? Object.fromEntries(items.map((i) => [i.path, data[i.key] ?? '']))
      : { ...data };
    mounts.push({ path: m.mountPath, files });
  }
  // The projected service account token, as the kubelet mounts it.
  const sa = template.spec.serviceAccountName;
  if (sa && template.spec.automountServiceAccountToken !== false) {
    const res = await api.request('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    });
    if (res.status !== 201) throw new Error(`TokenRequest for ${sa}: ${res.status} ${res.body}`);
    const token = res.json<{ status: { token: string } }>().status.token;
    mounts.push({
      path: SERVICE_ACCOUNT_DIR,
      files: { token, 'ca.crt': await readFile(api.caPath, 'utf8'), namespace: ns },
    });
  }

  const ports: Record<string, number> = {};
  for (const p of container.ports ?? []) if (p.name) ports[p.name] = p.containerPort;
  const check = (probe: Probe | undefined): HttpCheck | undefined => {
    const get = probe?.httpGet;
    if (!get) return undefined;
    const port = typeof get.port === 'number' ? get.port : ports[get.port];
    if (port === undefined) throw new Error(`probe port ${get.port} is not a container port`);
    return { path: get.path ?? '/', port };
  };
  const podSc = template.spec.securityContext ?? {};
  const sc = container.securityContext ?? {};
  return {
    name: opts.name,
    namespace: ns,
    ip: opts.ip,
    image: container.image,
    args: [...(container.args ?? [])],
    env,
    mounts,
    ports,
    readiness: check(container.readinessProbe),
    liveness: check(container.livenessProbe),
    runAsUser: sc.runAsUser ?? podSc.runAsUser,
    runAsGroup: sc.runAsGroup ?? podSc.runAsGroup,
    readOnlyRootFilesystem: sc.readOnlyRootFilesystem === true,
    dropCapabilities: sc.capabilities?.drop ?? [],
    noNewPrivileges: sc.allowPrivilegeEscalation === false,
    // The API server defaults it to 30 s, as the kubelet then reads it.
    graceMs: (template.spec.terminationGracePeriodSeconds ?? 30) * 1000,
    rewrites: [],
  };
}

/** Sets an env variable the pod does not have (or overrides one), noting the rewrite. */
export function rewriteEnv(plan: PodPlan, name: string, value: string, why: string): void {
  plan.env[name] = value;
  plan.rewrites.push(`env ${name}=${value} (${why})`);
}

/** Replaces `--flag=<value>` in args, noting the rewrite. */
export function rewriteFlag(plan: PodPlan, flag: string, value: string, why: string): void {
  const i = plan.args.findIndex((a) => a.startsWith(`${flag}=`));
  if (i < 0) throw new Error(`${flag} is not in the args ${plan.args.join(' ')}`);
  plan.rewrites.push(`arg ${plan.args[i]} -> ${flag}=${value} (${why})`);
  plan.args[i] = `${flag}=${value}`;
}

export interface RunningPod {
  readonly plan: PodPlan;
  readonly runtime: Runtime;
  /** The args it runs with (after the runtime's own rewrites). */
  readonly args: string[];
  readonly exited: Promise<number | null>;
  /** Exited for good: stopped, or out of restarts. */
  hasExited(): boolean;
  /** How often it was restarted after exiting on its own. */
  restarts(): number;
  logs(): Promise<string>;
  /**
   * SIGTERM, then SIGKILL after graceMs (default: the pod's terminationGracePeriodSeconds, as
   * the kubelet does); no restart; resolves with the exit code.
   */
  stop(graceMs?: number): Promise<number | null>;
}

// ---- cleanup: every pod started is stopped when the test process exits, even on failure ----
// (Containers are async to remove: container-runtime.ts sweeps those of dead test processes.)
const liveProcs = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let backstop = false;
function installBackstop(): void {
  if (backstop) return;
  backstop = true;
  process.on('exit', () => {
    for (const p of liveProcs) p.kill('SIGKILL');
    for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
  });
}

const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

async function writeMounts(root: string, plan: PodPlan, under: (path: string) => string) {
  for (const m of plan.mounts) {
    const dir = under(m.path);
    await mkdir(dir, { recursive: true });
    for (const [rel, content] of Object.entries(m.files)) {
      const file = join(dir, rel);
      await mkdir(dirname(file), { recursive: true });
      // 0644 as the kubelet's default mode, readable by the container's non-root user.
      await writeFile(file, content, { mode: 0o644 });
    }
  }
  // mkdtemp makes 0700 dirs: the container user must be able to walk into the mounts.
  await chmod(root, 0o755);
}

/** Restarts after an exit the pod did not ask for, as restartPolicy Always (with a cap). */
const MAX_RESTARTS = 3;

/** One run of the container: a process or a container started once. */
interface Instance {
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after graceMs. */
  terminate(graceMs: number): void;
}

interface Launcher {
  /** The args it starts with (after the runtime's own rewrites). */
  args: string[];
  start(): Instance;
  logs(): Promise<string>;
  /** After the last exit: removes what the pod left (dirs, containers). */
  cleanup(): Promise<void>;
}

/** Runs a planned pod; a container that exits on its own is restarted (restartPolicy Always). */
export async function runPod(plan: PodPlan, runtime: Runtime): Promise<RunningPod> {
  installBackstop();
  const root = await mkdtemp(join(tmpdir(), `cfgo-pod-${plan.name}-`));
  liveDirs.add(root);
  const launcher =
    runtime === 'process' ? await processLauncher(plan, root) : await containerLauncher(plan, root);
  let stopping = false;
  let restarts = 0;
  let done = false;
  let current = launcher.start();
  const exited = (async () => {
    for (;;) {
      const code = await current.exited;
      if (stopping || restarts >= MAX_RESTARTS) {
        done = true;
        return code;
      }
      restarts += 1;
      console.log(
        `  kubelet: ${plan.name} exited with ${code}: restarting (restartPolicy Always, restart ${restarts}/${MAX_RESTARTS})`,
      );
      await sleep(500 * restarts);
      if (stopping) {
        done = true;
        return code;
      }
      current = launcher.start();
    }
  })();
  let cleaned: Promise<void> | undefined;
  return {
    plan,
    runtime,
    args: launcher.args,
    exited,
    hasExited: () => done,
    restarts: () => restarts,
    logs: () => launcher.logs(),
    async stop(graceMs = plan.graceMs) {
      stopping = true;
      if (!done) current.terminate(graceMs);
      const code = await exited;
      cleaned ??= launcher.cleanup();
      await cleaned;
      return code;
    },
  };
}

async function processLauncher(plan: PodPlan, root: string): Promise<Launcher> {
  const under = (path: string) => join(root, path);
  await writeMounts(root, plan, under);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...plan.env };
  plan.rewrites.push(`image ${plan.image} -> this checkout (node ${BIN}, the image's entrypoint)`);
  // Paths under a mount move into the pod's root dir.
  const args = plan.args.map((arg) => {
    for (const m of plan.mounts) {
      if (m.path === SERVICE_ACCOUNT_DIR) continue;
      const at = arg.indexOf(m.path);
      if (at >= 0 && (at === 0 || arg[at - 1] === '=')) {
        const moved = `${arg.slice(0, at)}${under(m.path)}${arg.slice(at + m.path.length)}`;
        plan.rewrites.push(`arg ${arg} -> ${moved} (mounted files live under the pod's dir)`);
        return moved;
      }
    }
    return arg;
  });
  if (plan.mounts.some((m) => m.path === SERVICE_ACCOUNT_DIR)) {
    const kubeconfig = join(root, 'kubeconfig');
    const server = `https://${plan.env.KUBERNETES_SERVICE_HOST}:${plan.env.KUBERNETES_SERVICE_PORT}`;
    const sa = under(SERVICE_ACCOUNT_DIR);
    await writeFile(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'in-cluster',
            cluster: { server, 'certificate-authority': join(sa, 'ca.crt') },
          },
        ],
        users: [{ name: 'sa', user: { tokenFile: join(sa, 'token') } }],
        contexts: [
          {
            name: 'in-cluster',
            context: { cluster: 'in-cluster', user: 'sa', namespace: plan.namespace },
          },
        ],
        'current-context': 'in-cluster',
      }),
      { mode: 0o600 },
    );
    env.KUBECONFIG = kubeconfig;
    plan.rewrites.push(
      `env KUBECONFIG=<the projected service account token and CA> (in-cluster credentials are read from ${SERVICE_ACCOUNT_DIR} only)`,
    );
  }
  // The image's ENTRYPOINT: node with the runtime flags, then the binary.
  const command = [process.execPath, ...NODE_FLAGS, BIN, ...args];
  let output = '';
  const record = (c: Buffer) => {
    output += c.toString('utf8');
    if (output.length > 400_000) output = output.slice(-200_000);
  };
  return {
    args,
    start() {
      const options: SpawnOptions = { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] };
      const child: ChildProcess = setpriv
        ? spawn(setpriv, ['--pdeathsig', 'KILL', '--', ...command], options)
        : spawn(command[0] as string, command.slice(1), options);
      liveProcs.add(child);
      child.stdout?.on('data', record);
      child.stderr?.on('data', record);
      (child.stdout as Socket | null)?.unref();
      (child.stderr as Socket | null)?.unref();
      child.unref();
      const exited = new Promise<number | null>((resolve) => {
        child.once('exit', (code, signal) => {
          liveProcs.delete(child);
          resolve(code ?? (signal ? 128 : null));
        });
        child.once('error', (err) => {
          liveProcs.delete(child);
          output += `\n[spawn failed: ${err.message}]`;
          resolve(null);
        });
      });
      return {
        exited,
        terminate(graceMs) {
          child.kill('SIGTERM');
          const escalate = setTimeout(() => child.kill('SIGKILL'), graceMs);
          void exited.then(() => clearTimeout(escalate));
        },
      };
    },
    logs: async () => output,
    async cleanup() {
      await rm(root, { recursive: true, force: true });
      liveDirs.delete(root);
    },
  };
}

let containerCount = 0;

async function containerLauncher(plan: PodPlan, root: string): Promise<Launcher> {
  const { PodContainerRun } = await import('./container-runtime.ts');
  const mountsRoot = join(root, 'mounts');
  await mkdir(mountsRoot, { mode: 0o755 });
  const binds: { source: string; target: string }[] = [];
  for (const [i, m] of plan.mounts.entries()) {
    const dir = join(mountsRoot, String(i));
    await writeMounts(root, { ...plan, mounts: [m] }, () => dir);
    await chmod(mountsRoot, 0o755);
    binds.push({ source: dir, target: m.path });
  }
  const probe = plan.liveness ?? plan.readiness;
  const run = new PodContainerRun({
    name: `cfgo-e2e-${process.pid}-${++containerCount}-${plan.name}`.slice(0, 120),
    image: plan.image,
    args: plan.args,
    env: plan.env,
    binds,
    user:
      plan.runAsUser === undefined
        ? undefined
        : `${plan.runAsUser}:${plan.runAsGroup ?? plan.runAsUser}`,
    readOnlyRootFilesystem: plan.readOnlyRootFilesystem,
    dropCapabilities: plan.dropCapabilities,
    noNewPrivileges: plan.noNewPrivileges,
    started: probe && { url: `http://${plan.ip}:${probe.port}${probe.path}` },
  });
  plan.rewrites.push('network: the host network (pods share this machine; addresses as noted)');
  return {
    args: plan.args,
    start() {
      // A failed start (the probe never answered, the container exited) is an exit.
      const running = run.run().catch((err: Error) => {
        console.log(`  kubelet: ${plan.name} did not start: ${err.message}`);
        return undefined;
      });
      return {
        exited: running.then((r) => (r ? r.exited : null)),
        terminate(graceMs) {
          void running.then((r) => r?.terminate(graceMs));
        },
      };
    },
    logs: async () => run.logs(),
    async cleanup() {
      await run.remove();
      await rm(root, { recursive: true, force: true });
      liveDirs.delete(root);
    },
  };
}

/** Polls http://ip:port/path until it answers 200 (a probe passing); throws after timeoutMs. */
export async function waitForProbe(
  pod: RunningPod,
  check: HttpCheck | undefined,
  timeoutMs = 30_000,
): Promise<void> {
  if (!check) throw new Error(`${pod.plan.name} has no probe`);
  const url = `http://${pod.plan.ip}:${check.port}${check.path}`;
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (pod.hasExited()) break;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(200);
  }
  const why = pod.hasExited() ? 'exited' : `${url} failed after ${timeoutMs} ms (${last})`;
  throw new Error(`${pod.plan.name} ${why}; logs:\n${(await pod.logs()).slice(-4000)}`);
}

/** Whether a container engine answers (asked through testcontainers). */
export async function dockerAvailable(): Promise<{ ok: boolean; why: string }> {
  const { containerEngine } = await import('./container-runtime.ts');
  return containerEngine();
}

/** Removes unused images with this label (old builds of the test image). */
export async function pruneImages(label: string): Promise<void> {
  const runtime = await import('./container-runtime.ts');
  await runtime.pruneImages(label);
}
