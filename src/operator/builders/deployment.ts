// The Deployment of nodes. The pod template carries the config and credentials hashes, so a
// change of either rolls the pods (a ConfigMap or Secret change alone would not). Secrets
// come in as CENTRIFUGO_* env from the Secret, never through the ConfigMap. Under autoscaling
// `replicas` is left out: the HPA owns it, and sending it would fight every scale (how the
// count is handed over without a gap: replicas-handover.ts).
//
// Pod defaults a reviewer expects: the restricted Pod Security Standard (non-root, no
// privilege escalation, all capabilities dropped, RuntimeDefault seccomp, read-only root),
// no service account token (a node never calls the Kubernetes API), resource requests (the
// CRD defaults them), and spread over hostnames and zones (ScheduleAnyway: a one-node or
// one-zone cluster still schedules every pod). spec.podTemplate may add to this, and the
// CRD refuses what would weaken the security context.
//
// Probes (on the internal port): readiness on /ready (engine connected and not draining),
// liveness and startup on /live (the event loop answers): a node without NATS, or draining,
// leaves the endpoints but is never restarted for it. The rollout pace, grace period and the
// reason there is no preStop hook: rollout.ts.
//
// Image contract: the image's entrypoint is the `centrifugo-ts` binary; args pick the command.
import { CONFIG_HASH_ANNOTATION, CREDENTIALS_HASH_ANNOTATION } from '../crd/index.ts';
import { nodeConfigLeaf } from '../crd/node-keys.ts';
import type { KubeObject } from '../kube/types.ts';
import type { BuildContext } from './context.ts';
import { mergeOverrides } from './merge.ts';
import {
  CLIENT_PORT,
  CONFIG_DIR,
  CONFIG_FILE,
  CONTAINER_NAME,
  childNames,
  commonLabels,
  GRPC_PORT,
  INTERNAL_PORT,
  NATS_CREDS_DIR,
  NATS_CREDS_FILE,
  ownerReference,
  selectorLabels,
} from './names.ts';
import { rolloutSettings } from './rollout.ts';

type EnvVar = Record<string, unknown>;

/** The env variable a dotted config key is read from, as the node derives it. */
export function envName(dottedKey: string): string {
  const leaf = nodeConfigLeaf(dottedKey);
  if (!leaf) throw new Error(`${dottedKey} is not a node config key`);
  return leaf.env;
}

function secretEnv(name: string, secret: string, key: string): EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

function credentialEnv(ctx: BuildContext): EnvVar[] {
  const { secretName, keys } = ctx.credentials;
  // Every key of the Secret that names a node config key becomes that key's env variable;
  // other keys of an existing Secret are left alone.
  return [...keys]
    .filter((k) => nodeConfigLeaf(k) !== undefined)
    .sort()
    .map((k) => secretEnv(envName(k), secretName, k));
}

function natsEnv(ctx: BuildContext): EnvVar[] {
  const ref =
    ctx.spec.engine.type === 'nats' ? ctx.spec.engine.nats?.credentialsSecretRef : undefined;
  if (!ref) return [];
  const env: EnvVar[] = [];
  if (ref.tokenKey) env.push(secretEnv(envName('engine.nats.token'), ref.name, ref.tokenKey));
  if (ref.userKey) env.push(secretEnv(envName('engine.nats.user'), ref.name, ref.userKey));
  if (ref.passwordKey) {
    env.push(secretEnv(envName('engine.nats.password'), ref.name, ref.passwordKey));
  }
  return env;
}

function probe(path: string, periodSeconds: number, failureThreshold: number, timeoutSeconds = 2) {
  return {
    httpGet: { path, port: 'internal' },
    periodSeconds,
    timeoutSeconds,
    failureThreshold,
  };
}

export function buildPodSpec(ctx: BuildContext): Record<string, unknown> {
  const { spec, nodeConfig } = ctx;
  const names = childNames(ctx.name);
  const ports = [
    { name: 'client', containerPort: CLIENT_PORT, protocol: 'TCP' },
    { name: 'internal', containerPort: INTERNAL_PORT, protocol: 'TCP' },
  ];
  if (nodeConfig.grpcEnabled)
    ports.push({ name: 'grpc', containerPort: GRPC_PORT, protocol: 'TCP' });

  const volumeMounts: Record<string, unknown>[] = [
    { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
  ];
  const volumes: Record<string, unknown>[] = [
    { name: 'config', configMap: { name: names.configMap } },
  ];
  const credsRef = spec.engine.type === 'nats' ? spec.engine.nats?.credentialsSecretRef : undefined;
  if (credsRef?.credsKey) {
    volumeMounts.push({ name: 'nats-creds', mountPath: NATS_CREDS_DIR, readOnly: true });
    volumes.push({
      name: 'nats-creds',
      secret: {
        secretName: credsRef.name,
        items: [{ key: credsRef.credsKey, path: NATS_CREDS_FILE }],
      },
    });
  }

  const container: Record<string, unknown> = {
    name: CONTAINER_NAME,
    image: ctx.image,
    imagePullPolicy: spec.image.pullPolicy,
    args: ['serve', '--config', `${CONFIG_DIR}/${CONFIG_FILE}`],
    ports,
    env: [...credentialEnv(ctx), ...natsEnv(ctx)],
    volumeMounts,
    // Out of the endpoints within 4 s of losing NATS; back at the first success.
    readinessProbe: probe(nodeConfig.readyPath, 2, 2),
    // Restarted after a minute without an answer: long GC pauses under load are no reason.
    livenessProbe: probe(nodeConfig.livePath, 10, 6, 5),
    // Up to a minute to start: the node listens once NATS and its streams are ready.
    startupProbe: probe(nodeConfig.livePath, 1, 60),
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
  };
  if (spec.resources) container.resources = spec.resources;
  const spread = (topologyKey: string) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: selectorLabels(ctx.name) },
    // Only the pods of one ReplicaSet count: a rollout does not skew against old pods.
    matchLabelKeys: ['pod-template-hash'],
  });

  const podSpec: Record<string, unknown> = {
    containers: [container],
    volumes,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    automountServiceAccountToken: false,
    topologySpreadConstraints: [
      spread('kubernetes.io/hostname'),
      spread('topology.kubernetes.io/zone'),
    ],
    terminationGracePeriodSeconds: rolloutSettings(nodeConfig).terminationGracePeriodSeconds,
  };
  if (spec.imagePullSecrets?.length) podSpec.imagePullSecrets = spec.imagePullSecrets;
  const override = spec.podTemplate?.spec;
  return override ? (mergeOverrides(podSpec, override) as Record<string, unknown>) : podSpec;
}

export function buildDeployment(ctx: BuildContext): KubeObject {
  const { spec, nodeConfig } = ctx;
  const selector = selectorLabels(ctx.name);
  const podAnnotations: Record<string, string> = {
    ...(spec.podTemplate?.metadata?.annotations ?? {}),
    [CONFIG_HASH_ANNOTATION]: nodeConfig.hash,
    [CREDENTIALS_HASH_ANNOTATION]: ctx.credentials.hash,
  };
  if (nodeConfig.metricsEnabled) {
    Object.assign(podAnnotations, {
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(INTERNAL_PORT),
      'prometheus.io/path': nodeConfig.metricsPath,
    });
  }
  const { minReadySeconds, strategy } = rolloutSettings(nodeConfig);
  const deploymentSpec: Record<string, unknown> = {
    selector: { matchLabels: selector },
    revisionHistoryLimit: 5,
    strategy,
    minReadySeconds,
    template: {
      metadata: {
        // Operator labels win over user labels: the selector must keep matching.
        labels: {
          ...(spec.podTemplate?.metadata?.labels ?? {}),
          ...commonLabels(ctx.name, ctx.tag, 'node'),
        },
        annotations: podAnnotations,
      },
      spec: buildPodSpec(ctx),
    },
  };
  if (!spec.autoscaling.enabled) deploymentSpec.replicas = spec.replicas;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: childNames(ctx.name).deployment,
      namespace: ctx.namespace,
      labels: commonLabels(ctx.name, ctx.tag, 'node'),
      ownerReferences: [ownerReference(ctx.resource)],
    },
    spec: deploymentSpec,
  };
}
