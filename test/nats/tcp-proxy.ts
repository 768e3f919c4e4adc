// A TCP front for several nodes, as a Kubernetes Service is: each new connection goes to
// the first backend that accepts it, so when a node dies its clients reconnect to another.
// It counts the bytes backends send back, so a test can tell how much a client read (put in
// front of a nats-server: what a node reads from NATS).
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  url: string;
  port: number;
  /** Bytes backends have sent to clients through this proxy so far. */
  received(): number;
  close(): Promise<void>;
}

/**
 * `first`: the first backend that accepts; `round-robin`: each new connection starts at the
 * next backend, as a load balancer without sticky sessions spreads them.
 */
export async function startTcpProxy(
  backends: () => number[],
  order: 'first' | 'round-robin' = 'first',
): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let received = 0;
  let turn = 0;
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    const candidates = [...backends()];
    if (order === 'round-robin' && candidates.length > 0) {
      const start = turn++ % candidates.length;
      candidates.push(...candidates.splice(0, start));
    }
    const tryNext = () => {
      const port = candidates.shift();
      if (port === undefined) {
        client.destroy();
        return;
      }
      const upstream = connect(port, '127.0.0.1');
      upstream.once('error', () => {
        upstream.destroy();
        tryNext();
      });
      upstream.once('connect', () => {
        sockets.add(upstream);
        upstream.on('close', () => {
          sockets.delete(upstream);
          client.destroy();
        });
        client.on('close', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
        upstream.on('data', (chunk: Buffer) => {
          received += chunk.length;
        });
        client.on('error', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
      });
    };
    tryNext();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received: () => received,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
