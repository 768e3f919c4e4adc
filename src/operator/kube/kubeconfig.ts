// Where the API server is and how to authenticate, through @kubernetes/client-node's
// KubeConfig: it parses kubeconfig files and applies what they name (bearer tokens, client
// certificates and keys, basic auth, impersonation, exec credential plugins, the OIDC, Azure
// and GCP auth providers, tls-server-name, insecure-skip-tls-verify, proxy-url) and reads the
// pod's service account in cluster. Sources, in controller-runtime's order: --kubeconfig,
// $KUBECONFIG (a list), the in-cluster service account, ~/.kube/config.
//
// What the library (2.0.1) lacks, and this file adds:
// - $KUBECONFIG lists merged as client-go merges them: missing files skipped, the first file
//   defining a name wins, current-context from the first file that sets one (loadFromDefault
//   throws on a name two files share, and lets a later file's current-context win);
// - the kubeconfig field `tokenFile` (client-go's spelling; the library reads only
//   `token-file`, once): handed to the library's token-file reader, re-read every minute;
// - exec plugins: a relative command resolved against the kubeconfig's dir, and
//   KUBERNETES_EXEC_INFO (spec.interactive, and the cluster when provideClusterInfo), which
//   the library never sets;
// - in cluster: the server from the given environment (loadFromCluster reads process.env and
//   gives `host:undefined` without KUBERNETES_SERVICE_PORT), the namespace file trimmed;
// - plain http:// servers (kubectl proxy): the library refuses them unless TLS verification
//   is off, which means nothing without TLS;
// - reload(): the whole config loaded again after a 401, dropping the library's cached exec
//   credentials and token reads, as client-go re-runs the plugin and re-reads the token file
//   when the server refuses them (the KubeClient retries the request once).
import { existsSync, readFileSync } from 'node:fs';
import type { Agent } from 'node:https';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { type Cluster, type Context, KubeConfig, type User } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { KubeConfigError } from './errors.ts';

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** A 401 reloads the config at most this often (wrong credentials must not spin). */
const RELOAD_INTERVAL_MS = 1_000;

/** What one request carries, fresh each time: tokens expire and certificates rotate. */
export interface RequestCredentials {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  servername?: string;
  rejectUnauthorized?: boolean;
  /** Authorization, Impersonate-User, ... */
  headers: Record<string, string>;
  /** user:password for basic auth. */
  auth?: string;
  /** The library's proxy agent, when the cluster names a proxy-url. */
  agent?: Agent;
}

export interface ClusterAccess {
  server: string;
  /** The namespace of the context (or of the pod, in cluster); undefined when not set. */
  namespace: string | undefined;
  /** Where this came from, for the log. */
  source: string;
  credentials(): Promise<RequestCredentials>;
  /** Loads the credentials again after the server refused them; false if done just now. */
  reload(): boolean;
}

export interface LoadOptions {
  /** --kubeconfig: wins over everything. */
  kubeconfig?: string;
  env?: Record<string, string | undefined>;
  /** For tests: the dir holding var/run/secrets/kubernetes.io/serviceaccount. */
  serviceAccountRoot?: string;
}

export function loadClusterAccess(options: LoadOptions = {}): ClusterAccess {
  const env = options.env ?? process.env;
  if (options.kubeconfig) return fromKubeconfigFiles([options.kubeconfig]);
  const listed = (env.KUBECONFIG ?? '').split(':').filter((p) => p !== '' && existsSync(p));
  if (listed.length > 0) return fromKubeconfigFiles(listed);
  const root = options.serviceAccountRoot ?? '';
  if (env.KUBERNETES_SERVICE_HOST && existsSync(`${root}${SERVICE_ACCOUNT_DIR}/token`)) {
    return access(
      () => inCluster(env, root),
      `in-cluster service account (${root}${SERVICE_ACCOUNT_DIR})`,
    );
  }
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) return fromKubeconfigFiles([home]);
  throw new KubeConfigError(
    'no Kubernetes credentials: pass --kubeconfig, set KUBECONFIG, or run in a pod with a service account',
  );
}

/** One kubeconfig file, or a $KUBECONFIG list merged. */
export function fromKubeconfigFiles(paths: string[]): ClusterAccess {
  const load = () => mergeFiles(paths);
  const kc = load();
  return access(load, `kubeconfig ${paths.join(':')} (context ${kc.getCurrentContext()})`, kc);
}

function access(load: () => KubeConfig, source: string, first?: KubeConfig): ClusterAccess {
  let kc = first ?? load();
  let reloadedAt = 0;
  const server = (kc.getCurrentCluster() as Cluster).server.replace(/\/+$/, '');
  return {
    server,
    namespace: kc.getContextObject(kc.getCurrentContext())?.namespace,
    source,
    async credentials() {
      const opts: { headers: Record<string, string> } & Record<string, unknown> = { headers: {} };
      await kc.applyToHTTPSOptions(opts);
      const headers: Record<string, string> = {};
      // A token file written with a trailing newline is still one token.
      for (const [k, v] of Object.entries(opts.headers)) headers[k] = String(v).trim();
      const out: RequestCredentials = { headers };
      for (const key of [
        'ca',
        'cert',
        'key',
        'servername',
        'rejectUnauthorized',
        'auth',
      ] as const) {
        if (opts[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = opts[key];
      }
      // The library's agent pins the TLS material of its first request; without a proxy the
      // client's own agent is used, and the material above goes with each request instead.
      if (kc.getCurrentCluster()?.proxyUrl) out.agent = opts.agent as Agent;
      return out;
    },
    reload() {
      if (Date.now() - reloadedAt < RELOAD_INTERVAL_MS) return false;
      reloadedAt = Date.now();
      kc = load();
      return true;
    },
  };
}

interface RawConfig {
  users?: { name?: string; user?: { tokenFile?: unknown; token?: unknown } }[];
}

function loadFile(path: string): KubeConfig {
  let text: string;
  let raw: RawConfig;
  const kc = new KubeConfig();
  try {
    text = readFileSync(path, 'utf8');
    raw = (parseYaml(text) ?? {}) as RawConfig;
    kc.loadFromString(text);
  } catch (err) {
    throw new KubeConfigError(`cannot read kubeconfig ${path}: ${(err as Error).message}`);
  }
  const dir = dirname(path);
  kc.makePathsAbsolute(dir);
  const tokenFiles = new Map<string, string>();
  for (const u of raw.users ?? []) {
    const file = u.user?.tokenFile;
    if (typeof u.name === 'string' && typeof file === 'string' && u.user?.token === undefined) {
      tokenFiles.set(u.name, isAbsolute(file) ? file : join(dir, file));
    }
  }
  kc.users = kc.users.map((user): User => {
    const tokenFile = tokenFiles.get(user.name);
    if (tokenFile !== undefined && !user.authProvider && !user.exec) {
      return { ...user, authProvider: { name: 'tokenFile', config: { tokenFile } } };
    }
    // As kubectl: a command with a slash is relative to the kubeconfig, a bare name is on PATH.
    const command = (user.exec as { command?: unknown } | undefined)?.command;
    if (typeof command === 'string' && command.includes('/') && !isAbsolute(command)) {
      return { ...user, exec: { ...user.exec, command: join(dir, command) } };
    }
    return user;
  });
  return kc;
}

function mergeFiles(paths: string[]): KubeConfig {
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let currentContext = '';
  for (const path of paths) {
    const kc = loadFile(path);
    for (const c of kc.clusters) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of kc.users) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of kc.contexts) if (!contexts.has(c.name)) contexts.set(c.name, c);
    currentContext ||= kc.getCurrentContext() ?? '';
  }
  const where = paths.join(':');
  if (currentContext === '') throw new KubeConfigError(`${where}: no current-context`);
  const context = contexts.get(currentContext);
  if (!context) throw new KubeConfigError(`${where}: context "${currentContext}" not found`);
  let cluster = clusters.get(context.cluster);
  if (!cluster) throw new KubeConfigError(`${where}: cluster "${context.cluster}" not found`);
  if (!cluster.server)
    throw new KubeConfigError(`${where}: cluster "${cluster.name}" has no server`);
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
    cluster = { ...cluster, skipTLSVerify: true };
    clusters.set(cluster.name, cluster);
  }
  const user = users.get(context.user);
  if (context.user && !user)
    throw new KubeConfigError(`${where}: user "${context.user}" not found`);
  if (user?.exec) users.set(user.name, withExecInfo(user, cluster));
  const merged = new KubeConfig();
  merged.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext,
  });
  return merged;
}

/** KUBERNETES_EXEC_INFO, as client-go hands it to every exec plugin. */
function withExecInfo(user: User, cluster: Cluster): User {
  const exec = user.exec as {
    apiVersion?: string;
    env?: { name: string; value: string }[] | null;
    provideClusterInfo?: boolean;
    interactiveMode?: string;
  };
  const spec: Record<string, unknown> = { interactive: false };
  if (exec.provideClusterInfo) {
    const info: Record<string, unknown> = { server: cluster.server };
    if (cluster.tlsServerName) info['tls-server-name'] = cluster.tlsServerName;
    if (cluster.skipTLSVerify) info['insecure-skip-tls-verify'] = true;
    const ca =
      cluster.caData ??
      (cluster.caFile ? readFileSync(cluster.caFile).toString('base64') : undefined);
    if (ca) info['certificate-authority-data'] = ca;
    if (cluster.proxyUrl) info['proxy-url'] = cluster.proxyUrl;
    spec.cluster = info;
  }
  const value = JSON.stringify({
    apiVersion: exec.apiVersion ?? 'client.authentication.k8s.io/v1',
    kind: 'ExecCredential',
    spec,
  });
  const env = (exec.env ?? []).filter((e) => e.name !== 'KUBERNETES_EXEC_INFO');
  return { ...user, exec: { ...exec, env: [...env, { name: 'KUBERNETES_EXEC_INFO', value }] } };
}

function inCluster(env: Record<string, string | undefined>, root: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromCluster(root);
  const host = env.KUBERNETES_SERVICE_HOST as string;
  const port = env.KUBERNETES_SERVICE_PORT || '443';
  const cluster = kc.getCurrentCluster() as Cluster;
  const context = kc.getContextObject(kc.getCurrentContext()) as Context;
  kc.loadFromOptions({
    clusters: [
      { ...cluster, server: `https://${host.includes(':') ? `[${host}]` : host}:${port}` },
    ],
    users: kc.users,
    contexts: [{ ...context, namespace: context.namespace?.trim() || undefined }],
    currentContext: kc.getCurrentContext(),
  });
  return kc;
}
