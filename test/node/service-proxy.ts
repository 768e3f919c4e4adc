// A Kubernetes Service in front of node processes, as the endpoints controller and kube-proxy
// make one: each backend's readiness is probed (GET of its /ready, as a readiness probe with
// periodSeconds = probeMs and failureThreshold 1), only ready backends are endpoints, and each
// new TCP connection goes to the next endpoint in turn. A connection already open stays with
// its backend whatever its readiness (conntrack), until one side closes it; a FIN from the
// backend reaches the client after every byte before it (a `Connection: close` answer arrives
// whole).
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ServiceBackend {
  host: string;
  /** The port this Service sends to (the Service's targetPort). */
  port: number;
  /** The readiness probe's URL. */
  readyUrl: string;
}

export interface ServiceProxy {
  readonly host: string;
  readonly port: number;
  add(name: string, backend: ServiceBackend): void;
  remove(name: string): void;
  /** Names of the backends that are endpoints now (probed ready). */
  endpoints(): string[];
  /** Connections sent to each backend so far. */
  connectionsTo(name: string): number;
  close(): Promise<void>;
}

interface Entry {
  backend: ServiceBackend;
  ready: boolean;
  connections: number;
  probing: boolean;
}

export async function startServiceProxy(opts: { probeMs?: number } = {}): Promise<ServiceProxy> {
  const probeMs = opts.probeMs ?? 200;
  const entries = new Map<string, Entry>();
  const sockets = new Set<Socket>();
  let next = 0;
  let closed = false;

  const probe = async (entry: Entry) => {
    if (entry.probing) return;
    entry.probing = true;
    try {
      const res = await fetch(entry.backend.readyUrl, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      entry.ready = res.status === 200;
    } catch {
      entry.ready = false;
    } finally {
      entry.probing = false;
    }
  };
  const prober = (async () => {
    while (!closed) {
      await Promise.all([...entries.values()].map(probe));
      await sleep(probeMs);
    }
  })();

  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    const ready = [...entries.values()].filter((e) => e.ready);
    const entry = ready.length > 0 ? ready[next++ % ready.length] : undefined;
    if (!entry) {
      client.destroy();
      return;
    }
    entry.connections += 1;
    const upstream = connect(entry.backend.port, entry.backend.host);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    // pipe() ends the other side after the last byte; an error or a close tears both down.
    client.pipe(upstream);
    upstream.pipe(client);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      if (!client.writableEnded) client.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    host: '127.0.0.1',
    port,
    add(name, backend) {
      const entry: Entry = { backend, ready: false, connections: 0, probing: false };
      entries.set(name, entry);
      void probe(entry);
    },
    remove(name) {
      entries.delete(name);
    },
    endpoints: () => [...entries].filter(([, e]) => e.ready).map(([n]) => n),
    connectionsTo: (name) => entries.get(name)?.connections ?? 0,
    async close() {
      closed = true;
      await prober;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
