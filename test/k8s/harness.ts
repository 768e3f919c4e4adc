// A real Kubernetes API server for tests, envtest-style: etcd + kube-apiserver built from their
// Go modules by scripts/ensure-k8s.sh (KUBEBUILDER_ASSETS), no kubelet and no
// controller-manager (so no pods run and nothing is garbage-collected). Every listener is on a
// free 127.0.0.1 port; each server has its own temporary dir (etcd data, serving certs,
// service-account key, token file, kubeconfigs). Authentication is by static bearer tokens
// (an admin in system:masters, plus any users asked for), authorization is RBAC.
// Every process started here is killed when the test process exits, even after a failure.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePorts } from '../nats/harness.ts';

const HOW_TO_GET = 'source scripts/ensure-k8s.sh (.ci/run does)';
const DEFAULT_READY_MS = 90_000;
const DEFAULT_COMMAND_MS = 60_000;

export interface K8sAssets {
  kubeApiserver: string;
  etcd: string;
  kubectl: string;
  /** undefined when helm is not on PATH (only helm() needs it). */
  helm: string | undefined;
}

export interface K8sUser {
  name: string;
  /** Groups, as in a token file; none by default, so RBAC grants nothing beyond discovery. */
  groups?: string[];
}

export interface ApiServerOptions {
  /** Binaries; found with findK8sAssets() when absent (throws if missing). */
  assets?: K8sAssets;
  /** Users besides the admin, each with a random bearer token (see token(), kubeconfigFor()). */
  users?: K8sUser[];
  /** Extra kube-apiserver flags, e.g. ['--feature-gates=...']; later flags win. */
  apiServerArgs?: string[];
  /**
   * A client CA (made with the openssl CLI) passed as --client-ca-file, so that
   * issueClientCertificate() gives certificates the server authenticates.
   */
  clientCertificates?: boolean;
  /**
   * Keep the ServiceAccount admission plugin: pods then get a service account token volume,
   * and are refused until their ServiceAccount exists. Only for a cluster whose
   * kube-controller-manager creates the default ServiceAccounts (test/k8s/real-cluster.ts).
   */
  serviceAccountAdmission?: boolean;
  /** How long start waits for etcd /health and kube-apiserver /readyz. */
  readyTimeoutMs?: number;
  /** When given, stop() is registered with t.after(). */
  t?: TestContext;
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  /** Written to the command's stdin (e.g. a manifest for `apply -f -`). */
  input?: string;
  /** Run as this user (one of opts.users) instead of the admin. */
  user?: string;
  /** Killed after this long; code is then null. Default 60 s. */
  timeoutMs?: number;
}

export interface ApiServer {
  /** https://127.0.0.1:<secure port> */
  readonly url: string;
  /** The admin's bearer token (user "admin", group system:masters). */
  readonly token: string;
  /** A kubeconfig for the admin: token auth, the serving CA from --cert-dir. */
  readonly kubeconfigPath: string;
  /** The serving certificate bundle (leaf + its self-signed CA), PEM. */
  readonly caPath: string;
  /** Variables for a child process: KUBECONFIG, plus a private kubectl cache and helm homes. */
  readonly env: Record<string, string>;
  /** http://127.0.0.1:<client port> of the etcd behind it. */
  readonly etcdUrl: string;
  readonly dir: string;
  /** kubectl with env; never throws on a non-zero exit. */
  kubectl(args: string[], opts?: CommandOptions): Promise<CommandResult>;
  /** kubectl that throws (with its stderr) unless it exits 0; returns stdout. */
  kubectlOk(args: string[], opts?: CommandOptions): Promise<string>;
  /** helm with env (throws if helm is not on PATH); never throws on a non-zero exit. */
  helm(args: string[], opts?: CommandOptions): Promise<CommandResult>;
  /** `kubectl apply -f -` of a manifest (YAML or JSON); throws unless it succeeds. */
  apply(manifest: string, opts?: Omit<CommandOptions, 'input'>): Promise<string>;
  /** Creates a namespace (idempotent: an existing one is fine). */
  createNamespace(name: string): Promise<void>;
  /** A raw HTTPS request to the API as the admin (or opts.user); JSON bodies are sent as JSON. */
  request(
    method: string,
    path: string,
    body?: unknown,
    opts?: { user?: string; contentType?: string },
  ): Promise<{ status: number; body: string; json<T = unknown>(): T }>;
  /** The bearer token of one of opts.users. */
  tokenFor(user: string): string;
  /** A kubeconfig file for one of opts.users, written at start. */
  kubeconfigFor(user: string): string;
  /**
   * A client certificate (CN = user, O = each group) signed by the client CA, as PEM files in
   * the server's dir (needs opts.clientCertificates). Each call makes a new key.
   */
  issueClientCertificate(user: string, groups?: string[]): Promise<{ cert: string; key: string }>;
  /** The last lines etcd and kube-apiserver logged, for assertion messages. */
  logTail(): string;
  /** SIGTERM (SIGKILL after 5 s) to both, then removes the dir. Final; safe to call twice. */
  stop(): Promise<void>;
}

/** With t: skips (or fails under CENTRIFUGO_TS_REQUIRE_TOOLS=1) when missing. Without: throws. */
export function findK8sAssets(t: TestContext): K8sAssets | undefined;
export function findK8sAssets(): K8sAssets;
export function findK8sAssets(t?: TestContext): K8sAssets | undefined {
  const dirs = [process.env.KUBEBUILDER_ASSETS, ...(process.env.PATH ?? '').split(delimiter)];
  const find = (name: string) =>
    dirs
      .filter((d): d is string => !!d)
      .map((d) => join(d, name))
      .find((p) => existsSync(p));
  const kubeApiserver = find('kube-apiserver');
  const etcd = find('etcd');
  const kubectl = find('kubectl');
  if (kubeApiserver && etcd && kubectl) return { kubeApiserver, etcd, kubectl, helm: find('helm') };
  const missing = Object.entries({ 'kube-apiserver': kubeApiserver, etcd, kubectl })
    .filter(([, p]) => !p)
    .map(([n]) => n);
  const reason = `${missing.join(', ')} not found (KUBEBUILDER_ASSETS, PATH): ${HOW_TO_GET}`;
  if (!t || process.env.CENTRIFUGO_TS_REQUIRE_TOOLS === '1') throw new Error(reason);
  console.log(`skipping: ${reason}`);
  t.skip(reason);
  return undefined;
}

/** Like findK8sAssets(t), and also requires helm. */
export function findHelm(t: TestContext): K8sAssets | undefined {
  const assets = findK8sAssets(t);
  if (!assets || assets.helm) return assets;
  const reason = `helm not found (PATH): ${HOW_TO_GET}`;
  if (process.env.CENTRIFUGO_TS_REQUIRE_TOOLS === '1') throw new Error(reason);
  console.log(`skipping: ${reason}`);
  t.skip(reason);
  return undefined;
}

// Everything alive or on disk, so the exit backstop can clean up after tests that fail or
// forget stop(). Synchronous because 'exit' handlers cannot await.
const live = new Set<ChildProcess>();
const dirs = new Set<string>();
let backstop = false;
function installBackstop(): void {
  if (backstop) return;
  backstop = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  // A test process ended by a signal (the runner cancelling a file) runs no 'exit' handlers
  // unless the signal is turned into an exit.
  for (const [sig, n] of [
    ['SIGINT', 2],
    ['SIGTERM', 15],
    ['SIGHUP', 1],
  ] as const) {
    process.once(sig, () => process.exit(128 + n));
  }
}

// Servers run under `setpriv --pdeathsig KILL` where it exists (util-linux): the kernel kills
// them even when the test process itself is SIGKILLed and no handler runs.
const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

export interface Proc {
  readonly name: string;
  /** The pid of the process started (under setpriv, which execs it, the same). */
  readonly pid: number | undefined;
  readonly exited: Promise<void>;
  readonly hasExited: () => boolean;
  readonly logTail: () => string;
  stop(): Promise<void>;
}

/** A server process: killed with the test process (pdeathsig, exit backstop), logs kept. */
export function startProcess(name: string, bin: string, args: string[]): Proc {
  installBackstop();
  let log: string[] = [];
  let done = false;
  const record = (text: string) => {
    log.push(...text.split('\n').filter(Boolean));
    if (log.length > 400) log = log.slice(-200);
  };
  const proc = setpriv
    ? spawn(setpriv, ['--pdeathsig', 'KILL', '--', bin, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  proc.stdout?.on('data', (c: Buffer) => record(c.toString('utf8')));
  proc.stderr?.on('data', (c: Buffer) => record(c.toString('utf8')));
  const exited = new Promise<void>((resolve) => {
    const finish = (why: string) => {
      live.delete(proc);
      done = true;
      record(`[${name} ${why}]`);
      resolve();
    };
    proc.once('exit', (code, signal) => finish(`exited: ${signal ?? `code ${code}`}`));
    proc.once('error', (err) => finish(`spawn failed: ${err.message}`));
  });
  // A forgotten server must not keep the test process alive: then 'exit' fires and the
  // backstop kills it. Awaited waits hold timers, which keep the loop alive.
  proc.unref();
  (proc.stdout as Socket | null)?.unref();
  (proc.stderr as Socket | null)?.unref();
  return {
    name,
    pid: proc.pid,
    exited,
    hasExited: () => done,
    logTail: () => log.slice(-60).join('\n'),
    async stop() {
      if (done) return;
      proc.kill('SIGTERM');
      const escalate = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(escalate);
    },
  };
}

/** Runs a command to completion, tracked so the exit backstop kills it too. */
export function runCommand(
  bin: string,
  args: string[],
  env: Record<string, string>,
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const proc = spawn(bin, args, {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    live.add(proc);
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    proc.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${opts.timeoutMs ?? DEFAULT_COMMAND_MS} ms]`;
      proc.kill('SIGKILL');
    }, opts.timeoutMs ?? DEFAULT_COMMAND_MS);
    proc.once('error', (err) => {
      clearTimeout(timer);
      live.delete(proc);
      resolve({ code: null, stdout, stderr: `${stderr}\n[spawn failed: ${err.message}]` });
    });
    proc.once('close', (code) => {
      clearTimeout(timer);
      live.delete(proc);
      resolve({ code, stdout, stderr });
    });
    proc.stdin.on('error', () => {}); // a command that exits without reading its input
    proc.stdin.end(opts.input ?? '');
  });
}

function kubeconfig(url: string, caPath: string, user: string, token: string): string {
  // JSON is YAML; JSON.stringify quotes every path and token safely.
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'envtest', cluster: { server: url, 'certificate-authority': caPath } }],
      users: [{ name: user, user: { token } }],
      contexts: [{ name: 'envtest', context: { cluster: 'envtest', user, namespace: 'default' } }],
      'current-context': 'envtest',
    },
    null,
    2,
  );
}

const token = () => randomBytes(24).toString('hex');
const DIR_PREFIX = 'centrifugo-ts-k8s-';

/** Removes the dirs of test processes that died by SIGKILL, the one case no handler sees. */
function sweepStaleDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(dir, 'owner.pid'), 'utf8'));
    } catch {
      continue; // still being set up, or not ours
    }
    try {
      process.kill(owner, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
}

export async function startApiServer(opts: ApiServerOptions = {}): Promise<ApiServer> {
  installBackstop();
  const assets = opts.assets ?? findK8sAssets();
  const readyMs = opts.readyTimeoutMs ?? DEFAULT_READY_MS;
  sweepStaleDirs();
  const dir = await mkdtemp(join(tmpdir(), DIR_PREFIX));
  dirs.add(dir);
  await writeFile(join(dir, 'owner.pid'), String(process.pid));
  const procs: Proc[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // The API server first: it must not see its etcd vanish while still serving.
    for (const p of [...procs].reverse()) await p.stop();
    await rm(dir, { recursive: true, force: true });
    dirs.delete(dir);
  };
  opts.t?.after(stop);
  const logTail = () => procs.map((p) => `--- ${p.name}\n${p.logTail()}`).join('\n');

  try {
    // Chosen once etcd listens (so never one of its ports); a port another process takes
    // before kube-apiserver binds it gets a new one (see the start loop below).
    let apiPort = 0;
    let url = '';
    const certDir = join(dir, 'certs');
    const caPath = join(certDir, 'apiserver.crt');
    await mkdir(certDir);

    // Static tokens: format token,user,uid,"group1,group2".
    const adminToken = token();
    const users = new Map<string, { token: string; kubeconfig: string }>();
    const tokenLines = [`${adminToken},admin,admin,"system:masters"`];
    for (const u of opts.users ?? []) {
      if (u.name === 'admin' || users.has(u.name) || !/^[A-Za-z0-9:@._-]+$/.test(u.name)) {
        throw new Error(`bad or duplicate user name: ${u.name}`);
      }
      const tok = token();
      users.set(u.name, { token: tok, kubeconfig: join(dir, `kubeconfig-${u.name}`) });
      tokenLines.push(`${tok},${u.name},${u.name},"${(u.groups ?? []).join(',')}"`);
    }
    await writeFile(join(dir, 'tokens.csv'), `${tokenLines.join('\n')}\n`, { mode: 0o600 });

    // Service-account token signing key (TokenRequest, `kubectl create token`).
    const sa = generateKeyPairSync('ec', {
      namedCurve: 'prime256v1',
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'sec1', format: 'pem' },
    });
    await writeFile(join(dir, 'sa.pub'), sa.publicKey);
    await writeFile(join(dir, 'sa.key'), sa.privateKey, { mode: 0o600 });

    const kubeconfigPath = join(dir, 'kubeconfig');
    const writeKubeconfigs = async () => {
      await writeFile(kubeconfigPath, kubeconfig(url, caPath, 'admin', adminToken), {
        mode: 0o600,
      });
      for (const [name, u] of users) {
        await writeFile(u.kubeconfig, kubeconfig(url, caPath, name, u.token), { mode: 0o600 });
      }
    };
    const env: Record<string, string> = {
      KUBECONFIG: kubeconfigPath,
      KUBECACHEDIR: join(dir, 'kube-cache'),
      HELM_CACHE_HOME: join(dir, 'helm', 'cache'),
      HELM_CONFIG_HOME: join(dir, 'helm', 'config'),
      HELM_DATA_HOME: join(dir, 'helm', 'data'),
    };

    // A free port can be taken by another process between the check and etcd's bind (other
    // servers start beside this one): etcd then exits at once, and gets new ports (3 tries).
    let etcdUrl = '';
    for (let attempt = 1; ; attempt++) {
      const [clientPort, peerPort] = (await freePorts(2)) as [number, number];
      etcdUrl = `http://127.0.0.1:${clientPort}`;
      const peerUrl = `http://127.0.0.1:${peerPort}`;
      const etcd = startProcess('etcd', assets.etcd, [
        '--name=default',
        `--data-dir=${join(dir, `etcd-${attempt}`)}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        '--initial-cluster-state=new',
        '--unsafe-no-fsync', // throwaway data: no fsync keeps a 2-core machine quick
        '--log-level=warn',
      ]);
      procs.push(etcd);
      const url = etcdUrl;
      try {
        await waitUntil('etcd', etcd, readyMs, logTail, async () => {
          const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
          const body = await res.text();
          return res.ok && body.includes('"health":"true"')
            ? true
            : `/health ${res.status} ${body}`;
        });
        break;
      } catch (err) {
        const portTaken = etcd.hasExited() && etcd.logTail().includes('address already in use');
        if (!portTaken || attempt === 3) throw err;
        procs.pop();
      }
    }

    const request: ApiServer['request'] = (method, path, body, ro = {}) => {
      const bearer = ro.user === undefined ? adminToken : tokenForUser(ro.user);
      const payload =
        body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      return new Promise((resolve, reject) => {
        const req = httpsRequest(
          `${url}${path}`,
          {
            method,
            ca: readFileSync(caPath),
            headers: {
              authorization: `Bearer ${bearer}`,
              accept: 'application/json',
              ...(payload === undefined
                ? {}
                : { 'content-type': ro.contentType ?? 'application/json' }),
            },
            timeout: 10_000,
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              text += c;
            });
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                body: text,
                json: <T>() => JSON.parse(text) as T,
              }),
            );
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
        req.on('error', reject);
        req.end(payload);
      });
    };
    const tokenForUser = (name: string) => {
      const u = users.get(name);
      if (!u) throw new Error(`no user ${name} (startApiServer({ users }))`);
      return u.token;
    };

    const clientCa = opts.clientCertificates ? await makeClientCa(dir) : undefined;
    for (let attempt = 1; ; attempt++) {
      apiPort = ((await freePorts(1)) as [number])[0];
      url = `https://127.0.0.1:${apiPort}`;
      await writeKubeconfigs();
      const api = startProcess('kube-apiserver', assets.kubeApiserver, [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${certDir}`,
        `--token-auth-file=${join(dir, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        // Only an address range to allocate Service ClusterIPs from: no traffic goes there.
        '--service-cluster-ip-range=10.0.0.0/24',
        `--service-account-issuer=${url}`,
        `--service-account-key-file=${join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
        '--allow-privileged=true',
        // As envtest: no controller-manager creates the default ServiceAccounts pods would need.
        ...(opts.serviceAccountAdmission ? [] : ['--disable-admission-plugins=ServiceAccount']),
        // As hardened clusters (OpenShift) run it: setting ownerReferences needs delete on the
        // object, blockOwnerDeletion needs update on the owner's finalizers.
        '--enable-admission-plugins=OwnerReferencesPermissionEnforcement',
        ...(clientCa ? [`--client-ca-file=${clientCa.cert}`] : []),
        ...(opts.apiServerArgs ?? []),
      ]);
      procs.push(api);
      try {
        await waitUntil('kube-apiserver', api, readyMs, logTail, async () => {
          if (!existsSync(caPath)) return `no ${caPath} yet`;
          const res = await request('GET', '/readyz?verbose');
          return res.status === 200 ? true : `/readyz ${res.status}: ${failedChecks(res.body)}`;
        });
        break;
      } catch (err) {
        const portTaken = api.hasExited() && api.logTail().includes('address already in use');
        if (!portTaken || attempt === 3) throw err;
        procs.pop();
      }
    }

    const kcFor = (name: string) => {
      const u = users.get(name);
      if (!u) throw new Error(`no user ${name} (startApiServer({ users }))`);
      return u.kubeconfig;
    };
    const run = (bin: string, args: string[], co: CommandOptions = {}) => {
      const cmdEnv = co.user === undefined ? env : { ...env, KUBECONFIG: kcFor(co.user) };
      return runCommand(bin, args, cmdEnv, co);
    };
    const kubectl = (args: string[], co?: CommandOptions) => run(assets.kubectl, args, co);
    const kubectlOk = async (args: string[], co?: CommandOptions) => {
      const res = await kubectl(args, co);
      if (res.code !== 0) {
        throw new Error(`kubectl ${args.join(' ')} exited ${res.code}: ${res.stderr.trim()}`);
      }
      return res.stdout;
    };

    return {
      url,
      token: adminToken,
      kubeconfigPath,
      caPath,
      env,
      etcdUrl,
      dir,
      kubectl,
      kubectlOk,
      helm(args, co) {
        if (!assets.helm) throw new Error(`helm not found (PATH): ${HOW_TO_GET}`);
        return run(assets.helm, args, co);
      },
      apply: (manifest, co) => kubectlOk(['apply', '-f', '-'], { ...co, input: manifest }),
      async createNamespace(name) {
        const res = await request('POST', '/api/v1/namespaces', {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name },
        });
        if (res.status !== 201 && res.status !== 409) {
          throw new Error(`create namespace ${name}: ${res.status} ${res.body}`);
        }
      },
      request,
      tokenFor: tokenForUser,
      kubeconfigFor: kcFor,
      async issueClientCertificate(user, groups = []) {
        if (!clientCa) throw new Error('startApiServer({ clientCertificates: true }) first');
        return issueCertificate(dir, clientCa, user, groups);
      },
      logTail,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function openssl(args: string[]): Promise<void> {
  const res = await runCommand('openssl', args, {});
  if (res.code !== 0) throw new Error(`openssl ${args[0]} exited ${res.code}: ${res.stderr}`);
}

async function makeClientCa(dir: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, 'client-ca.crt');
  const key = join(dir, 'client-ca.key');
  await openssl([
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    '/CN=centrifugo-ts-test-client-ca',
  ]);
  return { cert, key };
}

let issued = 0;
async function issueCertificate(
  dir: string,
  ca: { cert: string; key: string },
  user: string,
  groups: string[],
): Promise<{ cert: string; key: string }> {
  if (!/^[A-Za-z0-9:@._-]+$/.test(user) || groups.some((g) => !/^[A-Za-z0-9:@._-]+$/.test(g))) {
    throw new Error(`bad user or group name: ${user} ${groups.join(',')}`);
  }
  const base = join(dir, `client-${user}-${++issued}`);
  const subject = `/CN=${user}${groups.map((g) => `/O=${g}`).join('')}`;
  await openssl([
    'req',
    '-new',
    ...EC_KEY,
    '-keyout',
    `${base}.key`,
    '-out',
    `${base}.csr`,
    '-subj',
    subject,
  ]);
  await openssl([
    'x509',
    '-req',
    '-in',
    `${base}.csr`,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-out',
    `${base}.crt`,
    '-days',
    '1',
  ]);
  return { cert: `${base}.crt`, key: `${base}.key` };
}

/** The failing lines of a /readyz?verbose body ("[-]etcd failed: ..."). */
function failedChecks(body: string): string {
  const failed = body.split('\n').filter((l) => l.startsWith('[-]'));
  return failed.length > 0 ? failed.join('; ') : body.trim().slice(0, 200);
}

async function waitUntil(
  name: string,
  proc: Proc,
  ms: number,
  logTail: () => string,
  check: () => Promise<true | string>,
): Promise<void> {
  const deadline = Date.now() + ms;
  let last = 'no answer yet';
  while (Date.now() < deadline && !proc.hasExited()) {
    try {
      const ok = await check();
      if (ok === true) return;
      last = ok;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(200);
  }
  const why = proc.hasExited() ? 'exited' : `not ready after ${ms} ms (${last})`;
  throw new Error(`${name} ${why}; logs:\n${logTail()}`);
}

/** The version kube-apiserver reports, e.g. "v1.34.4" (a cheap check that a binary runs). */
export function kubeApiserverVersion(assets: K8sAssets): string {
  const res = spawnSync(assets.kubeApiserver, ['--version'], { encoding: 'utf8' });
  return res.stdout.trim().replace(/^Kubernetes /, '');
}
