// What every request of a listener meets before fastify routes it, whatever its endpoint:
// - 503 once the listener closes, one answer for the API, health, metrics, admin and the
//   client endpoints alike (fastify's own return503OnClosing is off: its JSON body and its
//   second flag would make two);
// - the 307 to the canonical path, as Go's ServeMux gives it in front of every Centrifugo
//   handler (clean-path.ts);
// - `Expect: 100-continue`: the 100 goes out unless the API refuses the request without its
//   body (the 413 then comes at once, and the client never sends it).
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { canonicalRedirect } from './clean-path.ts';
import { GO_TEXT_HEADERS } from './plain-answers.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const CLOSING_HEADERS = { ...GO_TEXT_HEADERS, connection: 'close' };
const CLOSING_BODY = 'Service Unavailable: the node is shutting down\n';

export class FrontDoor {
  private closing = false;
  private readonly route: Handler;
  private readonly refusesUpfront: (req: IncomingMessage) => boolean;

  /**
   * `route`: fastify's handler; `refusesUpfront`: whether the request will be refused before
   * its body is read (api-handler.ts), so that no 100 Continue asks for it.
   */
  constructor(route: Handler, refusesUpfront: (req: IncomingMessage) => boolean) {
    this.route = route;
    this.refusesUpfront = refusesUpfront;
  }

  /** The server's request handler. */
  readonly dispatch = (req: IncomingMessage, res: ServerResponse): void => {
    if (this.closing) {
      res.writeHead(503, CLOSING_HEADERS);
      res.end(CLOSING_BODY);
      return;
    }
    const redirect = canonicalRedirect(req.url ?? '/', req.method ?? 'GET');
    if (redirect !== undefined) {
      res.writeHead(307, { location: redirect.location, ...redirect.headers });
      res.end(redirect.body);
      return;
    }
    this.route(req, res);
  };

  /** Takes `server`'s requests, those that wait for a 100 Continue too. */
  attach(server: Server): void {
    server.on('request', this.dispatch);
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      if (!this.closing && !this.refusesUpfront(req)) res.writeContinue();
      this.dispatch(req, res);
    });
  }

  /** From now on every request is answered 503 (the listener is closing). */
  close(): void {
    this.closing = true;
  }
}
