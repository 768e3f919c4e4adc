// A REAL single-node Kubernetes cluster for tests: etcd + kube-apiserver (test/k8s/harness.ts),
// kube-controller-manager, kube-scheduler and a kubelet, all v1.34 from scripts/ensure-k8s.sh,
// on Debian's containerd and runc (scripts/ensure-kubelet.sh). Pods really run, from images
// imported into containerd; the Deployment, ReplicaSet, garbage-collector, disruption,
// EndpointSlice and node controllers really act; `kubectl drain` really evicts.
//
// The node lives in a network namespace made here, never on the machine's own addresses:
//
//   this machine's namespace                the node's namespace (centrifugo-ts-<pid>)
//   etcd, kube-apiserver on 127.0.0.1       containerd, kubelet (node IP 10.253.K.2, eth0)
//   kube-controller-manager, scheduler      bridge cni0 10.254.K.1/24, a veth per pod
//   cts<pid> 10.253.K.1  <------ veth ----> eth0
//   route 10.254.K.0/24 via 10.253.K.2      the `kubernetes` ClusterIP:443 DNATed to
//   proxy 10.253.K.1:<api> -> 127.0.0.1      10.253.K.1:<api> (iptables, that namespace only)
//
// so the test process reaches every pod IP, as a client inside a cluster would, and pods reach
// the API server through the `kubernetes` Service, as in-cluster clients do. No kube-proxy:
// other Services route nowhere; tests resolve their EndpointSlices (readyEndpoints), which is
// also what shows a terminating pod leaving them.
//
// A pod network rather than hostNetwork pods: the operator gives every node pod the same
// container ports (8000, 9000), so on one node two replicas, the surge pod of a rolling update
// and the replacement during a drain would all need the ports the running pod holds.
//
// What this machine forces, each found by running it here:
// - containerd: snapshotter native (no overlayfs), restrict_oom_score_adj (root here lacks
//   CAP_SYS_RESOURCE, so runc cannot lower a score), netns mounts under its own state dir;
//   kubelet: cgroupDriver cgroupfs, with a cgroup root of this run;
// - containerd and the kubelet share a private mount namespace: every mount they make (pod
//   volumes, container rootfs, pod network namespaces) stays in it and dies with them;
// - in that mount namespace the kernel settings the kubelet would otherwise rewrite for the
//   whole machine (vm.overcommit_memory, kernel.panic, kernel.panic_on_oops) read as it wants;
// - the kubelet serves its API (logs, exec) to anyone who reaches the node's namespace: only
//   the API server here can.
// Cleanup (test/k8s/real-cluster-run.ts): stop(), the exit backstop, or a watchdog when this
// process dies by SIGKILL, kills every process under the run's cgroup (containerd, shims,
// containers), removes the cgroups, the network namespace (its veth goes with it) and the
// dir; what a run killed together with its watchdog leaves, the next start removes.
//
// Measured here (2 cores, shared): the node is Ready 5-8 s after start (API server included);
// the cluster without pods holds about 620 MiB RSS.
import { type ChildProcess, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { missingTool } from '../tools.ts';
import { type ApiServer, type Proc, runCommand, startApiServer, startProcess } from './harness.ts';
import {
  cgroupMounts,
  joinCgroup,
  killCgroup,
  makeCgroups,
  PREFIX,
  type RunResources,
  removeRun,
  runFor,
  startWatchdog,
  sweepStaleRuns,
} from './real-cluster-run.ts';

const HOW_TO_GET = 'source scripts/ensure-k8s.sh and scripts/ensure-kubelet.sh (.ci/run does)';
const NODE_NAME = 'centrifugo-ts-node';
const DEFAULT_CNI_BIN = '/usr/lib/cni';

export interface RealClusterAssets {
  kubelet: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  containerd: string;
  ctr: string;
  cniBin: string;
  pauseImage: string;
}

export interface RealClusterSupport {
  ok: boolean;
  /** What runs it, or why it cannot. */
  why: string;
  /**
   * When not ok: whether this machine could have run it (root with the rights it needs), so
   * only tools are missing, which .ci/run installs: a failure under CENTRIFUGO_TS_REQUIRE_TOOLS.
   */
  expected: boolean;
  assets?: RealClusterAssets;
}

const CAP_NET_ADMIN = 12n;
const CAP_SYS_ADMIN = 21n;

/** Whether this machine can run the cluster, and with what. */
export function realClusterSupport(): RealClusterSupport {
  const no = (why: string, expected: boolean): RealClusterSupport => ({ ok: false, why, expected });
  if (process.platform !== 'linux') return no(`${process.platform} is not Linux`, false);
  if (process.getuid?.() !== 0) {
    return no('not root: network namespaces, mounts and cgroups need root', false);
  }
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  const caps = BigInt(`0x${capEff ?? '0'}`);
  for (const [cap, name] of [
    [CAP_NET_ADMIN, 'CAP_NET_ADMIN'],
    [CAP_SYS_ADMIN, 'CAP_SYS_ADMIN'],
  ] as const) {
    if ((caps & (1n << cap)) === 0n)
      return no(`root without ${name} (an unprivileged container?)`, false);
  }
  if (cgroupMounts().length === 0) return no('no cgroup filesystem mounted', false);
  const dirs = [process.env.KUBEBUILDER_ASSETS, ...(process.env.PATH ?? '').split(delimiter)];
  const find = (name: string) =>
    dirs
      .filter((d): d is string => !!d)
      .map((d) => join(d, name))
      .find((p) => existsSync(p));
  const cniBin = process.env.CENTRIFUGO_TS_CNI_BIN ?? DEFAULT_CNI_BIN;
  const found = {
    kubelet: find('kubelet'),
    kubeControllerManager: find('kube-controller-manager'),
    kubeScheduler: find('kube-scheduler'),
    containerd: find('containerd'),
    ctr: find('ctr'),
    runc: find('runc'),
    nsenter: find('nsenter'),
    unshare: find('unshare'),
    ip: find('ip'),
    iptables: find('iptables'),
    mount: find('mount'),
    cniBin: ['bridge', 'host-local', 'loopback'].every((p) => existsSync(join(cniBin, p)))
      ? cniBin
      : undefined,
    pauseImage:
      process.env.CENTRIFUGO_TS_PAUSE_IMAGE && existsSync(process.env.CENTRIFUGO_TS_PAUSE_IMAGE)
        ? process.env.CENTRIFUGO_TS_PAUSE_IMAGE
        : undefined,
  };
  const missing = Object.entries(found)
    .filter(([, v]) => !v)
    .map(([k]) =>
      k === 'cniBin'
        ? `CNI plugins in ${cniBin}`
        : k === 'pauseImage'
          ? 'CENTRIFUGO_TS_PAUSE_IMAGE'
          : k,
    );
  if (missing.length > 0) return no(`${missing.join(', ')} not found: ${HOW_TO_GET}`, true);
  const assets: RealClusterAssets = {
    kubelet: found.kubelet as string,
    kubeControllerManager: found.kubeControllerManager as string,
    kubeScheduler: found.kubeScheduler as string,
    containerd: found.containerd as string,
    ctr: found.ctr as string,
    cniBin,
    pauseImage: found.pauseImage as string,
  };
  const versions = [
    version(assets.kubelet, ['--version']),
    version(assets.containerd, ['--version']),
    version(found.runc as string, ['--version']),
  ];
  return { ok: true, why: versions.join(', '), expected: true, assets };
}

/**
 * For a test: true when the cluster can run here. Otherwise it skips with the reason printed,
 * or fails under CENTRIFUGO_TS_REQUIRE_TOOLS=1 when only tools are missing (see expected).
 */
export function canRunRealCluster(t: TestContext): boolean {
  const support = realClusterSupport();
  if (support.ok) return true;
  const reason = `real kubelet cannot run here: ${support.why}`;
  if (support.expected) {
    missingTool(t, reason);
  } else {
    console.log(`skipping: ${reason}`);
    t.skip(reason);
  }
  return false;
}

function version(bin: string, args: string[]): string {
  const res = spawnSync(bin, args, { encoding: 'utf8', timeout: 10_000 });
  return `${res.stdout}`.split('\n')[0]?.trim() ?? '?';
}

export interface RealClusterOptions {
  /** Image archives (the `docker save` layout) to import into containerd, besides pause. */
  images?: string[];
  /** Progress lines; console.log by default. */
  log?: (line: string) => void;
  /** When given, stop() is registered with t.after(). */
  t?: TestContext;
}

export interface RealCluster {
  /** The API server, as test/k8s/harness.ts gives it (kubectl, helm, request, ...). */
  readonly api: ApiServer;
  readonly nodeName: string;
  /** The node's address, in its network namespace: hostNetwork pods and startOnNode bind it. */
  readonly nodeIp: string;
  /** This machine's end of the veth: the API server's address for pods and the kubelet. */
  readonly hostIp: string;
  /** The pods' addresses (bridge CNI, host-local IPAM). */
  readonly podCidr: string;
  /** The node's network namespace (`ip netns`). */
  readonly netns: string;
  readonly dir: string;
  /** Imports a `docker save` archive into containerd (ctr, native snapshotter). */
  importImage(archive: string): Promise<void>;
  /** Starts a process in the node's network namespace (its host network), e.g. nats-server. */
  startOnNode(name: string, bin: string, args: string[]): Proc;
  /** The last lines of every component's log, for assertion messages. */
  logTail(): string;
  /** Stops everything and removes what was made. Final; safe to call twice. */
  stop(): Promise<void>;
}

// ---- start ----

let running: { run: RunResources; watchdog?: ChildProcess } | undefined;
let backstop = false;

function sh(bin: string, args: string[]): string {
  const res = spawnSync(bin, args, { encoding: 'utf8', timeout: 30_000 });
  if (res.status !== 0) {
    throw new Error(`${bin} ${args.join(' ')} exited ${res.status}: ${res.stderr || res.error}`);
  }
  return res.stdout;
}

/** 10.253.K.0/30 for the veth and 10.254.K.0/24 for pods, with K unused on this machine. */
function pickSubnets(): { k: number } {
  const used =
    sh('ip', ['-4', '-o', 'route', 'show', 'table', 'all']) + sh('ip', ['-4', '-o', 'addr']);
  for (let i = 0; i < 250; i++) {
    const k = ((process.pid + i) % 250) + 1;
    if (!used.includes(`10.253.${k}.`) && !used.includes(`10.254.${k}.`)) return { k };
  }
  throw new Error('no free 10.253.K.0/30 and 10.254.K.0/24 on this machine');
}

export async function startRealCluster(opts: RealClusterOptions = {}): Promise<RealCluster> {
  const support = realClusterSupport();
  if (!support.ok || !support.assets) throw new Error(`real cluster cannot run: ${support.why}`);
  if (running) throw new Error('one real cluster per test process');
  const assets = support.assets;
  const log = opts.log ?? ((line: string) => console.log(`real-cluster: ${line}`));
  const t0 = Date.now();
  sweepStaleRuns();

  const run = runFor(process.pid);
  const current: { run: RunResources; watchdog?: ChildProcess } = { run };
  running = current;
  if (!backstop) {
    backstop = true;
    // After test/k8s/harness.ts's backstop has SIGKILLed the processes it started.
    process.on('exit', () => {
      if (!running) return;
      removeRun(running.run);
      running.watchdog?.kill('SIGKILL');
    });
  }
  const procs: Proc[] = [];
  let api: ApiServer | undefined;
  let proxy: Server | undefined;
  let stopped = false;
  const logTail = () =>
    [api?.logTail() ?? '', ...procs.map((p) => `--- ${p.name}\n${p.logTail()}`)].join('\n');
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const kubelet = procs.find((p) => p.name === 'kubelet');
    await kubelet?.stop();
    killCgroup(run.cgroup); // containers, shims, containerd
    for (const p of [...procs].reverse()) await p.stop();
    proxy?.close();
    await api?.stop();
    removeRun(run);
    current.watchdog?.kill('SIGKILL');
    running = undefined;
  };
  opts.t?.after(stop);

  try {
    run.dir = await mkdtemp(join(tmpdir(), `${PREFIX}node-${process.pid}-`));
    const dir = run.dir;
    current.watchdog = startWatchdog(run);
    const { k } = pickSubnets();
    const hostIp = `10.253.${k}.1`;
    const nodeIp = `10.253.${k}.2`;
    const podCidr = `10.254.${k}.0/24`;
    const hostIf = run.hostLink;
    const inNode = [`--net=/run/netns/${run.netns}`, '--'];
    log(`network namespace ${run.netns}: node ${nodeIp}, pods ${podCidr}, this machine ${hostIp}`);
    sh('ip', ['netns', 'add', run.netns]);
    sh('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', run.netns]);
    sh('ip', ['addr', 'add', `${hostIp}/30`, 'dev', hostIf]);
    sh('ip', ['link', 'set', hostIf, 'up']);
    sh('ip', ['-n', run.netns, 'addr', 'add', `${nodeIp}/30`, 'dev', 'eth0']);
    sh('ip', ['-n', run.netns, 'link', 'set', 'eth0', 'up']);
    sh('ip', ['-n', run.netns, 'link', 'set', 'lo', 'up']);
    sh('nsenter', [...inNode, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    sh('ip', ['route', 'add', podCidr, 'via', nodeIp, 'dev', hostIf]);

    log('starting etcd and kube-apiserver (test/k8s/harness.ts)');
    api = await startApiServer({
      // The `kubernetes` Service's endpoint, and a name in the serving certificate.
      // Logs and exec go to the node's address, not to its name (no DNS here).
      apiServerArgs: [
        `--advertise-address=${hostIp}`,
        '--kubelet-preferred-address-types=InternalIP',
      ],
      serviceAccountAdmission: true,
    });
    const apiPort = Number(new URL(api.url).port);
    proxy = await tcpProxy(hostIp, apiPort, apiPort);
    // Created by the API server shortly after it is ready.
    let clusterIp = '';
    const server = api;
    await waitFor('the kubernetes Service', undefined, logTail, 30_000, async () => {
      const res = await server.request('GET', '/api/v1/namespaces/default/services/kubernetes');
      if (res.status !== 200) return `GET: ${res.status}`;
      clusterIp = res.json<{ spec: { clusterIP: string } }>().spec.clusterIP;
      return true;
    });
    sh('nsenter', [
      ...inNode,
      'iptables',
      '-t',
      'nat',
      '-A',
      'PREROUTING',
      '-d',
      `${clusterIp}/32`,
      '-p',
      'tcp',
      '--dport',
      '443',
      '-j',
      'DNAT',
      '--to-destination',
      `${hostIp}:${apiPort}`,
    ]);

    log('starting kube-controller-manager and kube-scheduler');
    procs.push(
      startProcess('kube-controller-manager', assets.kubeControllerManager, [
        `--kubeconfig=${api.kubeconfigPath}`,
        '--leader-elect=false',
        '--secure-port=0',
        `--root-ca-file=${api.caPath}`,
        '--use-service-account-credentials=false',
        '--v=1',
      ]),
      startProcess('kube-scheduler', assets.kubeScheduler, [
        `--kubeconfig=${api.kubeconfigPath}`,
        '--leader-elect=false',
        '--secure-port=0',
        '--v=1',
      ]),
    );

    // cgroups of this run, in every hierarchy: containerd (and the shims it starts) in
    // <root>/runtime, the kubelet's pods in <root>/kubepods.
    makeCgroups(run.cgroup);

    log('starting containerd (native snapshotter, bridge CNI, private mount namespace)');
    const socket = join(dir, 'containerd.sock');
    await writeFile(join(dir, 'containerd.toml'), containerdConfig(dir, assets, socket));
    mkdirSync(join(dir, 'cni'), { recursive: true });
    await writeFile(join(dir, 'cni', '10-centrifugo-ts.conflist'), cniConfig(dir, podCidr, k));
    // Paths containerd, its shims, CNI and the kubelet write to whatever their config says
    // (shim sockets, CNI result cache, container log links) get a tmpfs of that namespace.
    for (const p of PRIVATE_TMPFS) mkdirSync(p, { recursive: true });
    const mounts = PRIVATE_TMPFS.map((p) => `mount -t tmpfs tmpfs ${p} && `).join('');
    const containerd = startProcess('containerd', 'nsenter', [
      ...inNode,
      'unshare',
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      `${mounts}exec "$0" --config "$1"`,
      assets.containerd,
      join(dir, 'containerd.toml'),
    ]);
    procs.push(containerd);
    joinCgroup(run.cgroup, containerd.pid);
    const ctr = (args: string[], timeoutMs = 120_000) =>
      runCommand(
        assets.ctr,
        ['--address', socket, '--namespace', 'k8s.io', ...args],
        {},
        { timeoutMs },
      );
    await waitFor('containerd', containerd, logTail, 30_000, async () => {
      const res = await ctr(['version'], 5_000);
      return res.code === 0 ? true : res.stderr.trim();
    });
    const importImage = async (archive: string) => {
      const t1 = Date.now();
      const res = await ctr(['images', 'import', '--snapshotter', 'native', archive]);
      if (res.code !== 0) throw new Error(`ctr images import ${archive}: ${res.stderr}`);
      const mib = (statSync(archive).size / 2 ** 20).toFixed(0);
      log(`imported ${archive} (${mib} MiB) in ${Date.now() - t1} ms: ${res.stdout.trim()}`);
    };
    for (const archive of [assets.pauseImage, ...(opts.images ?? [])]) await importImage(archive);

    // What the kubelet would set machine-wide, as it wants it, in its mount namespace only.
    const inMounts = ['--target', String(containerd.pid), '--mount', '--'];
    mkdirSync(join(dir, 'sysctl'));
    for (const [key, value] of Object.entries(KUBELET_SYSCTLS)) {
      const file = join(dir, 'sysctl', key.replaceAll('/', '.'));
      writeFileSync(file, `${value}\n`);
      sh('nsenter', [...inMounts, 'mount', '--bind', '-o', 'ro', file, `/proc/sys/${key}`]);
    }

    log('starting the kubelet');
    const kubeconfig = join(dir, 'kubelet.kubeconfig');
    await writeFile(kubeconfig, kubeletKubeconfig(`https://${hostIp}:${apiPort}`, api));
    await writeFile(join(dir, 'kubelet.json'), kubeletConfig(dir, run.cgroup, socket, nodeIp));
    const kubelet = startProcess('kubelet', 'nsenter', [
      '--target',
      String(containerd.pid),
      '--mount',
      '--net',
      '--',
      assets.kubelet,
      `--config=${join(dir, 'kubelet.json')}`,
      `--kubeconfig=${kubeconfig}`,
      `--root-dir=${join(dir, 'kubelet')}`,
      `--hostname-override=${NODE_NAME}`,
      `--node-ip=${nodeIp}`,
      '--v=1',
    ]);
    procs.push(kubelet);
    joinCgroup(run.cgroup, kubelet.pid);
    const cluster = api;
    await waitFor('the node Ready', kubelet, logTail, 90_000, async () => {
      const res = await cluster.request('GET', `/api/v1/nodes/${NODE_NAME}`);
      if (res.status !== 200) return `GET node: ${res.status}`;
      const ready = res
        .json<{ status?: { conditions?: { type: string; status: string; message?: string }[] } }>()
        .status?.conditions?.find((c) => c.type === 'Ready');
      return ready?.status === 'True' ? true : `Ready: ${ready?.status} ${ready?.message ?? ''}`;
    });
    await waitFor('the default ServiceAccount', kubelet, logTail, 30_000, async () => {
      const res = await cluster.request(
        'GET',
        '/api/v1/namespaces/default/serviceaccounts/default',
      );
      return res.status === 200 ? true : `GET: ${res.status}`;
    });
    log(`node ${NODE_NAME} Ready ${Date.now() - t0} ms after start`);

    return {
      api,
      nodeName: NODE_NAME,
      nodeIp,
      hostIp,
      podCidr,
      netns: run.netns,
      dir,
      importImage,
      startOnNode: (name, bin, args) => startProcess(name, 'nsenter', [...inNode, bin, ...args]),
      logTail,
      stop,
    };
  } catch (err) {
    const tail = logTail();
    await stop();
    (err as Error).message += `\n${tail}`;
    throw err;
  }
}

/** Fixed paths (not configurable in containerd 1.6 or the kubelet) that must not outlive a run. */
const PRIVATE_TMPFS = ['/run/containerd', '/var/lib/cni', '/var/log/containers'];

/** The settings the kubelet checks at start and, unless they match, writes machine-wide. */
const KUBELET_SYSCTLS: Record<string, number> = {
  'vm/overcommit_memory': 1,
  'vm/panic_on_oom': 0,
  'kernel/panic': 10,
  'kernel/panic_on_oops': 1,
  'kernel/keys/root_maxkeys': 1_000_000,
  'kernel/keys/root_maxbytes': 25_000_000,
};

function containerdConfig(dir: string, assets: RealClusterAssets, socket: string): string {
  const pauseTag = imageTag(assets.pauseImage);
  return `version = 2
root = "${dir}/containerd/root"
state = "${dir}/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.overlayfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "${socket}"
[ttrpc]
  address = "${socket}.ttrpc"
[debug]
  level = "warn"
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${pauseTag}"
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  disable_apparmor = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "${dir}/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${assets.cniBin}"
    conf_dir = "${dir}/cni"
[plugins."io.containerd.internal.v1.opt"]
  path = "${dir}/containerd/opt"
`;
}

/** The tag a `docker save` archive names in its manifest.json. */
export function imageTag(archive: string): string {
  const manifest = sh('tar', ['-xOf', archive, 'manifest.json']);
  const tag = (JSON.parse(manifest) as { RepoTags?: string[] }[])[0]?.RepoTags?.[0];
  if (!tag) throw new Error(`${archive} names no tag`);
  return tag;
}

function cniConfig(dir: string, podCidr: string, k: number): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'centrifugo-ts',
    plugins: [
      {
        type: 'bridge',
        bridge: 'cni0',
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: podCidr, gateway: `10.254.${k}.1` }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: join(dir, 'cni-ipam'),
        },
      },
    ],
  });
}

function kubeletKubeconfig(server: string, api: ApiServer): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server, 'certificate-authority': api.caPath } }],
    users: [{ name: 'kubelet', user: { token: api.token } }],
    contexts: [{ name: 'local', context: { cluster: 'local', user: 'kubelet' } }],
    'current-context': 'local',
  });
}

function kubeletConfig(dir: string, cgroupRoot: string, socket: string, nodeIp: string): string {
  return JSON.stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: nodeIp,
    port: 10250,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
    containerRuntimeEndpoint: `unix://${socket}`,
    cgroupDriver: 'cgroupfs',
    cgroupRoot,
    // The API server reaches the kubelet (logs, exec) from this machine's side of the veth.
    authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
    authorization: { mode: 'AlwaysAllow' },
    failSwapOn: false,
    oomScoreAdj: 0,
    // A shared disk: the node must neither evict pods nor garbage-collect the imported images
    // (they cannot be pulled again) because of what other programs write.
    evictionHard: {
      'memory.available': '50Mi',
      'nodefs.available': '1%',
      'imagefs.available': '1%',
      'nodefs.inodesFree': '1%',
    },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    podLogsDir: join(dir, 'pod-logs'),
    resolvConf: '/etc/resolv.conf',
    serializeImagePulls: false,
    maxPods: 30,
    // Status and probes at the pace a test waits for.
    nodeStatusUpdateFrequency: '4s',
    syncFrequency: '10s',
    fileCheckFrequency: '10s',
  });
}

/** A TCP forwarder (the API server listens on 127.0.0.1 only). */
async function tcpProxy(host: string, port: number, targetPort: number): Promise<Server> {
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  server.unref();
  return server;
}

async function waitFor(
  what: string,
  proc: Proc | undefined,
  logTail: () => string,
  ms: number,
  check: () => Promise<true | string>,
): Promise<void> {
  const deadline = Date.now() + ms;
  let last = 'no answer yet';
  while (Date.now() < deadline && !proc?.hasExited()) {
    try {
      const ok = await check();
      if (ok === true) return;
      last = ok;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(250);
  }
  const why = proc?.hasExited() ? `${proc.name} exited` : `not after ${ms} ms (${last})`;
  throw new Error(`waiting for ${what}: ${why}; logs:\n${logTail()}`);
}
