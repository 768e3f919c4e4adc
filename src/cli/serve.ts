// `centrifugo-ts` (serve): runs a node until SIGTERM or SIGINT, then shuts down
// gracefully: drain (src/node/lifecycle/drain.ts), stop accepting, let in-flight requests
// finish, close the engine, exit 0.
import { durationMs, type LoadedConfig } from '../node/config/index.ts';
import { createLogger, type Logger } from '../node/observability/index.ts';
import { type RunningNode, startNode } from '../node/start-node.ts';
import { VERSION } from '../node/version.ts';
import { writePidFile } from './pid-file.ts';
import { releaseStartupMemory } from './startup-memory.ts';

export async function serve(loaded: LoadedConfig, dotEnvLoaded = false): Promise<void> {
  const { config } = loaded;
  const logger = createLogger(config.log);
  for (const warning of loaded.warnings) logger.warn(warning);
  if (dotEnvLoaded) logger.info('environment variables have been loaded from .env file');
  const pidFile = writePidFile(config.pid_file);
  logger.info(
    { version: VERSION, node: process.version, pid: process.pid, engine: config.engine.type },
    'starting centrifugo-ts',
  );
  if (loaded.file) logger.info({ path: loaded.file }, 'using config file');

  let running: RunningNode;
  try {
    running = await startNode(config, logger);
  } catch (err) {
    pidFile.remove();
    throw err;
  }
  describeStartup(running, loaded, logger);
  const pauseMs = releaseStartupMemory();
  if (pauseMs !== undefined)
    logger.debug({ pauseMs: Math.round(pauseMs) }, 'startup memory released');
  await waitForSignal(logger);
  // Bounded by its own settings (shutdown.drain_delay + disconnect_window); a second signal
  // ends the process at once.
  await running.drain();

  const timeoutMs = durationMs(config.shutdown.timeout);
  logger.info(
    { timeout: config.shutdown.timeout },
    'shutting down: no new requests, finishing in-flight ones',
  );
  const timer = setTimeout(() => {
    logger.error(
      { timeout: config.shutdown.timeout },
      'shutdown timed out, exiting with in-flight work left',
    );
    pidFile.remove();
    process.exit(1);
  }, timeoutMs);
  timer.unref();
  await running.close();
  clearTimeout(timer);
  pidFile.remove();
  logger.info('shutdown complete');
  logger.flush();
}

function describeStartup(running: RunningNode, loaded: LoadedConfig, logger: Logger): void {
  const { config } = loaded;
  for (const a of running.addresses) {
    const scheme = a.tls ? 'https' : 'http';
    logger.info(
      { role: a.role, address: `${scheme}://${a.host}:${a.port}` },
      'HTTP server listening',
    );
  }
  if (config.http_api.disabled) {
    logger.info('HTTP server API disabled (http_api.disabled)');
    return;
  }
  const api = running.addresses.find(
    (a) =>
      a.role ===
      (config.http_api.external || running.addresses.length === 1 ? 'external' : 'internal'),
  );
  const where = api
    ? `${api.tls ? 'https' : 'http'}://${api.host === '0.0.0.0' ? 'localhost' : api.host}:${api.port}${config.http_api.handler_prefix}`
    : '';
  if (config.http_api.insecure) {
    logger.warn(
      { endpoint: where },
      'HTTP server API is insecure (http_api.insecure): no API key is checked',
    );
  } else if (config.http_api.key === '') {
    logger.warn(
      { endpoint: where },
      'http_api.key is empty: every API request is refused with 401. Set it in the config file, with CENTRIFUGO_HTTP_API_KEY, or run `centrifugo-ts genconfig` to generate one',
    );
  } else {
    const source = process.env.CENTRIFUGO_HTTP_API_KEY
      ? 'env CENTRIFUGO_HTTP_API_KEY'
      : loaded.file
        ? `http_api.key in ${loaded.file}`
        : 'a flag';
    logger.info(
      { endpoint: where, keyFrom: source },
      'HTTP server API ready: send the key in the X-API-Key header',
    );
  }
}

function waitForSignal(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'signal received');
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
