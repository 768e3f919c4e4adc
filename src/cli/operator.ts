// `centrifugo-ts operator`: runs the operator until SIGTERM/SIGINT (graceful: in-flight
// reconciles finish, the Lease is released, exit 0) or until leadership is lost (exit 1, so
// the pod restarts as a clean standby rather than risk two active leaders). The flags and
// their defaults are the operator's (src/operator/cli-options.ts).
import { createLogger, type LogSettings } from '../node/observability/index.ts';
import { VERSION } from '../node/version.ts';
import {
  type ClusterAccess,
  KubeConfigError,
  LOG_LEVELS,
  loadClusterAccess,
  OPERATOR_FLAGS,
  Operator,
} from '../operator/index.ts';
import { integerOption, type ParsedArgs, stringOption, UsageError } from './args.ts';
import type { CliIo } from './io.ts';

const FLAG = new Map(OPERATOR_FLAGS.map((f) => [f.long, f]));

/** An integer flag, its default when absent, at least its `min`. */
function integer(args: ParsedArgs, name: string): number {
  const flag = FLAG.get(name);
  const fallback = typeof flag?.default === 'number' ? flag.default : 0;
  const value = integerOption(args, name, fallback);
  const min = flag?.min ?? 0;
  if (value < min) throw new UsageError(`--${name} must be at least ${min}`);
  return value;
}

/** A string flag, its default when absent. */
function text(args: ParsedArgs, name: string): string | undefined {
  const fallback = FLAG.get(name)?.default;
  return stringOption(args, name) ?? (typeof fallback === 'string' ? fallback : undefined);
}

export async function runOperatorCommand(
  args: ParsedArgs,
  io: CliIo,
  env: Record<string, string | undefined>,
): Promise<number> {
  const level = text(args, 'log-level') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level))
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join('|')}`);
  let access: ClusterAccess;
  try {
    access = loadClusterAccess({ kubeconfig: stringOption(args, 'kubeconfig'), env });
  } catch (err) {
    if (err instanceof KubeConfigError) throw new UsageError(err.message);
    throw err;
  }
  const leaseDuration = integer(args, 'lease-duration');
  const renewDeadline = integer(args, 'renew-deadline');
  if (renewDeadline >= leaseDuration) {
    throw new UsageError('--renew-deadline must be shorter than --lease-duration');
  }
  const healthPort = args.options.has('health-port') ? integer(args, 'health-port') : undefined;
  const logger = createLogger({ level: level as LogSettings['level'], file: '' });
  const operator = new Operator({
    access,
    logger,
    defaultTag: VERSION,
    watchNamespace: stringOption(args, 'namespace'),
    leaderElection: {
      enabled: args.options.get('disable-leader-election') !== true,
      namespace:
        stringOption(args, 'leader-election-namespace') ??
        env.POD_NAMESPACE ??
        access.namespace ??
        'default',
      name: text(args, 'leader-election-id') ?? 'centrifugo-ts-operator',
      identity: stringOption(args, 'identity'),
      leaseDurationMs: leaseDuration * 1000,
      renewDeadlineMs: renewDeadline * 1000,
      retryPeriodMs: integer(args, 'retry-period') * 1000,
    },
    workers: integer(args, 'workers'),
    resyncMs: integer(args, 'resync') * 1000,
    healthPort,
  });
  await operator.start();
  const signal = await new Promise<string>((resolve) => {
    const onSignal = (name: string) => () => resolve(name);
    const term = onSignal('SIGTERM');
    const int = onSignal('SIGINT');
    process.once('SIGTERM', term);
    process.once('SIGINT', int);
    void operator.stopped.then((reason) => {
      process.off('SIGTERM', term);
      process.off('SIGINT', int);
      resolve(`stopped: ${reason}`);
    });
  });
  if (signal.startsWith('stopped')) {
    io.err(`error: operator ${signal}`);
    await operator.close(); // the health server and the Lease loop would keep the process up
    logger.flush();
    return 1;
  }
  logger.info({ signal }, 'shutting down: finishing in-flight reconciles, releasing the lease');
  await operator.close();
  logger.info('shutdown complete');
  logger.flush();
  return 0;
}
