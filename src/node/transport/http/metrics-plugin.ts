import type { FastifyInstance } from 'fastify';
import type { NodeMetrics } from '../../observability/index.ts';

/** `<prometheus.handler_prefix>`: the node's registry in Prometheus text format. */
export async function metricsPlugin(
  app: FastifyInstance,
  opts: { path: string; metrics: NodeMetrics },
): Promise<void> {
  app.get(opts.path, async (_req, reply) =>
    reply
      .code(200)
      .type(opts.metrics.registry.contentType)
      .send(await opts.metrics.text()),
  );
}
