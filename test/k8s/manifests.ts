// What reaches a cluster, as the manifest checkers read it (kube-score.test.ts,
// checkov.test.ts): the Helm chart rendered with its defaults and with each ci/ values file,
// and the children the operator builds (pure builders) for a default spec, for each
// deploy/examples/ file and for a spec with every optional child.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import {
  buildChildren,
  buildContext,
  GENERATED_KEYS,
  resolveSpec,
} from '../../src/operator/builders/index.ts';
import { API_VERSION, type CentrifugoResource, KIND } from '../../src/operator/crd/index.ts';
import { runCommand } from './harness.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHART = `${ROOT}deploy/helm/centrifugo-ts-operator`;
const EXAMPLES = `${ROOT}deploy/examples`;

export interface Manifest {
  /** What it is, for a failure message. */
  what: string;
  /** YAML/JSON documents separated by `---`. */
  text: string;
}

/** The chart rendered by `helm template`, with its defaults and with each ci/ values file. */
export async function renderedChart(helm: string): Promise<Manifest[]> {
  const scenarios = [undefined, ...readdirSync(`${CHART}/ci`).map((f) => `${CHART}/ci/${f}`)];
  const out: Manifest[] = [];
  for (const values of scenarios) {
    const args = ['template', 'cto', CHART, '-n', 'ops'];
    if (values) args.push('-f', values, '--api-versions', `${API_VERSION}/${KIND}`);
    const rendered = await runCommand(helm, args, {});
    assert.equal(rendered.code, 0, rendered.stderr);
    out.push({ what: `the chart (${values ?? 'defaults'})`, text: rendered.stdout });
  }
  return out;
}

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

/** A spec that turns on every optional child. */
const EVERYTHING = {
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

/** The operator's children for a default spec, each example and a spec with every child. */
export function operatorChildren(): Manifest[] {
  const out: Manifest[] = [{ what: 'the children of a default spec', text: children('chat', {}) }];
  for (const file of readdirSync(EXAMPLES)) {
    const example = parseYaml(readFileSync(`${EXAMPLES}/${file}`, 'utf8')) as {
      metadata: { name: string };
      spec: unknown;
    };
    out.push({
      what: `the children of ${file}`,
      text: children(example.metadata.name, example.spec),
    });
  }
  out.push({ what: 'the children of a spec with every child', text: children('full', EVERYTHING) });
  return out;
}
