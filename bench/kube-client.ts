// The operator's request layer (src/operator/kube/client.ts, credentials from KubeConfig)
// beside @kubernetes/client-node's own generated clients, against one real kube-apiserver:
// a GET of a ConfigMap and a server-side apply of one, sequentially, N of each per round.
// Per request: wall time, this process's CPU time, and TCP connections opened (counted on
// node's `net.client.socket` diagnostics channel, which undici's sockets pass too). Rounds
// alternate the two clients so drift hits both. Also: what importing the library costs.
//
//   node bench/kube-client.ts [--requests 300] [--rounds 3] [--out bench/results/<date>-kube-client.md]
//
// Needs kube-apiserver and etcd (`source scripts/ensure-k8s.sh`).
import { spawnSync } from 'node:child_process';
import { subscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { KubeClient } from '../src/operator/kube/client.ts';
import { fromKubeconfigFiles } from '../src/operator/kube/kubeconfig.ts';
import { startApiServer } from '../test/k8s/harness.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '3' },
    out: { type: 'string' },
  },
});
const N = Number(values.requests);
const ROUNDS = Number(values.rounds);

let sockets = 0;
subscribe('net.client.socket', () => {
  sockets += 1;
});

interface Figures {
  wallMs: number;
  cpuMs: number;
  connections: number;
}

async function measure(fn: () => Promise<unknown>): Promise<Figures> {
  const s0 = sockets;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await fn();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  return {
    wallMs: wall / N,
    cpuMs: (cpu.user + cpu.system) / 1000 / N,
    connections: sockets - s0,
  };
}

/** Import time and RSS growth of a module, in a fresh node. */
function importCost(specifier: string): { ms: number; mib: number } {
  const code = `const r0=process.memoryUsage().rss;const t0=performance.now();await import(${JSON.stringify(specifier)});globalThis.gc?.();console.log(JSON.stringify({ms:performance.now()-t0,mib:(process.memoryUsage().rss-r0)/1048576}))`;
  const runs = [0, 1, 2].map(() => {
    const res = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', code], {
      cwd: new URL('..', import.meta.url).pathname,
      encoding: 'utf8',
    });
    return JSON.parse(res.stdout) as { ms: number; mib: number };
  });
  runs.sort((a, b) => a.ms - b.ms);
  return runs[1] as { ms: number; mib: number };
}

const api = await startApiServer();
try {
  await api.createNamespace('bench');
  const configMap = (n: number) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'bench', namespace: 'bench' },
    data: { n: String(n) },
  });
  const path = '/api/v1/namespaces/bench/configmaps/bench';

  const ours = new KubeClient(fromKubeconfigFiles([api.kubeconfigPath]));
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  await ours.apply(path, configMap(0), 'bench');

  let n = 0;
  const cases: Record<string, Record<string, () => Promise<unknown>>> = {
    'GET configmap': {
      'kube/client.ts': () => ours.get(path),
      'client-node CoreV1Api': () =>
        core.readNamespacedConfigMap({ name: 'bench', namespace: 'bench' }),
    },
    'server-side apply configmap': {
      'kube/client.ts': () => ours.apply(path, configMap(++n), 'bench'),
      'client-node KubernetesObjectApi': () =>
        objects.patch(
          configMap(++n),
          undefined,
          undefined,
          'bench',
          true,
          PatchStrategy.ServerSideApply,
        ),
    },
  };
  const results = new Map<string, Figures[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [op, clients] of Object.entries(cases)) {
      const order = Object.entries(clients);
      if (round % 2 === 1) order.reverse();
      for (const [client, fn] of order) {
        await fn(); // warm: connection and JIT
        const key = `${op}|${client}`;
        const list = results.get(key) ?? [];
        list.push(await measure(fn));
        results.set(key, list);
      }
    }
  }
  ours.close();

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const lines = [
    `# Kubernetes request layer: kube/client.ts beside @kubernetes/client-node (${new Date().toISOString().slice(0, 10)})`,
    '',
    `Command: \`node bench/kube-client.ts --requests ${N} --rounds ${ROUNDS}\`. ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}, @kubernetes/client-node 2.0.1, kube-apiserver on loopback (test/k8s/harness.ts). Sequential requests; medians of ${ROUNDS} rounds of ${N}; CPU is this (client) process's.`,
    '',
    '| request | client | wall ms/request | client CPU ms/request | TCP connections opened per round |',
    '|---|---|---:|---:|---:|',
  ];
  for (const [key, list] of results) {
    const [op, client] = key.split('|');
    lines.push(
      `| ${op} | ${client} | ${median(list.map((f) => f.wallMs)).toFixed(2)} | ${median(list.map((f) => f.cpuMs)).toFixed(3)} | ${median(list.map((f) => f.connections))} |`,
    );
  }
  const lib = importCost('@kubernetes/client-node');
  const config = importCost('@kubernetes/client-node/dist/config.js');
  lines.push(
    '',
    '| import (fresh node, median of 3) | ms | RSS MiB |',
    '|---|---:|---:|',
    `| \`@kubernetes/client-node\` | ${lib.ms.toFixed(0)} | ${lib.mib.toFixed(0)} |`,
    `| \`@kubernetes/client-node/dist/config.js\` (KubeConfig alone) | ${config.ms.toFixed(0)} | ${config.mib.toFixed(0)} |`,
    '',
  );
  const text = lines.join('\n');
  console.log(text);
  if (values.out) writeFileSync(values.out, text);
} finally {
  await api.stop();
}
