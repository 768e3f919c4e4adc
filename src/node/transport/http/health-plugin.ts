import type { FastifyInstance } from 'fastify';

export interface HealthOptions {
  path: string;
  /** Beyond Centrifugo: readiness and liveness, distinct from /health (README, Observability). */
  readyPath: string;
  livePath: string;
  readiness: () => { ready: boolean; reasons: string[] };
}

/**
 * `<health.handler_prefix>`: 200 `{}` while the node serves, as Centrifugo answers probes.
 * Readiness: 200 while the node can serve new work, else 503 with the reasons. Liveness: 200
 * whenever the event loop gets to answer (a wedged node does not answer in time); an unready
 * node is alive.
 */
export async function healthPlugin(app: FastifyInstance, opts: HealthOptions): Promise<void> {
  app.all(opts.path, async (_req, reply) => reply.code(200).type('application/json').send('{}'));
  if (opts.readyPath !== opts.path) {
    app.all(opts.readyPath, async (_req, reply) => {
      const state = opts.readiness();
      const body = state.ready ? '{}' : JSON.stringify({ reasons: state.reasons });
      return reply
        .code(state.ready ? 200 : 503)
        .type('application/json')
        .send(body);
    });
  }
  if (opts.livePath !== opts.path && opts.livePath !== opts.readyPath) {
    app.all(opts.livePath, async (_req, reply) =>
      reply.code(200).type('application/json').send('{}'),
    );
  }
}
