// What the command line (src/cli/operator.ts) uses of the operator.
export { LOG_LEVELS, OPERATOR_FLAGS, type OperatorFlag } from './cli-options.ts';
export { KubeConfigError } from './kube/errors.ts';
export { type ClusterAccess, loadClusterAccess } from './kube/kubeconfig.ts';
export { Operator, type OperatorOptions } from './operator.ts';
