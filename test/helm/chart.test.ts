// The Helm chart (deploy/helm/centrifugo-ts-operator): `helm lint --strict` for every values
// scenario, `helm template` compared with checked-in goldens (test/helm/golden/*.golden), what
// reviewers check in rendered output (namespaces, names, labels, selectors, no empty maps),
// the RBAC and the CRD against deploy/rbac and deploy/crds, the operator args against the
// operator's own CLI, the failures the chart promises, and a server-side dry run of every
// scenario on a real API server.
//
// After an intended change of the chart (or of deploy/crds), regenerate the goldens and the
// chart's copy of the CRD with:
//   CENTRIFUGO_TS_UPDATE_GOLDEN=1 node --test test/helm/chart.test.ts
// and review the diff. Without it, any drift fails.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { parseArgs } from '../../src/cli/args.ts';
import { renderCrdYaml } from '../../src/operator/crd/render.ts';
import { findHelm, runCommand, startApiServer } from '../k8s/harness.ts';
import { findTool } from '../tools.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHART = `${ROOT}deploy/helm/centrifugo-ts-operator`;
const CHART_CRD = `${CHART}/files/centrifugos.centrifugo-ts.dev.yaml`;
const GOLDEN = `${ROOT}test/helm/golden`;
const UPDATE = process.env.CENTRIFUGO_TS_UPDATE_GOLDEN === '1';
const KUBE_VERSION = '1.34.4';
const RELEASE = 'cto';
const NAMESPACE = 'ops';
const HOW_TO_GET = 'source scripts/ensure-k8s.sh (.ci/run does)';
const CR_API = 'centrifugo-ts.dev/v1alpha1/Centrifugo';

interface Scenario {
  name: string;
  values?: string;
  /** --api-versions: what a cluster with the CRD would report. */
  apiVersions?: string[];
}

const SCENARIOS: Scenario[] = [
  { name: 'default' },
  { name: 'namespace-scope', values: 'ci/namespace-scope-values.yaml' },
  {
    name: 'default-centrifugo',
    values: 'ci/default-centrifugo-values.yaml',
    apiVersions: [CR_API],
  },
  { name: 'single-replica', values: 'ci/single-replica-values.yaml' },
];

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

const CLUSTER_SCOPED = new Set([
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'Namespace',
]);

function templateArgs(s: Scenario, extra: string[] = []): string[] {
  const args = ['template', RELEASE, CHART, '-n', NAMESPACE, '--kube-version', KUBE_VERSION];
  if (s.values) args.push('-f', `${CHART}/${s.values}`);
  for (const v of s.apiVersions ?? []) args.push('--api-versions', v);
  return [...args, ...extra];
}

async function helm(bin: string, args: string[]) {
  return runCommand(bin, args, {}, { timeoutMs: 60_000 });
}

async function render(bin: string, s: Scenario): Promise<string> {
  const res = await helm(bin, templateArgs(s));
  assert.equal(res.code, 0, `helm template (${s.name}): ${res.stderr}`);
  return res.stdout;
}

function objects(manifest: string): K8sObject[] {
  return parseAllDocuments(manifest)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

function find(list: K8sObject[], kind: string, name?: string): K8sObject {
  const found = list.find(
    (o) => o.kind === kind && (name === undefined || o.metadata.name === name),
  );
  assert.ok(found, `${kind} ${name ?? ''} rendered`);
  return found;
}

test('helm lint --strict is clean for the defaults and every ci/ values file', async (t) => {
  const bin = findTool(t, 'helm', HOW_TO_GET);
  if (!bin) return;
  for (const s of SCENARIOS) {
    const args = ['lint', '--strict', CHART, '--kube-version', KUBE_VERSION];
    if (s.values) args.push('-f', `${CHART}/${s.values}`);
    const res = await helm(bin, args);
    assert.equal(res.code, 0, `${s.name}: ${res.stdout}${res.stderr}`);
    assert.match(res.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    assert.doesNotMatch(res.stdout, /\[(WARNING|ERROR)\]/, res.stdout);
  }
});

test('helm template and lint work offline, without --kube-version', async (t) => {
  const bin = findTool(t, 'helm', HOW_TO_GET);
  if (!bin) return;
  const args = templateArgs({ name: 'default' }).filter(
    (a, i, all) => a !== '--kube-version' && all[i - 1] !== '--kube-version',
  );
  const res = await helm(bin, args);
  assert.equal(res.code, 0, `helm template without --kube-version: ${res.stderr}`);
  assert.equal(res.stdout, await render(bin, { name: 'default' }), 'the same objects');
  const lint = await helm(bin, ['lint', '--strict', CHART]);
  assert.equal(lint.code, 0, `${lint.stdout}${lint.stderr}`);
});

test('helm template matches the goldens (CENTRIFUGO_TS_UPDATE_GOLDEN=1 rewrites them)', async (t) => {
  const bin = findTool(t, 'helm', HOW_TO_GET);
  if (!bin) return;
  // The goldens render the chart's copy of the CRD: refresh it first, so one run does both.
  if (UPDATE) writeFileSync(CHART_CRD, renderCrdYaml());
  for (const s of SCENARIOS) {
    const out = await render(bin, s);
    const file = `${GOLDEN}/${s.name}.golden`;
    if (UPDATE) {
      writeFileSync(file, out);
      continue;
    }
    let golden: string;
    try {
      golden = readFileSync(file, 'utf8');
    } catch {
      assert.fail(`${file} is missing: run with CENTRIFUGO_TS_UPDATE_GOLDEN=1`);
    }
    if (out !== golden) {
      const a = golden.split('\n');
      const b = out.split('\n');
      const i = a.findIndex((line, n) => line !== b[n]);
      assert.fail(
        `helm template (${s.name}) drifted from ${file} at line ${i + 1}:\n` +
          `  golden:   ${a[i]}\n  rendered: ${b[i]}\n` +
          'If the change is intended: CENTRIFUGO_TS_UPDATE_GOLDEN=1 node --test test/helm/chart.test.ts',
      );
    }
  }
});

test('rendered objects: namespaces, names, recommended labels, stable selectors, no empty maps', async (t) => {
  const bin = findTool(t, 'helm', HOW_TO_GET);
  if (!bin) return;
  for (const s of SCENARIOS) {
    const list = objects(await render(bin, s));
    assert.ok(list.length > 0);
    for (const o of list) {
      const what = `${s.name}: ${o.kind} ${o.metadata.name}`;
      if (CLUSTER_SCOPED.has(o.kind)) assert.equal(o.metadata.namespace, undefined, what);
      else assert.ok(o.metadata.namespace, `${what} has metadata.namespace`);
      assert.ok(o.metadata.name.length <= 63, `${what}: name longer than 63`);
      const labels = o.metadata.labels ?? {};
      for (const key of [
        'helm.sh/chart',
        'app.kubernetes.io/name',
        'app.kubernetes.io/instance',
        'app.kubernetes.io/version',
        'app.kubernetes.io/component',
        'app.kubernetes.io/part-of',
        'app.kubernetes.io/managed-by',
      ]) {
        assert.ok(labels[key], `${what} has label ${key}`);
      }
      for (const [k, v] of Object.entries(labels)) {
        assert.match(
          v,
          /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/,
          `${what}: label ${k}=${v}`,
        );
        assert.ok(v.length <= 63, `${what}: label ${k} too long`);
      }
      // The CRD's schema is generated and tested with the operator (`status: {}` means on).
      assertNoEmpty(o.kind === 'CustomResourceDefinition' ? o.metadata : o, what);
    }
    const deployment = find(list, 'Deployment') as K8sObject & {
      spec: {
        selector: { matchLabels: Record<string, string> };
        template: { metadata: { labels: Record<string, string> } };
      };
    };
    assert.deepEqual(Object.keys(deployment.spec.selector.matchLabels).sort(), [
      'app.kubernetes.io/instance',
      'app.kubernetes.io/name',
    ]);
    for (const [k, v] of Object.entries(deployment.spec.selector.matchLabels)) {
      assert.equal(deployment.spec.template.metadata.labels[k], v, `${s.name}: pod label ${k}`);
    }
  }
});

/** No empty maps or nulls left behind by a template (`annotations: {}` and the like). */
function assertNoEmpty(value: unknown, where: string, path = ''): void {
  if (value === null) assert.fail(`${where}: null at ${path}`);
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) assertNoEmpty(v, where, `${path}[${i}]`);
  } else if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    // emptyDir: {} is meaningful in Kubernetes; nothing else here should be empty.
    if (entries.length === 0 && !path.endsWith('.emptyDir')) {
      assert.fail(`${where}: empty map at ${path}`);
    }
    for (const [k, v] of entries) assertNoEmpty(v, where, `${path}.${k}`);
  }
}

test('RBAC: the rules equal deploy/rbac, in a ClusterRole or (namespace scope) a Role', async (t) => {
  const bin = findTool(t, 'helm', HOW_TO_GET);
  if (!bin) return;
  const rbacDoc = (file: string) =>
    objects(readFileSync(`${ROOT}deploy/rbac/${file}`, 'utf8')) as (K8sObject & {
      rules: unknown;
    })[];
  const clusterRules = (rbacDoc('cluster-role.yaml')[0] as { rules: unknown }).rules;
  const leaseRules = (
    rbacDoc('leader-election-role.yaml').find((o) => o.kind === 'Role') as { rules: unknown }
  ).rules;

  const cluster = objects(await render(bin, SCENARIOS[0] as Scenario));
  const role = find(cluster, 'ClusterRole', `${RELEASE}-centrifugo-ts-operator`) as K8sObject & {
    rules: unknown;
  };
  assert.deepEqual(role.rules, clusterRules, 'chart ClusterRole == deploy/rbac/cluster-role.yaml');
  const binding = find(cluster, 'ClusterRoleBinding') as K8sObject & {
    subjects: { kind: string; name: string; namespace: string }[];
  };
  assert.deepEqual(binding.subjects, [
    { kind: 'ServiceAccount', name: `${RELEASE}-centrifugo-ts-operator`, namespace: NAMESPACE },
  ]);
  const lease = find(
    cluster,
    'Role',
    `${RELEASE}-centrifugo-ts-operator-leader-election`,
  ) as K8sObject & {
    rules: unknown;
  };
  assert.equal(
    lease.metadata.namespace,
    NAMESPACE,
    'the Lease Role lives in the release namespace',
  );
  assert.deepEqual(lease.rules, leaseRules);
  // Aggregated roles let namespace users manage Centrifugos, and grant nothing else.
  const edit = find(
    cluster,
    'ClusterRole',
    `${RELEASE}-centrifugo-ts-operator-edit`,
  ) as K8sObject & {
    rules: { apiGroups: string[] }[];
  };
  assert.equal(edit.metadata.labels?.['rbac.authorization.k8s.io/aggregate-to-edit'], 'true');
  assert.ok(edit.rules.every((r) => r.apiGroups.join() === 'centrifugo-ts.dev'));

  const scoped = objects(await render(bin, SCENARIOS[1] as Scenario));
  assert.equal(
    scoped.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding').length,
    0,
    'namespace scope grants nothing cluster-wide',
  );
  const nsRole = find(scoped, 'Role', `${RELEASE}-centrifugo-ts-operator`) as K8sObject & {
    rules: unknown;
  };
  assert.equal(nsRole.metadata.namespace, 'realtime');
  assert.deepEqual(nsRole.rules, clusterRules);
  assert.equal(
    find(scoped, 'RoleBinding', `${RELEASE}-centrifugo-ts-operator`).metadata.namespace,
    'realtime',
  );

  const none = objects(await render(bin, SCENARIOS[3] as Scenario));
  assert.equal(none.filter((o) => /Role/.test(o.kind) || o.kind === 'ServiceAccount').length, 0);
});

test("CRD: the chart's copy is the generated one; the rendered spec is deploy/crds'", async (t) => {
  const generated = renderCrdYaml();
  if (UPDATE) writeFileSync(CHART_CRD, generated);
  assert.equal(
    readFileSync(CHART_CRD, 'utf8'),
    generated,
    `${CHART_CRD} differs from the generated CRD: CENTRIFUGO_TS_UPDATE_GOLDEN=1 node --test test/helm/chart.test.ts`,
  );
  const bin = findTool(t, 'helm', HOW_TO_GET);
  if (!bin) return;
  const onDisk = parseYaml(
    readFileSync(`${ROOT}deploy/crds/centrifugos.centrifugo-ts.dev.yaml`, 'utf8'),
  );
  const list = objects(await render(bin, SCENARIOS[0] as Scenario));
  const crd = find(list, 'CustomResourceDefinition') as K8sObject & { spec: unknown };
  assert.equal(crd.metadata.name, onDisk.metadata.name);
  assert.deepEqual(crd.spec, onDisk.spec);
  assert.equal(crd.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
  const notKept = objects(await render(bin, SCENARIOS[3] as Scenario));
  assert.equal(find(notKept, 'CustomResourceDefinition').metadata.annotations, undefined);
  const none = objects(await render(bin, SCENARIOS[1] as Scenario));
  assert.equal(none.filter((o) => o.kind === 'CustomResourceDefinition').length, 0);
});

test("the operator's args are flags the operator command accepts", async (t) => {
  const bin = findTool(t, 'helm', HOW_TO_GET);
  if (!bin) return;
  for (const s of SCENARIOS) {
    const deployment = find(objects(await render(bin, s)), 'Deployment') as K8sObject & {
      spec: { replicas: number; template: { spec: { containers: { args: string[] }[] } } };
    };
    const args = deployment.spec.template.spec.containers[0]?.args ?? [];
    assert.equal(args[0], 'operator');
    const parsed = parseArgs(args);
    assert.equal(parsed.command, 'operator', `${s.name}: ${args.join(' ')}`);
    assert.deepEqual(parsed.positionals, []);
    if (deployment.spec.replicas > 1) {
      assert.equal(parsed.options.get('disable-leader-election'), undefined);
      assert.equal(parsed.options.get('leader-election-namespace'), NAMESPACE);
    }
  }
});

test('a Centrifugo from values runs the chart image; the chart refuses what cannot work', async (t) => {
  const bin = findTool(t, 'helm', HOW_TO_GET);
  if (!bin) return;
  const list = objects(await render(bin, SCENARIOS[2] as Scenario));
  const cr = find(list, 'Centrifugo', 'realtime') as K8sObject & {
    spec: { image: { repository: string; tag: string }; replicas: number };
  };
  assert.equal(cr.metadata.namespace, NAMESPACE);
  assert.deepEqual(cr.spec.image, { repository: 'centrifugo-ts', tag: '0.1.0' });
  assert.equal(cr.spec.replicas, 3);

  const failures: [string[], RegExp][] = [
    [['--set', 'centrifugo.create=true'], /the Centrifugo CRD is not served yet/],
    [
      ['--set', 'replicaCount=2', '--set', 'leaderElection.enabled=false'],
      /needs leaderElection\.enabled/,
    ],
    [['--set', 'leaderElection.renewDeadline=20'], /renewDeadline must be shorter/],
    [['--set', 'watchNamespace=realtime'], /only used with rbac\.scope=namespace/],
    [['--set', 'rbac.scope=everywhere'], /rbac\/scope/],
    [['--set', 'replicas=3'], /additional properties 'replicas' not allowed/],
    [['--set', 'centrifugo.name=Bad_Name'], /centrifugo\/name/],
  ];
  for (const [extra, message] of failures) {
    const res = await helm(bin, templateArgs({ name: 'failure' }, extra));
    assert.notEqual(res.code, 0, `${extra.join(' ')} should fail`);
    assert.match(res.stderr, message, extra.join(' '));
  }
});

test('on a real API server: install, every scenario as an upgrade (dry run) with its NOTES', async (t) => {
  const assets = findHelm(t);
  if (!assets?.helm) return;
  const api = await startApiServer({ assets, t });
  for (const ns of [NAMESPACE, 'realtime']) await api.createNamespace(ns);
  const install = await api.helm(['install', RELEASE, CHART, '-n', NAMESPACE], {
    timeoutMs: 90_000,
  });
  assert.equal(install.code, 0, install.stderr);
  await api.kubectlOk([
    'wait',
    '--for=condition=Established',
    'crd/centrifugos.centrifugo-ts.dev',
    '--timeout=60s',
  ]);
  const notes: Record<string, RegExp[]> = {
    default: [/in every namespace/, /Create a Centrifugo/],
    'namespace-scope': [/in namespace realtime only/, /crds\.install=false/],
    'default-centrifugo': [
      /A Centrifugo was created: ops\/realtime/,
      /NAMESPACE=ops NAME=realtime/,
    ],
    'single-replica': [/runs in namespace ops: 1 replica\(s\)\.\n/],
  };
  for (const s of SCENARIOS) {
    // The API server validates every object, the Centrifugo against the CRD included.
    const manifest = await render(assets.helm, s);
    const applied = await api.kubectl(['apply', '--dry-run=server', '-f', '-'], {
      input: manifest,
    });
    assert.equal(applied.code, 0, `${s.name}: ${applied.stderr}`);
    const args = ['upgrade', '--dry-run=server', RELEASE, CHART, '-n', NAMESPACE];
    if (s.values) args.push('-f', `${CHART}/${s.values}`);
    const upgrade = await api.helm(args, { timeoutMs: 90_000 });
    assert.equal(upgrade.code, 0, `${s.name}: ${upgrade.stderr}`);
    const text = upgrade.stdout.slice(upgrade.stdout.indexOf('NOTES:'));
    for (const re of [
      /\{\.data\.http_api\\\.key\}' \| base64 -d/,
      /\{\.status\.endpoints\.internal\}/,
      /X-API-Key: \$API_KEY/,
      ...(notes[s.name] ?? []),
    ]) {
      assert.match(text, re, `${s.name} NOTES`);
    }
  }
});
