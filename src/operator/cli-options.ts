// The operator's command-line options, each with its default, written once: the CLI
// (src/cli/operator.ts) parses them, checks them and prints their help from this table.
// The operator imports nothing of the CLI; the table's shape is the CLI's option shape.

export interface OperatorFlag {
  long: string;
  short?: string;
  kind: 'string' | 'integer' | 'boolean';
  help: string;
  /** Used when the flag is absent; the help shows it. */
  default?: string | number;
  /** The smallest accepted integer. */
  min?: number;
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'none'] as const;

export const OPERATOR_FLAGS: readonly OperatorFlag[] = [
  {
    long: 'kubeconfig',
    kind: 'string',
    help: 'kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)',
  },
  {
    long: 'namespace',
    short: 'n',
    kind: 'string',
    help: 'watch this namespace only (default: all)',
  },
  {
    long: 'leader-election-namespace',
    kind: 'string',
    help: 'namespace of the Lease (default: $POD_NAMESPACE, then the context namespace)',
  },
  {
    long: 'leader-election-id',
    kind: 'string',
    help: 'name of the Lease',
    default: 'centrifugo-ts-operator',
  },
  { long: 'disable-leader-election', kind: 'boolean', help: 'run without a Lease' },
  {
    long: 'lease-duration',
    kind: 'integer',
    help: 'Lease duration in seconds',
    default: 15,
    min: 1,
  },
  {
    long: 'renew-deadline',
    kind: 'integer',
    help: 'renew deadline in seconds',
    default: 10,
    min: 1,
  },
  {
    long: 'retry-period',
    kind: 'integer',
    help: 'Lease retry period in seconds',
    default: 2,
    min: 1,
  },
  { long: 'identity', kind: 'string', help: 'Lease holder identity (default host_random)' },
  { long: 'workers', kind: 'integer', help: 'concurrent reconciles', default: 4, min: 1 },
  { long: 'resync', kind: 'integer', help: 'seconds between full resyncs', default: 300, min: 1 },
  {
    long: 'health-port',
    kind: 'integer',
    help: 'serve /healthz and /readyz on this port (default: off)',
    min: 0,
  },
  { long: 'log-level', kind: 'string', help: 'trace|debug|info|warn|error', default: 'info' },
];
