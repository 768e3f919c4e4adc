// An endpoint that answers on node's own request and response objects inside fastify: the
// server API, the SSE and HTTP-streaming connections, the WebSocket paths asked without an
// upgrade. Fastify routes the request and builds its request and reply objects; the route's
// own onRequest hook hijacks the reply and hands over the raw pair, so no body parser,
// validation, serializer or later hook runs, and the route sees the bytes as they came.
// Measured against answering ahead of fastify: bench/results/2026-12-02-ab-api-one-pipeline.md.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export type RawHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** `url` for every method the app supports: the endpoint answers the wrong ones (405, 400). */
export function rawRoute(app: FastifyInstance, url: string, handle: RawHandler): void {
  const onRequest = (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    reply.hijack();
    handle(req.raw, reply.raw);
    // A hijacked reply ends the hook chain: this returns at once.
    done();
  };
  app.all(url, { onRequest }, unreachable);
}

// The onRequest hook above always hijacks, so fastify never calls the handler.
function unreachable(): void {}
