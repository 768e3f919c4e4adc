// Services without kube-proxy, for tests on test/k8s/real-cluster.ts: where a Service sends a
// connection now (its ready EndpointSlice endpoints), and a stand-in for kube-proxy in the
// test process.
import { type AddressInfo, createConnection, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiServer } from './harness.ts';

export interface Endpoint {
  pod: string;
  ip: string;
  port: number;
}

/**
 * The ready endpoints of a Service and port name, read from its EndpointSlices: where
 * kube-proxy would send a connection now. A terminating pod is left out.
 */
export async function readyEndpoints(
  api: ApiServer,
  namespace: string,
  service: string,
  portName: string,
): Promise<Endpoint[]> {
  const res = await api.request(
    'GET',
    `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices?labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${service}`)}`,
  );
  if (res.status !== 200) throw new Error(`list EndpointSlices of ${service}: ${res.status}`);
  const out: Endpoint[] = [];
  for (const slice of res.json<{ items: EndpointSlice[] }>().items) {
    const port = slice.ports?.find((p) => p.name === portName)?.port;
    if (port === undefined) continue;
    for (const e of slice.endpoints ?? []) {
      if (e.conditions?.ready !== true) continue;
      for (const ip of e.addresses) out.push({ pod: e.targetRef?.name ?? '?', ip, port });
    }
  }
  return out.sort((a, b) => a.pod.localeCompare(b.pod));
}

interface EndpointSlice {
  ports?: { name?: string; port?: number }[];
  endpoints?: {
    addresses: string[];
    conditions?: { ready?: boolean };
    targetRef?: { name?: string };
  }[];
}

export interface ServiceProxy {
  /** host:port on 127.0.0.1 */
  readonly address: string;
  /** Ready endpoints as last read, and when each left (for timelines). */
  readonly current: () => Endpoint[];
  readonly left: () => { pod: string; at: number }[];
  close(): Promise<void>;
}

/**
 * What kube-proxy does for one Service port, here in the test process: each new connection
 * goes to a random ready endpoint (EndpointSlices read every 200 ms); with none, it is
 * closed at once. Open connections stay where they are, as conntrack keeps them.
 */
export async function serviceProxy(
  api: ApiServer,
  namespace: string,
  service: string,
  portName: string,
): Promise<ServiceProxy> {
  let endpoints: Endpoint[] = [];
  const left: { pod: string; at: number }[] = [];
  let closed = false;
  const refresh = async () => {
    const next = await readyEndpoints(api, namespace, service, portName);
    for (const e of endpoints) {
      if (!next.some((n) => n.pod === e.pod)) left.push({ pod: e.pod, at: Date.now() });
    }
    endpoints = next;
  };
  await refresh();
  const poll = (async () => {
    while (!closed) {
      await sleep(200);
      await refresh().catch(() => {});
    }
  })();
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const target = endpoints[Math.floor(Math.random() * endpoints.length)];
    if (!target) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: target.ip, port: target.port });
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('error', close);
      s.on('close', close);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const addr = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${addr.port}`,
    current: () => endpoints,
    left: () => left,
    async close() {
      closed = true;
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
      await poll;
    },
  };
}
