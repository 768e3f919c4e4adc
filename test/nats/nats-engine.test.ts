// The engine conformance suite, unchanged, against the NATS JetStream engine on a real
// nats-server.
import { randomBytes } from 'node:crypto';
import { validateConfig } from '../../src/node/config/index.ts';
import { describeEngine } from '../../src/node/engine/conformance.ts';
import { NatsEngine } from '../../src/node/engine/nats/index.ts';
import { createLogger } from '../../src/node/observability/index.ts';
import { startNatsServer } from './harness.ts';

describeEngine('nats', async () => {
  const server = await startNatsServer();
  const config = validateConfig({
    engine: {
      type: 'nats',
      nats: { urls: [server.url], prefix: `conf${randomBytes(3).toString('hex')}` },
    },
  });
  const engine = await NatsEngine.create({
    settings: config.engine.nats,
    nodeId: 'node-1',
    nodeName: 'conformance',
    namespaceOf: () => '',
    historyOf: () => undefined,
    historyNamespaces: [],
    metaTtlMs: 3_600_000,
    logger: createLogger({ level: 'none', file: '' }),
  });
  return { engine, cleanup: () => server.stop() };
});
