// kube-score over what reaches a cluster (manifests.ts: the rendered Helm chart and the
// children the operator builds). Checks not applied are
// listed, each with its reason, in deploy/kube-score-ignores.yaml; any other CRITICAL or
// WARNING fails. kube-score comes from scripts/ensure-kube-lint.sh (.ci/run sources it).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { findTool } from '../tools.ts';
import { runCommand } from './harness.ts';
import { operatorChildren, renderedChart } from './manifests.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
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
  for (const { what, text } of await renderedChart(helm)) await score(bin, text, what);
});

test("kube-score: the operator's children", async (t) => {
  const bin = findTool(t, 'kube-score', HOW_TO_GET);
  if (!bin) return;
  for (const { what, text } of operatorChildren()) await score(bin, text, what);
});
