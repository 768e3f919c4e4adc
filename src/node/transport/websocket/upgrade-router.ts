// The external listener's WebSocket upgrades, by path: the bidirectional endpoint
// (websocket.handler_prefix) and the unidirectional one (uni_websocket.handler_prefix) share
// the one `upgrade` event of the HTTP server. A path no endpoint serves gets Go's 404, a
// path Go's ServeMux would clean first gets its redirect, as Centrifugo answers both.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { canonicalRedirect, GO_NOT_FOUND, GO_TEXT_HEADERS } from '../http/index.ts';

export interface UpgradeEndpoint {
  /** The exact path it serves (Centrifugo's handler prefixes match whole paths). */
  readonly path: string;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void;
  /** Drops its connections (their sessions were closed with 3001 before) and stops. */
  close(): Promise<void>;
}

/** Routes the server's upgrades to the endpoints; returns the function that detaches it. */
export function routeUpgrades(server: Server, endpoints: readonly UpgradeEndpoint[]): () => void {
  const byPath = new Map(endpoints.map((e) => [e.path, e]));
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const redirect = canonicalRedirect(req.url ?? '/', req.method ?? 'GET');
    if (redirect !== undefined) {
      answerUpgrade(socket, 307, 'Temporary Redirect', redirect.body, {
        location: redirect.location,
        ...redirect.headers,
      });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const endpoint = byPath.get(url.pathname);
    if (endpoint === undefined) {
      answerUpgrade(socket, 404, 'Not Found', GO_NOT_FOUND, GO_TEXT_HEADERS);
      return;
    }
    endpoint.upgrade(req, socket, head, url);
  };
  server.on('upgrade', onUpgrade);
  return () => server.off('upgrade', onUpgrade);
}

/** An HTTP answer instead of the upgrade, with the body Centrifugo's handlers give. */
export function answerUpgrade(
  socket: Duplex,
  status: number,
  text: string,
  body: string,
  headers: Readonly<Record<string, string>>,
): void {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n${lines.join('')}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
