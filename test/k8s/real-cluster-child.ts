// Started by test/k8s/real-cluster.test.ts: starts a real cluster with one pod running, prints
// `ready <dir>` and waits to be killed (with SIGKILL, so that none of its handlers run).
import { startRealCluster } from './real-cluster.ts';

const cluster = await startRealCluster({ log: () => {} });
await cluster.api.apply(`apiVersion: v1
kind: Pod
metadata: {name: sleeper, namespace: default}
spec:
  containers: [{name: pause, image: centrifugo-ts.local/pause:1, imagePullPolicy: Never}]
`);
await cluster.api.kubectlOk(['wait', '--for=condition=Ready', 'pod/sleeper', '--timeout=60s']);
console.log(`ready ${cluster.dir}`);
setInterval(() => {}, 60_000);
