// Where the API server is and how to authenticate: an explicit kubeconfig file, $KUBECONFIG,
// the pod's service account (in cluster), then ~/.kube/config. Supported credentials: bearer
// token (inline, tokenFile, service account token, re-read as it rotates), client certificate
// and key (inline or file), and exec plugins that print an ExecCredential with a token (how
// EKS, GKE and AKS hand out tokens). auth-provider plugins are gone from kubectl, and not here.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { KubeConfigError } from './errors.ts';

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const FILE_TOKEN_TTL_MS = 60_000;

export interface ClusterAccess {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  /** The Authorization header of the next request, or undefined for certificate-only auth. */
  authorization: () => Promise<string | undefined>;
  /** The namespace of the context (or of the pod, in cluster); undefined when not set. */
  namespace: string | undefined;
  /** Where this came from, for the log. */
  source: string;
}

export interface LoadOptions {
  /** --kubeconfig: wins over everything. */
  kubeconfig?: string;
  env?: Record<string, string | undefined>;
  /** For tests: the service account directory. */
  serviceAccountDir?: string;
}

export function loadClusterAccess(options: LoadOptions = {}): ClusterAccess {
  const env = options.env ?? process.env;
  if (options.kubeconfig) return fromKubeconfigFile(options.kubeconfig);
  const fromEnv = (env.KUBECONFIG ?? '').split(':').find((p) => p !== '' && existsSync(p));
  if (fromEnv) return fromKubeconfigFile(fromEnv);
  const saDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  if (env.KUBERNETES_SERVICE_HOST && existsSync(join(saDir, 'token'))) {
    return inCluster(env, saDir);
  }
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) return fromKubeconfigFile(home);
  throw new KubeConfigError(
    'no Kubernetes credentials: pass --kubeconfig, set KUBECONFIG, or run in a pod with a service account',
  );
}

function inCluster(env: Record<string, string | undefined>, dir: string): ClusterAccess {
  const host = env.KUBERNETES_SERVICE_HOST as string;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  const tokenPath = join(dir, 'token');
  const nsPath = join(dir, 'namespace');
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: readFileSync(join(dir, 'ca.crt')),
    insecureSkipTlsVerify: false,
    authorization: bearer(fileToken(tokenPath)),
    namespace: existsSync(nsPath) ? readFileSync(nsPath, 'utf8').trim() : undefined,
    source: `in-cluster service account (${dir})`,
  };
}

const bearer = (token: () => Promise<string>) => async () => `Bearer ${await token()}`;

/** A token read from a file and re-read every minute: projected tokens rotate. */
function fileToken(path: string): () => Promise<string> {
  let cached: { value: string; at: number } | undefined;
  return async () => {
    if (!cached || Date.now() - cached.at > FILE_TOKEN_TTL_MS) {
      cached = { value: readFileSync(path, 'utf8').trim(), at: Date.now() };
    }
    return cached.value;
  };
}

interface Named<T> {
  name: string;
  [key: string]: unknown;
  value?: T;
}

function pick<T>(list: unknown, name: string, field: string, what: string, file: string): T {
  const entry = (Array.isArray(list) ? (list as Named<T>[]) : []).find((e) => e.name === name);
  if (!entry) throw new KubeConfigError(`${file}: ${what} "${name}" not found`);
  return (entry[field] ?? {}) as T;
}

export function fromKubeconfigFile(path: string): ClusterAccess {
  let doc: Record<string, unknown>;
  try {
    doc = (parseYaml(readFileSync(path, 'utf8')) ?? {}) as Record<string, unknown>;
  } catch (err) {
    throw new KubeConfigError(`cannot read kubeconfig ${path}: ${(err as Error).message}`);
  }
  const base = dirname(path);
  const resolve = (p: string) => (isAbsolute(p) ? p : join(base, p));
  const contextName = doc['current-context'];
  if (typeof contextName !== 'string' || contextName === '') {
    throw new KubeConfigError(`${path}: no current-context`);
  }
  const context = pick<Record<string, string>>(
    doc.contexts,
    contextName,
    'context',
    'context',
    path,
  );
  const cluster = pick<Record<string, unknown>>(
    doc.clusters,
    context.cluster ?? '',
    'cluster',
    'cluster',
    path,
  );
  const user = context.user
    ? pick<Record<string, unknown>>(doc.users, context.user, 'user', 'user', path)
    : {};
  const fileOrData = (fileKey: string, dataKey: string): Buffer | undefined => {
    const data = cluster[dataKey] ?? user[dataKey];
    if (typeof data === 'string') return Buffer.from(data, 'base64');
    const file = cluster[fileKey] ?? user[fileKey];
    return typeof file === 'string' ? readFileSync(resolve(file)) : undefined;
  };
  if (typeof cluster.server !== 'string')
    throw new KubeConfigError(`${path}: cluster has no server`);

  let authorization: () => Promise<string | undefined> = async () => undefined;
  if (typeof user.token === 'string') {
    const value = user.token;
    authorization = bearer(async () => value);
  } else if (typeof user.tokenFile === 'string') {
    authorization = bearer(fileToken(resolve(user.tokenFile)));
  } else if (typeof user.exec === 'object' && user.exec !== null) {
    authorization = bearer(execToken(user.exec as ExecConfig, base));
  } else if (typeof user.username === 'string' && typeof user.password === 'string') {
    const basic = Buffer.from(`${user.username}:${user.password}`).toString('base64');
    authorization = async () => `Basic ${basic}`;
  }
  const access: ClusterAccess = {
    server: cluster.server.replace(/\/+$/, ''),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    authorization,
    namespace: context.namespace,
    source: `kubeconfig ${path} (context ${contextName})`,
  };
  const ca = fileOrData('certificate-authority', 'certificate-authority-data');
  if (ca) access.ca = ca;
  const cert = fileOrData('client-certificate', 'client-certificate-data');
  if (cert) access.cert = cert;
  const key = fileOrData('client-key', 'client-key-data');
  if (key) access.key = key;
  if (typeof cluster['tls-server-name'] === 'string') {
    access.tlsServerName = cluster['tls-server-name'];
  }
  return access;
}

interface ExecConfig {
  command: string;
  args?: string[];
  env?: { name: string; value: string }[];
  apiVersion?: string;
}

const run = promisify(execFile);

/** A token from an exec plugin, cached until shortly before it expires. */
function execToken(exec: ExecConfig, base: string): () => Promise<string> {
  let cached: { token: string; expiresAt: number } | undefined;
  return async () => {
    if (cached && Date.now() < cached.expiresAt) return cached.token;
    // As kubectl: a command with a slash is relative to the kubeconfig, a bare name is on PATH.
    const c = exec.command;
    const command = isAbsolute(c) || !c.includes('/') ? c : join(base, c);
    const env = { ...process.env };
    for (const e of exec.env ?? []) env[e.name] = e.value;
    env.KUBERNETES_EXEC_INFO = JSON.stringify({
      apiVersion: exec.apiVersion ?? 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: { interactive: false },
    });
    const { stdout } = await run(command, exec.args ?? [], {
      env,
      timeout: 30_000,
    });
    const status = (JSON.parse(stdout) as { status?: Record<string, string> }).status ?? {};
    if (typeof status.token !== 'string') {
      throw new KubeConfigError(
        `exec plugin ${exec.command} gave no token (only tokens are supported)`,
      );
    }
    const expires = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : Infinity;
    cached = { token: status.token, expiresAt: expires - 60_000 };
    return status.token;
  };
}
