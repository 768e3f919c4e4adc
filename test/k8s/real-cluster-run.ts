// What one run of test/k8s/real-cluster.ts owns outside its own processes, named after the
// test process's pid so that it can be found again: a network namespace centrifugo-ts-<pid>
// (its veth goes with it), a cgroup /centrifugo-ts-<pid> in every hierarchy (containerd, the
// shims it starts and every pod run under it), and a dir centrifugo-ts-node-<pid>-* in the
// temp dir. removeRun() takes all of it away: from stop(), from the exit backstop, from a
// watchdog when the test process dies without running handlers, and from the next start when
// even the watchdog was killed (the owner pid is gone).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  type Dirent,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PREFIX = 'centrifugo-ts-';

/** The names of this process's run. */
export function runFor(pid: number): RunResources {
  return { pid, netns: `${PREFIX}${pid}`, cgroup: `/${PREFIX}${pid}`, hostLink: `cts${pid}` };
}

export interface RunResources {
  pid: number;
  netns: string;
  cgroup: string;
  /** This machine's end of the veth pair into the node's namespace. */
  hostLink: string;
  dir?: string;
}

/** Mount points of the cgroup hierarchies (v1 controllers, named ones, and the unified one). */
export function cgroupMounts(): { path: string; v2: boolean }[] {
  const out: { path: string; v2: boolean }[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    const fstype = right?.split(' ')[0];
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const path = left?.split(' ')[4];
    if (path) out.push({ path, v2: fstype === 'cgroup2' });
  }
  return out;
}

/** Every cgroup dir under `root` in one hierarchy, deepest first. */
function cgroupTree(mount: string, root: string): string[] {
  const top = join(mount, root);
  if (!existsSync(top)) return [];
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries: Dirent[] = [];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // removed meanwhile
    }
    for (const e of entries) {
      if (e.isDirectory()) walk(join(dir, e.name));
    }
    out.push(dir);
  };
  walk(top);
  return out;
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** SIGKILLs every process under the run's cgroup until none is left, then removes the cgroups. */
export function killCgroup(root: string): void {
  const mounts = cgroupMounts();
  for (let round = 0; round < 100; round++) {
    const pids = new Set<number>();
    for (const m of mounts) {
      for (const dir of cgroupTree(m.path, root)) {
        try {
          for (const p of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) {
            if (p) pids.add(Number(p));
          }
        } catch {}
      }
    }
    if (pids.size === 0) break;
    for (const p of pids) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {}
    }
    sleepSync(50);
  }
  for (const m of mounts) {
    for (const dir of cgroupTree(m.path, root)) {
      for (let i = 0; i < 20; i++) {
        try {
          rmdirSync(dir);
          break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') break;
          sleepSync(50);
        }
      }
    }
  }
}

/** Idempotent: what is already gone is skipped. */
export function removeRun(run: RunResources): void {
  killCgroup(run.cgroup);
  // Deleting the namespace frees its veth end only when the kernel's namespace cleanup runs,
  // later and asynchronously; deleting this machine's end takes both ends down now.
  spawnSync('ip', ['link', 'del', run.hostLink], { stdio: 'ignore', timeout: 10_000 });
  spawnSync('ip', ['netns', 'del', run.netns], { stdio: 'ignore', timeout: 10_000 });
  if (run.dir) rmSync(run.dir, { recursive: true, force: true });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
};

/** Removes what runs killed by SIGKILL left (their owner pid is gone). */
export function sweepStaleRuns(): void {
  const stale = new Map<number, RunResources>();
  const note = (name: string, kind: 'netns' | 'cgroup' | 'dir', path: string) => {
    const m = new RegExp(`^${PREFIX}(?:node-)?(\\d+)(?:-|$)`).exec(name);
    if (!m) return;
    const pid = Number(m[1]);
    if (pid === process.pid || alive(pid)) return;
    const run = stale.get(pid) ?? runFor(pid);
    if (kind === 'dir') run.dir = path;
    stale.set(pid, run);
  };
  if (existsSync('/run/netns')) {
    for (const n of readdirSync('/run/netns')) note(n, 'netns', n);
  }
  for (const m of cgroupMounts()) {
    if (!existsSync(m.path)) continue;
    for (const n of readdirSync(m.path)) note(n, 'cgroup', n);
  }
  for (const n of readdirSync(tmpdir())) {
    if (n.startsWith(`${PREFIX}node-`)) note(n, 'dir', join(tmpdir(), n));
  }
  for (const run of stale.values()) removeRun(run);
}

const WATCHDOG = fileURLToPath(new URL('./real-cluster-watchdog.ts', import.meta.url));

/**
 * A process that removes the run when this one dies without running any handler (SIGKILL,
 * the OOM killer): the kernel sends it SIGTERM then (pdeathsig). Shims and containers are not
 * children of this process and would otherwise keep running until the next start sweeps them.
 */
export function startWatchdog(run: RunResources): ChildProcess | undefined {
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
  if (!setpriv) return undefined;
  const child = spawn(
    setpriv,
    ['--pdeathsig', 'TERM', '--', process.execPath, WATCHDOG, JSON.stringify(run)],
    { stdio: 'ignore' },
  );
  child.unref();
  return child;
}

export function makeCgroups(root: string): void {
  for (const m of cgroupMounts()) {
    for (const sub of [root, join(root, 'runtime')]) {
      const dir = join(m.path, sub);
      mkdirSync(dir, { recursive: true });
      // A cpuset cgroup takes no process until it has cpus and mems.
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        const parent = join(dir, '..', f);
        if (!m.v2 && existsSync(parent)) writeFileSync(join(dir, f), readFileSync(parent));
      }
      if (m.v2 && sub === root) {
        // cgroup v2: the controllers the kubelet uses, for the children of the run's root.
        const available = readFileSync(join(dir, 'cgroup.controllers'), 'utf8').split(/\s+/);
        const wanted = ['cpu', 'cpuset', 'memory', 'pids', 'io', 'hugetlb'].filter((c) =>
          available.includes(c),
        );
        if (wanted.length > 0) {
          writeFileSync(join(dir, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
        }
      }
    }
  }
}

export function joinCgroup(root: string, pid: number | undefined): void {
  if (pid === undefined) throw new Error('process has no pid');
  for (const m of cgroupMounts()) {
    writeFileSync(join(m.path, root, 'runtime', 'cgroup.procs'), String(pid));
  }
}
