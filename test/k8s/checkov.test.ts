// Checkov's Kubernetes checks (in place of kube-linter: deploy/checkov-skips.yaml says why)
// over what reaches a cluster (manifests.ts: the rendered Helm chart and the children the
// operator builds). Checks not applied are listed, each with its reason, in
// deploy/checkov-skips.yaml; any other failed check fails. Checkov comes from
// scripts/ensure-kube-lint.sh (.ci/run sources it).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { findTool } from '../tools.ts';
import { runCommand } from './harness.ts';
import { type Manifest, operatorChildren, renderedChart } from './manifests.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HOW_TO_GET = 'source scripts/ensure-kube-lint.sh (.ci/run does)';

interface Skip {
  check: string;
  reason: string;
}
const SKIPS = parseYaml(readFileSync(`${ROOT}deploy/checkov-skips.yaml`, 'utf8')) as Skip[];

interface Report {
  results: {
    failed_checks?: { check_id: string; check_name: string; resource: string; file_path: string }[];
  };
  summary: { passed: number; failed: number; skipped: number; parsing_errors: number };
}

/** One checkov run over every manifest (its start-up is most of its time). */
async function checkov(bin: string, manifests: Manifest[], skipped: string[]): Promise<Report> {
  const dir = mkdtempSync(join(tmpdir(), 'checkov-'));
  try {
    for (const [i, m] of manifests.entries()) writeFileSync(join(dir, `m${i}.yaml`), m.text);
    const args = ['-d', dir, '--framework', 'kubernetes', '--skip-download', '--quiet'];
    args.push('-o', 'json', '--soft-fail');
    if (skipped.length > 0) args.push('--skip-check', skipped.join(','));
    const res = await runCommand(bin, args, {}, { timeoutMs: 180_000 });
    assert.equal(res.code, 0, `checkov exited ${res.code}: ${res.stderr}`);
    return JSON.parse(res.stdout) as Report;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function findings(report: Report, manifests: Manifest[]): string[] {
  return (report.results.failed_checks ?? []).map((f) => {
    const index = Number(/m(\d+)\.yaml$/.exec(f.file_path)?.[1]);
    return `${f.check_id} ${f.check_name}: ${f.resource} in ${manifests[index]?.what ?? f.file_path}`;
  });
}

test('checkov: the rendered chart and the operator children pass, but for the listed checks', async (t) => {
  const bin = findTool(t, 'checkov', HOW_TO_GET);
  const helm = bin && findTool(t, 'helm', 'source scripts/ensure-k8s.sh');
  if (!bin || !helm) return;
  for (const { check, reason } of SKIPS) {
    assert.match(check, /^CKV2?_K8S_\d+$/, `${check} is not a checkov Kubernetes check id`);
    assert.ok(reason && reason.length > 40, `${check}: say why`);
  }
  const manifests = [...(await renderedChart(helm)), ...operatorChildren()];
  const report = await checkov(
    bin,
    manifests,
    SKIPS.map((s) => s.check),
  );
  assert.equal(report.summary.parsing_errors, 0, 'checkov read every manifest');
  assert.deepEqual(findings(report, manifests), []);
  assert.ok(report.summary.passed > 100, `checkov checked something: ${report.summary.passed}`);
  // Each skip is still needed: without the list, each listed check fails somewhere.
  const unskipped = await checkov(bin, manifests, []);
  const failing = new Set((unskipped.results.failed_checks ?? []).map((f) => f.check_id));
  for (const { check } of SKIPS) assert.ok(failing.has(check), `${check} passes now: unlist it`);
});
