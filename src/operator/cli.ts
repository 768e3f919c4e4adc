// `centrifugo-ts operator`: runs the operator until SIGTERM/SIGINT (graceful: in-flight
// reconciles finish, the Lease is released, exit 0) or until leadership is lost (exit 1, so
// the pod restarts as a clean standby rather than risk two active leaders).
import { integerOption, type ParsedArgs, stringOption, UsageError } from '../node/cli/args.ts';
import type { CliIo } from '../node/cli/io.ts';
import { createLogger, type LogSettings } from '../node/observability/index.ts';
import { VERSION } from '../node/version.ts';
import { KubeConfigError } from './kube/errors.ts';
import { loadClusterAccess } from './kube/kubeconfig.ts';
import { Operator } from './operator.ts';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'none'];

function seconds(args: ParsedArgs, name: string, fallback: number, min = 1): number {
  const value = integerOption(args, name, fallback);
  if (value < min) throw new UsageError(`--${name} must be at least ${min}`);
  return value;
}

export async function runOperatorCommand(
  args: ParsedArgs,
  io: CliIo,
  env: Record<string, string | undefined>,
): Promise<number> {
  const level = stringOption(args, 'log-level') ?? 'info';
  if (!LEVELS.includes(level))
    throw new UsageError(`--log-level must be one of ${LEVELS.join('|')}`);
  let access: ReturnType<typeof loadClusterAccess>;
  try {
    access = loadClusterAccess({ kubeconfig: stringOption(args, 'kubeconfig'), env });
  } catch (err) {
    if (err instanceof KubeConfigError) throw new UsageError(err.message);
    throw err;
  }
  const leaseDuration = seconds(args, 'lease-duration', 15);
  const renewDeadline = seconds(args, 'renew-deadline', 10);
  if (renewDeadline >= leaseDuration) {
    throw new UsageError('--renew-deadline must be shorter than --lease-duration');
  }
  const healthPort = args.options.has('health-port')
    ? seconds(args, 'health-port', 0, 0)
    : undefined;
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
      name: stringOption(args, 'leader-election-id') ?? 'centrifugo-ts-operator',
      identity: stringOption(args, 'identity'),
      leaseDurationMs: leaseDuration * 1000,
      renewDeadlineMs: renewDeadline * 1000,
      retryPeriodMs: seconds(args, 'retry-period', 2) * 1000,
    },
    workers: seconds(args, 'workers', 4),
    resyncMs: seconds(args, 'resync', 300) * 1000,
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
