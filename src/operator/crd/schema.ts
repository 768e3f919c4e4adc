// The Centrifugo custom resource's schema: the one source of the CRD in deploy/crds/, of the
// defaults the builders see (crd/defaults.ts applies the same `default`s the API server
// applies) and of the TypeScript types. Cross-field rules are CEL (`x-kubernetes-validations`)
// so the API server rejects a bad spec at admission time, with the message written here.
// Strings that CEL reads carry maxLength, lists maxItems: CEL rules must be cost-bounded.
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { nodeConfigLeaf } from './node-keys.ts';

const rules = (...list: { rule: string; message: string; reason?: string }[]) => ({
  'x-kubernetes-validations': list,
});

const StringMap = (description: string) =>
  Type.Unsafe<Record<string, string>>({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 4096 },
    maxProperties: 64,
    description,
  });

const IntOrString = (description: string) =>
  Type.Unsafe<number | string>({
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
    description,
  });

/** An opaque object the API server keeps as is (no pruning, no validation below it). */
const Opaque = (description: string) =>
  Type.Unsafe<Record<string, unknown>>({
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
    description,
  });

// resource.Quantity as upstream CRDs spell it.
const QUANTITY =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
const Quantities = (description: string) =>
  Type.Unsafe<Record<string, number | string>>({
    type: 'object',
    additionalProperties: {
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      pattern: QUANTITY,
      maxLength: 64,
      'x-kubernetes-int-or-string': true,
    },
    maxProperties: 16,
    description,
  });

const DNS_NAME = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const SecretName = (description: string) =>
  Type.String({ minLength: 1, maxLength: 253, pattern: DNS_NAME, description });
const SecretKey = (description: string) =>
  Type.String({ minLength: 1, maxLength: 253, pattern: '^[-._a-zA-Z0-9]+$', description });
const Port = (def: number, description: string) =>
  Type.Integer({ format: 'int32', minimum: 1, maximum: 65535, default: def, description });
const DURATION = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';

/**
 * Keys a user may not put in spec.config, with the reason shown by the API server. Secrets
 * reach pods only from a Secret; keys the operator derives from the spec (engine, ports,
 * health) would silently fight it.
 */
export const FORBIDDEN_CONFIG_KEYS: readonly { key: string; why: string }[] = [
  { key: 'http_api.key', why: 'it is a secret: it lives in the credentials Secret' },
  { key: 'grpc_api.key', why: 'it is a secret: it lives in the credentials Secret' },
  {
    key: 'client.token.hmac_secret_key',
    why: 'it is a secret: it lives in the credentials Secret',
  },
  {
    key: 'client.token.hmac_previous_secret_key',
    why: 'the operator sets it from the credentials Secret during a rotation',
  },
  {
    key: 'client.token.hmac_previous_secret_key_valid_until',
    why: 'the operator sets it from the credentials Secret during a rotation',
  },
  {
    key: 'client.subscription_token.hmac_secret_key',
    why: 'it is a secret: pass it as env CENTRIFUGO_CLIENT_SUBSCRIPTION_TOKEN_HMAC_SECRET_KEY from a Secret through spec.podTemplate',
  },
  { key: 'engine.type', why: 'set spec.engine.type instead' },
  { key: 'engine.nats.urls', why: 'set spec.engine.nats.urls instead' },
  { key: 'engine.nats.prefix', why: 'set spec.engine.nats.prefix instead' },
  { key: 'engine.nats.replicas', why: 'set spec.engine.nats.replicas instead' },
  { key: 'engine.nats.token', why: 'it is a secret: use spec.engine.nats.credentialsSecretRef' },
  { key: 'engine.nats.user', why: 'use spec.engine.nats.credentialsSecretRef' },
  { key: 'engine.nats.password', why: 'it is a secret: use spec.engine.nats.credentialsSecretRef' },
  { key: 'engine.nats.creds_file', why: 'use spec.engine.nats.credentialsSecretRef.credsKey' },
  { key: 'http_server.port', why: 'the operator owns container ports: set spec.service.ports' },
  {
    key: 'http_server.internal_port',
    why: 'the operator owns container ports: set spec.service.ports',
  },
  { key: 'grpc_api.port', why: 'the operator owns container ports: set spec.service.ports' },
  { key: 'health.enabled', why: 'the operator always enables /health: the probes use it' },
  { key: 'admin.enabled', why: 'set spec.admin.enabled instead' },
  { key: 'admin.password', why: 'it is a secret: it lives in the credentials Secret' },
  { key: 'admin.secret', why: 'it is a secret: it lives in the credentials Secret' },
];

interface ConfigNode {
  type?: string;
  items?: { type: string; maxLength?: number };
  maxItems?: number;
  maxLength?: number;
  'x-kubernetes-preserve-unknown-fields'?: true;
  properties?: Record<string, ConfigNode>;
  'x-kubernetes-validations'?: { rule: string; message: string }[];
  description?: string;
}

/**
 * spec.config stays opaque (every key preserved), but each section holding a forbidden key is
 * declared, down to the key itself with the node schema's type: CEL can only name fields the
 * schema declares with a type. Each rule sits on the key's parent, so the API server's error
 * points at it.
 */
function configSchema(): ConfigNode {
  const root: ConfigNode = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  for (const { key, why } of FORBIDDEN_CONFIG_KEYS) {
    const parts = key.split('.');
    const leaf = parts.pop() as string;
    let node = root;
    for (const [i, part] of parts.entries()) {
      node.properties ??= {};
      node.properties[part] ??= {
        type: 'object',
        'x-kubernetes-preserve-unknown-fields': true,
        description: `the ${parts.slice(0, i + 1).join('.')} section of the Centrifugo config`,
      };
      node = node.properties[part];
    }
    node.properties ??= {};
    node.properties[leaf] = {
      ...leafSchema(key),
      // The node schema's own words, so the two cannot drift.
      description: `${nodeConfigLeaf(key)?.description || key}. Not settable here: ${why}.`,
    };
    node['x-kubernetes-validations'] ??= [];
    node['x-kubernetes-validations'].push({
      rule: `!has(self.${leaf})`,
      message: `spec.config must not set ${key} (${why})`,
    });
  }
  return root;
}

function leafSchema(key: string): ConfigNode {
  const kind = nodeConfigLeaf(key)?.kind;
  if (kind === undefined) throw new Error(`${key} is not a node config key`);
  if (kind === 'boolean') return { type: 'boolean' };
  if (kind === 'integer') return { type: 'integer' };
  if (kind === 'string[]') {
    return { type: 'array', items: { type: 'string', maxLength: 4096 }, maxItems: 64 };
  }
  return { type: 'string', maxLength: 65536 };
}

const ConfigSchema = Type.Unsafe<Record<string, unknown>>({
  ...configSchema(),
  maxProperties: 64,
  description:
    'A Centrifugo v6 config (the JSON of config.json). Secrets, the engine and ports are set ' +
    'elsewhere in the spec; the operator validates the rest against the node schema.',
});

const NatsCredentials = Type.Object(
  {
    name: SecretName('Secret in the Centrifugo namespace holding the NATS credentials'),
    tokenKey: Type.Optional(SecretKey('key holding a NATS auth token')),
    userKey: Type.Optional(SecretKey('key holding the NATS user')),
    passwordKey: Type.Optional(SecretKey('key holding the NATS password')),
    credsKey: Type.Optional(SecretKey('key holding a NATS .creds file (mounted as a file)')),
  },
  {
    description: 'NATS credentials from a Secret; each *Key names a key of that Secret',
    ...rules(
      {
        rule: 'has(self.userKey) == has(self.passwordKey)',
        message: 'credentialsSecretRef: userKey and passwordKey go together',
      },
      {
        rule: 'has(self.tokenKey) || has(self.userKey) || has(self.credsKey)',
        message: 'credentialsSecretRef: set tokenKey, userKey+passwordKey or credsKey',
      },
    ),
  },
);

const Engine = Type.Object(
  {
    type: Type.Unsafe<'memory' | 'nats'>({
      type: 'string',
      enum: ['memory', 'nats'],
      default: 'memory',
      description: 'memory: one node, state in process; nats: NATS JetStream, many nodes',
    }),
    nats: Type.Optional(
      Type.Object(
        {
          urls: Type.Array(
            Type.String({
              minLength: 1,
              maxLength: 1024,
              pattern: '^(nats|tls|wss?)://',
              description: 'a NATS server URL: nats://, tls://, ws:// or wss://',
            }),
            { minItems: 1, maxItems: 16, description: 'NATS server URLs of one cluster' },
          ),
          prefix: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 64,
              pattern: '^[A-Za-z0-9_-]+$',
              description: 'prefix of subjects, streams and buckets (default centrifugo)',
            }),
          ),
          replicas: Type.Optional(
            Type.Integer({
              format: 'int32',
              minimum: 1,
              maximum: 5,
              description: 'JetStream replicas of streams and buckets (3 on a 3-server cluster)',
            }),
          ),
          credentialsSecretRef: Type.Optional(NatsCredentials),
        },
        { description: 'the NATS JetStream the nodes share (engine.type nats)' },
      ),
    ),
  },
  {
    description: 'where state lives: in one node (memory) or in NATS JetStream (nats)',
    default: {},
    ...rules(
      {
        rule: "self.type != 'nats' || has(self.nats)",
        message: 'engine.type nats needs engine.nats.urls',
      },
      {
        rule: "self.type == 'nats' || !has(self.nats)",
        message: 'engine.nats is set but engine.type is memory: set engine.type: nats',
      },
    ),
  },
);

const Secrets = Type.Object(
  {
    generate: Type.Optional(
      Type.Boolean({
        description:
          'generate the credentials Secret <name>-credentials once (the default when no ' +
          'existingSecret is named); it is never regenerated',
      }),
    ),
    existingSecret: Type.Optional(
      SecretName(
        'use this Secret instead; keys http_api.key, grpc_api.key, client.token.hmac_secret_key ' +
          '(and admin.password, admin.secret with admin.enabled)',
      ),
    ),
    rotation: Type.Object(
      {
        hmacGracePeriodSeconds: Type.Integer({
          format: 'int32',
          minimum: 0,
          maximum: 31536000,
          default: 86400,
          description: 'how long the previous HMAC secret stays valid after a rotation',
        }),
      },
      {
        default: {},
        description:
          'credential rotation, asked for by a new value of the ' +
          'centrifugo-ts.dev/rotate-credentials annotation',
      },
    ),
  },
  {
    description: 'where the API keys and the token HMAC secret come from',
    default: {},
    ...rules(
      {
        rule: '!has(self.existingSecret) || !has(self.generate) || !self.generate',
        message: 'secrets: generate and existingSecret are mutually exclusive',
      },
      {
        rule: 'has(self.existingSecret) || !has(self.generate) || self.generate',
        message: 'secrets: generate: false needs existingSecret',
      },
    ),
  },
);

const Service = Type.Object(
  {
    type: Type.Unsafe<'ClusterIP' | 'NodePort' | 'LoadBalancer'>({
      type: 'string',
      enum: ['ClusterIP', 'NodePort', 'LoadBalancer'],
      default: 'ClusterIP',
      description: 'type of the client Service (the internal Service is always ClusterIP)',
    }),
    annotations: Type.Optional(StringMap('annotations of the client Service')),
    labels: Type.Optional(StringMap('extra labels of the client Service')),
    ports: Type.Object(
      {
        client: Port(8000, 'client Service port (WebSocket, HTTP)'),
        internal: Port(9000, 'internal Service port (server API, /health, /metrics)'),
        grpc: Port(10000, 'internal Service port of the gRPC server API, when enabled'),
      },
      { default: {}, description: 'Service ports (the container ports are fixed)' },
    ),
  },
  { default: {}, description: 'the client Service and the internal one' },
);

/**
 * What a node asks for when the spec says nothing: an idle node holds about 120 MiB; the
 * memory limit bounds a runaway node without a CPU limit's throttling of real-time delivery.
 */
export const DEFAULT_RESOURCES = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { memory: '1Gi' },
};

const Resources = Type.Object(
  {
    limits: Type.Optional(Quantities('resource limits, as in a container')),
    requests: Type.Optional(Quantities('resource requests, as in a container')),
  },
  {
    description:
      'resources of the centrifugo container (default: requests cpu 100m and memory 256Mi, ' +
      'limit memory 1Gi, no CPU limit; a resources given replaces all of it)',
    default: DEFAULT_RESOURCES,
  },
);

// What podTemplate.spec may not change: the fields that would take a node pod below the
// restricted Pod Security Standard. podTemplate.spec stays opaque otherwise, but CEL can only
// see declared fields, so these are declared, each with a rule on the field itself (the API
// server's error then names it). Declared objects also drop a `null` the merge would have
// used to remove the generated securityContext.
const refused = (
  type: 'boolean' | 'integer' | 'string',
  rule: string,
  message: string,
  description: string,
) => ({
  type,
  ...(type === 'string' ? { maxLength: 64 } : {}),
  ...(type === 'integer' ? { format: 'int64' } : {}),
  description,
  'x-kubernetes-validations': [{ rule, message }],
});
const RESTRICTED = 'the restricted Pod Security Standard';

const seccompProfile = (where: string) => ({
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
  description: `seccomp profile of the ${where} (RuntimeDefault by default)`,
  properties: {
    type: refused(
      'string',
      "self != 'Unconfined'",
      `seccompProfile.type Unconfined is refused: nodes run under ${RESTRICTED}`,
      'RuntimeDefault or Localhost',
    ),
  },
});

function securityContext(where: 'pod' | 'container') {
  const properties: Record<string, unknown> = {
    runAsUser: refused(
      'integer',
      'self != 0',
      `runAsUser 0 (root) is refused: nodes run as a non-root user under ${RESTRICTED}`,
      'any user but 0 (root); 1000 by default',
    ),
    runAsNonRoot: refused(
      'boolean',
      'self',
      `runAsNonRoot false is refused: nodes run as non-root under ${RESTRICTED}`,
      'must stay true',
    ),
    seccompProfile: seccompProfile(where),
  };
  if (where === 'container') {
    properties.privileged = refused(
      'boolean',
      '!self',
      `privileged containers are refused: nodes run under ${RESTRICTED}`,
      'must stay false',
    );
    properties.allowPrivilegeEscalation = refused(
      'boolean',
      '!self',
      `allowPrivilegeEscalation true is refused: nodes run under ${RESTRICTED}`,
      'must stay false',
    );
    properties.capabilities = {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      description: 'Linux capabilities: all dropped; only NET_BIND_SERVICE may be added',
      properties: {
        add: {
          type: 'array',
          maxItems: 16,
          items: { type: 'string', maxLength: 64 },
          description: 'only NET_BIND_SERVICE',
          'x-kubernetes-validations': [
            {
              rule: "self.all(c, c == 'NET_BIND_SERVICE')",
              message: `capabilities.add other than NET_BIND_SERVICE is refused: ${RESTRICTED} allows no other`,
            },
          ],
        },
        drop: {
          type: 'array',
          maxItems: 64,
          items: { type: 'string', maxLength: 64 },
          description: 'must include ALL',
          'x-kubernetes-validations': [
            {
              rule: "self.exists(c, c == 'ALL')",
              message: `capabilities.drop must include ALL: ${RESTRICTED} requires it`,
            },
          ],
        },
      },
    };
  }
  return {
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
    description: `merged over the generated ${where} securityContext, within ${RESTRICTED}`,
    properties,
  };
}

const containers = (which: string) => ({
  type: 'array',
  maxItems: 16,
  description: `${which}, merged by name over the generated ones`,
  items: {
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
    description: 'a container (partial: merged by name)',
    properties: { securityContext: securityContext('container') },
  },
});

const hostNamespace = (field: string) =>
  refused(
    'boolean',
    '!self',
    `${field} is refused: node pods do not share the host's namespaces (${RESTRICTED})`,
    'must stay false',
  );

const PodSpecOverrides = Type.Unsafe<Record<string, unknown>>({
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
  maxProperties: 64,
  description:
    'a partial PodSpec merged over the generated one: objects merge, lists of named items ' +
    '(containers, volumes, env, ...) merge by name, other values replace; nothing may take ' +
    `the pod below ${RESTRICTED} (privileged, host namespaces, root, added capabilities, ` +
    'privilege escalation, hostPath volumes)',
  properties: {
    hostNetwork: hostNamespace('hostNetwork'),
    hostPID: hostNamespace('hostPID'),
    hostIPC: hostNamespace('hostIPC'),
    securityContext: securityContext('pod'),
    containers: containers('containers'),
    initContainers: containers('init containers'),
    volumes: {
      type: 'array',
      maxItems: 64,
      description: 'volumes, merged by name over the generated ones',
      items: {
        type: 'object',
        'x-kubernetes-preserve-unknown-fields': true,
        description: 'a volume (partial: merged by name)',
        properties: {
          hostPath: {
            type: 'object',
            'x-kubernetes-preserve-unknown-fields': true,
            description: 'refused: node pods mount nothing of the host',
          },
        },
        'x-kubernetes-validations': [
          {
            rule: '!has(self.hostPath)',
            message: `hostPath volumes are refused: ${RESTRICTED} allows none`,
          },
        ],
      },
    },
  },
});

const PodTemplate = Type.Object(
  {
    metadata: Type.Optional(
      Type.Object(
        {
          labels: Type.Optional(StringMap('extra pod labels (selector labels win)')),
          annotations: Type.Optional(StringMap('extra pod annotations')),
        },
        { description: 'labels and annotations added to the node pods' },
      ),
    ),
    spec: Type.Optional(PodSpecOverrides),
  },
  { description: 'escape hatch: pod labels, annotations and PodSpec overrides' },
);

const Pdb = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'create a PodDisruptionBudget' }),
    minAvailable: Type.Optional(IntOrString('pods that must stay available')),
    maxUnavailable: Type.Optional(IntOrString('pods that may be unavailable (default 1)')),
  },
  {
    description: 'a PodDisruptionBudget for the node pods (voluntary disruptions: drains)',
    default: {},
    ...rules({
      rule: '!has(self.minAvailable) || !has(self.maxUnavailable)',
      message: 'pdb: set minAvailable or maxUnavailable, not both',
    }),
  },
);

const Percent = (description: string) =>
  Type.Integer({ format: 'int32', minimum: 1, maximum: 100, description });

/** The most node pods a Centrifugo may ask for, by replicas or autoscaling. */
export const MAX_REPLICAS = 1000;

const Autoscaling = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'create a HorizontalPodAutoscaler' }),
    minReplicas: Type.Integer({
      format: 'int32',
      minimum: 1,
      maximum: MAX_REPLICAS,
      default: 1,
      description: 'the fewest node pods the autoscaler keeps',
    }),
    maxReplicas: Type.Optional(
      Type.Integer({
        format: 'int32',
        minimum: 1,
        maximum: MAX_REPLICAS,
        description: 'the most node pods the autoscaler runs (required when enabled)',
      }),
    ),
    targetCPUUtilizationPercentage: Type.Optional(
      Percent('average CPU utilization target (80 when no target is set)'),
    ),
    targetMemoryUtilizationPercentage: Type.Optional(Percent('average memory utilization target')),
    targetConnectionsPerPod: Type.Optional(
      Type.Integer({
        format: 'int32',
        minimum: 1,
        maximum: 10_000_000,
        description:
          'average client connections per pod (centrifugo_node_num_clients): a Pods metric ' +
          'the custom metrics API serves (prometheus-adapter), or a KEDA Prometheus trigger',
      }),
    ),
    connectionsMetricName: Type.String({
      minLength: 1,
      maxLength: 253,
      default: 'centrifugo_node_num_clients',
      description: 'the name the custom metrics API serves the connection count under',
    }),
    keda: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean({
            default: false,
            description:
              'a KEDA ScaledObject instead of the HorizontalPodAutoscaler, when keda.sh/v1alpha1 ' +
              'is served (KEDA then makes the HPA); the plain HPA otherwise',
          }),
          prometheusServerAddress: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 1024,
              pattern: '^https?://',
              description:
                'the Prometheus KEDA asks for the connection count (needed with ' +
                'targetConnectionsPerPod), e.g. http://prometheus.monitoring.svc:9090',
            }),
          ),
        },
        { description: 'scaling through KEDA' },
      ),
    ),
    behavior: Type.Optional(Opaque('HorizontalPodAutoscalerBehavior (autoscaling/v2)')),
  },
  {
    description:
      'a HorizontalPodAutoscaler (autoscaling/v2) owning the replica count; turning it on ' +
      'keeps the current count until the autoscaler changes it',
    default: {},
    ...rules(
      {
        rule: '!self.enabled || has(self.maxReplicas)',
        message: 'autoscaling.enabled needs autoscaling.maxReplicas',
      },
      {
        rule: '!has(self.maxReplicas) || self.minReplicas <= self.maxReplicas',
        message: 'autoscaling: minReplicas must not exceed maxReplicas',
      },
      {
        rule: '!has(self.keda) || !self.keda.enabled || !has(self.targetConnectionsPerPod) || has(self.keda.prometheusServerAddress)',
        message: 'autoscaling.keda with targetConnectionsPerPod needs keda.prometheusServerAddress',
      },
    ),
  },
);

const ServiceMonitor = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description: 'create a ServiceMonitor (only when monitoring.coreos.com/v1 is served)',
    }),
    interval: Type.Optional(
      Type.String({
        pattern: DURATION,
        maxLength: 32,
        description: "scrape interval, e.g. 30s (default: Prometheus's)",
      }),
    ),
    scrapeTimeout: Type.Optional(
      Type.String({
        pattern: DURATION,
        maxLength: 32,
        description: "scrape timeout, e.g. 10s (default: Prometheus's)",
      }),
    ),
    labels: Type.Optional(StringMap('extra labels, e.g. the one your Prometheus selects')),
  },
  {
    default: {},
    description: 'a Prometheus Operator ServiceMonitor for the internal Service',
  },
);

const HOSTNAME = '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const Hostname = (description: string) =>
  Type.String({ minLength: 1, maxLength: 253, pattern: HOSTNAME, description });
const PathPrefix = Type.String({
  default: '/',
  minLength: 1,
  maxLength: 1024,
  pattern: '^/',
  description: 'path prefix routed to the nodes (/connection/websocket lives under /)',
});

const IngressTls = Type.Object(
  {
    secretName: Type.Optional(
      SecretName(
        'Secret (kubernetes.io/tls) with the certificate; with certManager, the one it ' +
          'writes (default <name>-tls)',
      ),
    ),
    certManager: Type.Optional(
      Type.Object(
        {
          issuer: Type.Optional(SecretName('cert-manager Issuer in the Centrifugo namespace')),
          clusterIssuer: Type.Optional(SecretName('cert-manager ClusterIssuer')),
        },
        {
          description: 'let cert-manager issue the certificate (its ingress-shim annotations)',
          ...rules({
            rule: 'has(self.issuer) != has(self.clusterIssuer)',
            message: 'ingress.tls.certManager: set issuer or clusterIssuer, one of them',
          }),
        },
      ),
    ),
  },
  {
    description: 'TLS for the host: a certificate Secret, or one cert-manager issues',
    ...rules({
      rule: 'has(self.secretName) || has(self.certManager)',
      message: 'ingress.tls: set secretName or certManager',
    }),
  },
);

const Ingress = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description: 'create an Ingress for the client Service (WebSocket and HTTP clients)',
    }),
    className: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 253,
        description: "ingressClassName (default: the cluster's default class)",
      }),
    ),
    host: Type.Optional(Hostname('the host clients connect to (required when enabled)')),
    path: PathPrefix,
    annotations: Type.Optional(
      StringMap('annotations, over the generated ones (nginx WebSocket timeouts, cert-manager)'),
    ),
    tls: Type.Optional(IngressTls),
  },
  {
    default: {},
    description:
      'an Ingress (networking.k8s.io/v1) to the client Service, with the WebSocket timeouts ' +
      'of ingress-nginx set from the node ping interval',
    ...rules({
      rule: '!self.enabled || has(self.host)',
      message: 'ingress.enabled needs ingress.host',
    }),
  },
);

const ParentRef = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 253, description: 'the Gateway' }),
    namespace: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 63,
        description: "the Gateway's namespace (default: the Centrifugo's)",
      }),
    ),
    sectionName: Type.Optional(
      Type.String({ minLength: 1, maxLength: 253, description: 'a listener of the Gateway' }),
    ),
  },
  { description: 'a Gateway the route attaches to' },
);

const HttpRoute = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description:
        'create a Gateway API HTTPRoute to the client Service (only when ' +
        'gateway.networking.k8s.io/v1 HTTPRoute is served)',
    }),
    parentRefs: Type.Optional(
      Type.Array(ParentRef, {
        minItems: 1,
        maxItems: 8,
        description: 'Gateways to attach to (required when enabled)',
      }),
    ),
    hostnames: Type.Optional(
      Type.Array(Hostname('a hostname'), { maxItems: 16, description: 'hostnames to match' }),
    ),
    path: PathPrefix,
    annotations: Type.Optional(StringMap('annotations of the HTTPRoute')),
  },
  {
    default: {},
    description:
      'a Gateway API HTTPRoute to the client Service, its request timeouts off so WebSockets ' +
      'live as long as their clients',
    ...rules({
      rule: '!self.enabled || has(self.parentRefs)',
      message: 'httpRoute.enabled needs httpRoute.parentRefs',
    }),
  },
);

const Admin = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description:
        'serve the admin web UI and admin API on the internal port (Service <name>-internal); ' +
        'admin.password and admin.secret are generated into the credentials Secret once ' +
        '(an existingSecret must hold them)',
    }),
  },
  { default: {}, description: 'the admin web UI (admin.* of the node config)' },
);

export const SpecSchema = Type.Object(
  {
    replicas: Type.Integer({
      format: 'int32',
      minimum: 0,
      maximum: MAX_REPLICAS,
      default: 1,
      description: 'node pods; more than 1 needs engine.type nats; ignored under autoscaling',
    }),
    image: Type.Object(
      {
        repository: Type.String({
          minLength: 1,
          maxLength: 512,
          default: 'centrifugo-ts',
          description: 'image repository of the nodes',
        }),
        tag: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 128,
            description: "image tag (default: the operator's own version)",
          }),
        ),
        pullPolicy: Type.Unsafe<'Always' | 'IfNotPresent' | 'Never'>({
          type: 'string',
          enum: ['Always', 'IfNotPresent', 'Never'],
          default: 'IfNotPresent',
          description: 'imagePullPolicy of the node container',
        }),
      },
      { default: {}, description: 'the image the nodes run' },
    ),
    imagePullSecrets: Type.Optional(
      Type.Array(
        Type.Object(
          { name: SecretName('image pull Secret') },
          { description: 'a Secret in the Centrifugo namespace' },
        ),
        { maxItems: 16, description: 'Secrets to pull the node image with' },
      ),
    ),
    engine: Engine,
    config: Type.Optional(ConfigSchema),
    secrets: Secrets,
    service: Service,
    resources: Type.Optional(Resources),
    podTemplate: Type.Optional(PodTemplate),
    pdb: Pdb,
    autoscaling: Autoscaling,
    serviceMonitor: ServiceMonitor,
    admin: Admin,
    ingress: Ingress,
    httpRoute: HttpRoute,
  },
  {
    description: 'what the Centrifugo should be: nodes, engine, config, Services, credentials',
    default: {},
    ...rules(
      {
        rule: "self.replicas <= 1 || self.engine.type == 'nats'",
        message:
          'replicas > 1 needs engine.type: nats (the memory engine keeps state in one process)',
        reason: 'FieldValueForbidden',
      },
      {
        rule: "!self.autoscaling.enabled || !has(self.autoscaling.maxReplicas) || self.autoscaling.maxReplicas <= 1 || self.engine.type == 'nats'",
        message: 'autoscaling.maxReplicas > 1 needs engine.type: nats',
        reason: 'FieldValueForbidden',
      },
    ),
  },
);

/** metav1.Condition, as upstream CRDs spell it. */
export const ConditionSchema = Type.Object(
  {
    type: Type.String({
      maxLength: 316,
      pattern:
        '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
      description: 'Ready, Reconciling, Stalled or ReconciliationPaused',
    }),
    status: Type.Unsafe<'True' | 'False' | 'Unknown'>({
      type: 'string',
      enum: ['True', 'False', 'Unknown'],
      description: 'True, False or Unknown',
    }),
    observedGeneration: Type.Optional(
      Type.Integer({
        format: 'int64',
        minimum: 0,
        description: 'the generation this condition was set for',
      }),
    ),
    lastTransitionTime: Type.String({
      format: 'date-time',
      description: 'when the status last changed',
    }),
    reason: Type.String({
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
      description: 'why, in one CamelCase word (Reconciled, RollingOut, InvalidConfig, ...)',
    }),
    message: Type.String({ maxLength: 32768, description: 'why, for people' }),
  },
  { description: 'a metav1.Condition' },
);

const Count = (description: string) =>
  Type.Optional(Type.Integer({ format: 'int32', minimum: 0, description }));

export const StatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(
      Type.Integer({ format: 'int64', description: 'the generation last reconciled' }),
    ),
    conditions: Type.Optional(
      Type.Unsafe<Static<typeof ConditionSchema>[]>({
        type: 'array',
        description:
          'Ready (serving with every pod updated and available), Reconciling (work in flight), ' +
          'Stalled (waiting for a change only a person can make), ReconciliationPaused',
        items: ConditionSchema,
        maxItems: 16,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
      }),
    ),
    replicas: Count('pods of the Deployment'),
    readyReplicas: Count('ready pods'),
    updatedReplicas: Count('pods of the current template'),
    selector: Type.Optional(Type.String({ description: 'label selector of the pods (scale)' })),
    image: Type.Optional(Type.String({ description: 'the image rolled out' })),
    configHash: Type.Optional(
      Type.String({ description: 'hash of the config.json rolled out (a pod annotation too)' }),
    ),
    credentialsHash: Type.Optional(
      Type.String({ description: 'hash of the credentials rolled out (a pod annotation too)' }),
    ),
    credentials: Type.Optional(
      Type.Object(
        {
          secretName: Type.String({ description: 'the Secret holding the credentials' }),
          generated: Type.Boolean({ description: 'the operator generated the Secret' }),
          keys: StringMap('what each key of the Secret holds; never the values'),
          rotatedFor: Type.Optional(
            Type.String({ description: 'the rotate-credentials annotation last acted upon' }),
          ),
          previousHmacValidUntil: Type.Optional(
            Type.String({
              format: 'date-time',
              description: 'until when the HMAC secret before the last rotation is accepted',
            }),
          ),
        },
        { description: 'where the credentials are: names only, never values' },
      ),
    ),
    endpoints: Type.Optional(
      Type.Object(
        {
          client: Type.String({ description: 'host:port for WebSocket and HTTP clients' }),
          internal: Type.String({ description: 'host:port of the server API, /health, /metrics' }),
          grpc: Type.Optional(Type.String({ description: 'host:port of the gRPC server API' })),
        },
        { description: 'where to reach the nodes, inside the cluster' },
      ),
    ),
  },
  { description: 'what the operator observed and did (written by the operator only)' },
);

export type CentrifugoSpec = Static<typeof SpecSchema>;
export type CentrifugoStatus = Static<typeof StatusSchema>;
export type Condition = Static<typeof ConditionSchema>;

/** The root schema of the custom resource (what openAPIV3Schema holds). */
export const ResourceSchema: TSchema = Type.Object(
  {
    apiVersion: Type.Optional(Type.String({ description: 'centrifugo-ts.dev/v1alpha1' })),
    kind: Type.Optional(Type.String({ description: 'Centrifugo' })),
    metadata: Type.Optional(
      Type.Unsafe<object>({
        // The API server allows nothing here but restrictions of name and generateName (no
        // description: kubectl explain shows ObjectMeta's). name is declared so that the name
        // rule below can point its errors at it.
        type: 'object',
        properties: {
          name: {
            type: 'string',
            description: 'a DNS-1035 label of at most 54 characters (children are named after it)',
          },
        },
      }),
    ),
    spec: Type.Optional(SpecSchema),
    status: Type.Optional(StatusSchema),
  },
  {
    description:
      'A Centrifugo-compatible real-time messaging cluster: nodes, Services and credentials.',
    'x-kubernetes-validations': [
      {
        rule: "self.metadata.name.size() <= 54 && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
        message: 'must be a DNS-1035 label of at most 54 characters: Services are named after it',
        reason: 'FieldValueInvalid',
        fieldPath: '.metadata.name',
      },
    ],
  },
);
