// The real single-node cluster of test/k8s/real-cluster.ts: a pod runs on the bridge network
// (its IP in the pod range, reached from this process), and nothing of a run outlives it:
// not after stop(), and not after the test process is killed by SIGKILL (the watchdog).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { canRunRealCluster, startRealCluster } from './real-cluster.ts';
import { cgroupMounts, runFor } from './real-cluster-run.ts';

const CHILD = fileURLToPath(new URL('./real-cluster-child.ts', import.meta.url));

/** What a run of process `pid` would have left: none of it may remain. */
function leftovers(pid: number, dir?: string): string[] {
  const run = runFor(pid);
  const out: string[] = [];
  if (existsSync(join('/run/netns', run.netns))) out.push(`network namespace ${run.netns}`);
  if (spawnSync('ip', ['link', 'show', run.hostLink], { stdio: 'ignore' }).status === 0) {
    out.push(`link ${run.hostLink}`);
  }
  for (const m of cgroupMounts()) {
    if (existsSync(join(m.path, run.cgroup))) out.push(`cgroup ${join(m.path, run.cgroup)}`);
  }
  if (dir && existsSync(dir)) out.push(`dir ${dir}`);
  // Shims and containers name the run's containerd socket, under its dir.
  for (const p of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (dir && cmd.includes(dir)) {
        out.push(`process ${p}: ${cmd.replaceAll('\0', ' ').slice(0, 80)}`);
      }
    } catch {} // exited meanwhile
  }
  return out;
}

test('real cluster: a pod runs on the pod network; stop() leaves nothing behind', {
  timeout: 180_000,
}, async (t) => {
  if (!canRunRealCluster(t)) return;
  const cluster = await startRealCluster({ t });
  const node = JSON.parse(
    await cluster.api.kubectlOk(['get', 'node', cluster.nodeName, '-o', 'json']),
  );
  assert.deepEqual(
    node.status.addresses.find((a: { type: string }) => a.type === 'InternalIP')?.address,
    cluster.nodeIp,
  );
  await cluster.api.apply(`apiVersion: v1
kind: Pod
metadata: {name: sleeper, namespace: default}
spec:
  containers: [{name: pause, image: centrifugo-ts.local/pause:1, imagePullPolicy: Never}]
`);
  await cluster.api.kubectlOk(['wait', '--for=condition=Ready', 'pod/sleeper', '--timeout=60s']);
  const ip = await cluster.api.kubectlOk([
    'get',
    'pod',
    'sleeper',
    '-o',
    'jsonpath={.status.podIP}',
  ]);
  assert.ok(ip.startsWith(cluster.podCidr.replace(/0\/24$/, '')), `${ip} in ${cluster.podCidr}`);
  // Routed from this process into the pod's own network namespace: nothing listens there, so
  // the pod's kernel answers with a reset (a refusal), not a timeout.
  const refused = await new Promise<string>((resolve) => {
    const socket = createConnection({ host: ip, port: 8000, timeout: 5_000 });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    socket.once('timeout', () => resolve('timeout'));
    socket.once('connect', () => resolve('connected'));
  });
  assert.equal(refused, 'ECONNREFUSED');
  const dir = cluster.dir;
  await cluster.stop();
  assert.deepEqual(leftovers(process.pid, dir), []);
});

test('real cluster: a test process killed by SIGKILL leaves nothing behind', {
  timeout: 180_000,
}, async (t) => {
  if (!canRunRealCluster(t)) return;
  const child = spawn(process.execPath, [CHILD], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  child.stderr.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.after(() => child.kill('SIGKILL'));
  const deadline = Date.now() + 120_000;
  while (!/^ready /m.test(out) && child.exitCode === null && Date.now() < deadline)
    await sleep(100);
  const dir = /^ready (\S+)$/m.exec(out)?.[1];
  assert.ok(dir, `the child started a cluster:\n${out}`);
  const pid = child.pid as number;
  assert.notDeepEqual(leftovers(pid, dir), [], 'the run exists while the child lives');
  child.kill('SIGKILL');
  await exited;
  let left = leftovers(pid, dir);
  for (let i = 0; i < 100 && left.length > 0; i++) {
    await sleep(100);
    left = leftovers(pid, dir);
  }
  assert.deepEqual(left, [], 'the watchdog removed the run');
  assert.ok(!readdirSync(tmpdir()).some((n) => n.startsWith(`centrifugo-ts-node-${pid}-`)));
});
