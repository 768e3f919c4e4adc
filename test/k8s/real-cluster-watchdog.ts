// Started by test/k8s/real-cluster.ts under `setpriv --pdeathsig TERM`: when the test process
// dies without running its handlers (SIGKILL, the OOM killer), the kernel sends this SIGTERM
// and it removes the run (processes of its cgroup, cgroups, network namespace, dir). A normal
// stop removes the run itself and SIGKILLs this.
import { type RunResources, removeRun } from './real-cluster-run.ts';

const run = JSON.parse(process.argv[2] ?? '{}') as RunResources;
// A Ctrl-C reaches the whole process group: the test process handles it; this waits for TERM.
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
process.on('SIGTERM', () => {
  removeRun(run);
  process.exit(0);
});
setInterval(() => {}, 60_000);
