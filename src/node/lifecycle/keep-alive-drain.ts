// HTTP keep-alive during a drain. A node that shuts an idle keep-alive connection races with
// a client that is writing its next request on it (the client sees a reset, and a POST such
// as an API publish is not retried), and one that answers 503 once closing fails requests
// outright. So while draining, and before anything closes, every response carries
// `Connection: close`: node's http server then ends the connection after that response, and
// the client knows not to reuse it; its next request opens a connection, which the load
// balancer sends to a ready node. By the time the listeners close, only connections idle
// through the whole drain are left to shut.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** Makes every response of `server` end its connection while `draining()` is true. */
export function closeKeepAliveWhileDraining(server: Server, draining: () => boolean): void {
  const onRequest = (_req: IncomingMessage, res: ServerResponse) => {
    if (draining()) res.setHeader('connection', 'close');
  };
  // Ahead of the handlers, which write the headers. `Expect: 100-continue` requests come
  // through checkContinue instead, when the server handles it (with no listener there, node
  // answers 100 itself and emits request).
  server.prependListener('request', onRequest);
  if (server.listenerCount('checkContinue') > 0) server.prependListener('checkContinue', onRequest);
}
