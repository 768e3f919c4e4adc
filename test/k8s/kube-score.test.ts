// kube-score over what reaches a cluster: the Helm chart rendered with its defaults and each
// ci/ values file, and the children the operator builds (pure builders) for a default spec,
// each deploy/examples/ file and a spec with every optional child. Checks not applied are
// listed, each with its reason, in deploy/kube-score-ignores.yaml; any other CRITICAL or
// WARNING fails. kube-score comes from scripts/ensure-kube-lint.sh (.ci/run sources it).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import {
  buildChildren,
  buildContext,
  GENERATED_KEYS,
  resolveSpec,
} from '../../src/operator/builders/index.ts';
import { API_VERSION, type CentrifugoResource, KIND } from '../../src/operator/crd/index.ts';
import { findTool } from '../tools.ts';
import { runCommand } from './harness.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHART = `${ROOT}deploy/helm/centrifugo-ts-operator`;
const EXAMPLES = `${ROOT}deploy/examples`;
const HOW_TO_GET = 'source scripts/ensure-kube-lint.sh (.ci/run does)';

interface Ignore {
  check: string;
  reason: string;
}
const IGNORES = parseYaml(
  readFileSync(`${ROOT}deploy/kube-score-ignores.yaml`, 'utf8'),
) as Ignore[];

async function score(bin: string, manifest: string, what: string): Promise<void> {
  const args = ['score', '-', '--output-format', 'ci', '--ignore-container-cpu-limit'];
  for (const { check } of IGNORES) args.push('--ignore-test', check);
  const res = await runCommand(bin, args, {}, { input: manifest, timeoutMs: 60_000 });
  const findings = res.stdout.split('\n').filter((l) => /^\[(CRITICAL|WARNING)\]/.test(l));
  assert.deepEqual(findings, [], `kube-score on ${what}:\n${findings.join('\n')}`);
  assert.ok(res.code === 0, `kube-score on ${what} exited ${res.code}: ${res.stderr}`);
  assert.match(res.stdout, /\[OK\]/, `kube-score on ${what} checked something`);
}

test('every ignored check has a reason and is a kube-score check', async (t) => {
  const bin = findTool(t, 'kube-score', HOW_TO_GET);
  if (!bin) return;
  const list = await runCommand(bin, ['list'], {});
  const checks = new Set(list.stdout.split('\n').map((l) => l.split(',')[0]));
  for (const { check, reason } of IGNORES) {
    assert.ok(checks.has(check), `${check} is not a kube-score check`);
    assert.ok(reason && reason.length > 40, `${check}: say why`);
  }
});

test('kube-score: the rendered chart, defaults and every ci/ values file', async (t) => {
  const bin = findTool(t, 'kube-score', HOW_TO_GET);
  const helm = bin && findTool(t, 'helm', 'source scripts/ensure-k8s.sh');
  if (!bin || !helm) return;
  const scenarios = [undefined, ...readdirSync(`${CHART}/ci`).map((f) => `${CHART}/ci/${f}`)];
  for (const values of scenarios) {
    const args = ['template', 'cto', CHART, '-n', 'ops'];
    if (values) args.push('-f', values, '--api-versions', `${API_VERSION}/${KIND}`);
    const rendered = await runCommand(helm, args, {});
    assert.equal(rendered.code, 0, rendered.stderr);
    await score(bin, rendered.stdout, `the chart (${values ?? 'defaults'})`);
  }
});

function children(name: string, spec: unknown): string {
  const resource: CentrifugoResource = {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name, namespace: 'realtime', uid: 'uid-1', generation: 1 },
    spec,
  };
  const ctx = buildContext(resource, resolveSpec(resource, '0.1.0'), {
    credentials: {
      secretName: `${name}-credentials`,
      generated: true,
      keys: [...GENERATED_KEYS],
      hash: 'hash',
    },
    serviceMonitorServed: true,
    httpRouteServed: true,
  });
  return buildChildren(ctx)
    .apply.map((o) => JSON.stringify(o))
    .join('\n---\n');
}

test("kube-score: the operator's children", async (t) => {
  const bin = findTool(t, 'kube-score', HOW_TO_GET);
  if (!bin) return;
  await score(bin, children('chat', {}), 'the children of a default spec');
  for (const file of readdirSync(EXAMPLES)) {
    const example = parseYaml(readFileSync(`${EXAMPLES}/${file}`, 'utf8')) as {
      metadata: { name: string };
      spec: unknown;
    };
    await score(bin, children(example.metadata.name, example.spec), `the children of ${file}`);
  }
  const everything = {
    engine: { type: 'nats', nats: { urls: ['nats://nats:4222'] } },
    config: { grpc_api: { enabled: true } },
    pdb: { enabled: true },
    autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 6, targetConnectionsPerPod: 5000 },
    serviceMonitor: { enabled: true },
    ingress: {
      enabled: true,
      host: 'rt.example.com',
      tls: { certManager: { clusterIssuer: 'letsencrypt' } },
    },
    httpRoute: { enabled: true, parentRefs: [{ name: 'public' }] },
  };
  await score(bin, children('full', everything), 'the children of a spec with every child');
});
