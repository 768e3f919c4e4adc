import type { FastifyInstance } from 'fastify';

/** `<health.handler_prefix>`: 200 `{}` while the node serves, as Centrifugo answers probes. */
export async function healthPlugin(app: FastifyInstance, opts: { path: string }): Promise<void> {
  app.all(opts.path, async (_req, reply) => reply.code(200).type('application/json').send('{}'));
}
