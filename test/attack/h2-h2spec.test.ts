// h2spec (the HTTP/2 conformance suite, built by scripts/ensure-h2spec.sh) in strict mode
// against the node's gRPC port. Every failure must be in h2spec-allowed.json with its reason
// (h2spec assumes a generic HTTP server: its requests are GET /, which a gRPC port answers
// 415 at once), and every case listed there must still fail, so the list stays true.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it, type TestContext } from 'node:test';
import { type GrpcTestNode, startGrpcTestNode } from '../node/grpc-client.ts';
import { findTool } from '../tools.ts';

const ALLOWED = JSON.parse(
  readFileSync(new URL('./h2spec-allowed.json', import.meta.url), 'utf8'),
) as Record<string, string>;

let node: GrpcTestNode;
let dir: string;
before(async () => {
  node = await startGrpcTestNode();
  dir = mkdtempSync(join(tmpdir(), 'h2spec-'));
});
after(async () => {
  await node.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Case ids (`http2/6.3/2`) of the JUnit report, each with whether it failed. */
function casesOf(junit: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const suite of junit.matchAll(
    /<testsuite [^>]*package="([^"]+)"[^>]*>([\s\S]*?)<\/testsuite>/g,
  )) {
    const [, pkg, body] = suite as unknown as [string, string, string];
    let n = 0;
    for (const tc of body.matchAll(/<testcase [^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
      n++;
      const inner = tc[2] ?? '';
      out.set(`${pkg}/${n}`, /<(failure|error)[\s>]/.test(inner));
    }
  }
  return out;
}

it('passes h2spec --strict but for the listed cases, each with its reason', async (t: TestContext) => {
  const bin = findTool(
    t,
    'h2spec',
    'run `. scripts/ensure-h2spec.sh` (builds it from its Go module)',
  );
  if (!bin) return;
  const port = node.target.split(':')[1] as string;
  const report = join(dir, 'h2spec.xml');
  const out = await new Promise<string>((resolve) => {
    execFile(
      bin,
      ['--strict', '-h', '127.0.0.1', '-p', port, '-o', '2', '-j', report],
      { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (_err, stdout) => resolve(stdout),
    );
  });
  const cases = casesOf(readFileSync(report, 'utf8'));
  assert.ok(cases.size >= 140, `${cases.size} cases in the report:\n${out.slice(-2000)}`);
  const failed = [...cases].filter(([, f]) => f).map(([id]) => id);
  const unexpected = failed.filter((id) => ALLOWED[id] === undefined);
  assert.deepEqual(
    unexpected,
    [],
    `failures not in h2spec-allowed.json:\n${out.slice(out.indexOf('Failures:'))}`,
  );
  const nowPass = Object.keys(ALLOWED).filter((id) => cases.get(id) === false);
  assert.deepEqual(nowPass, [], 'listed in h2spec-allowed.json but passing now: take them out');
  for (const [id, reason] of Object.entries(ALLOWED))
    assert.ok(reason.length > 40, `${id} says why`);
});
