// The differential suite: every case against real Centrifugo v6.9.1, a second Centrifugo
// and this node, started from one config per group (test/compat/README.md).
//   node --test test/compat/compat.test.ts
//   CENTRIFUGO_TS_COMPAT_ONLY=client/,live/ node --test test/compat/compat.test.ts   (ids starting so)
//   CENTRIFUGO_TS_COMPAT_RUNS=3 node --test test/compat/compat.test.ts         (self-check x3)
//   CENTRIFUGO_TS_COMPAT_ENGINE=nats node --test test/compat/compat.test.ts    (this node on NATS)
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type NatsServer, startNatsServer } from '../nats/harness.ts';
import { missingTool } from '../tools.ts';
import { ALL_CASES, ALL_GROUPS } from './cases/index.ts';
import { findCentrifugo } from './centrifugo-tool.ts';
import type { Group } from './configs.ts';
import { INTENDED } from './intended.ts';
import { PENDING } from './pending.ts';
import { type CaseResult, SuiteRunner } from './run-suite.ts';
import { addTally, describeTally, judge, type Tally, tally, unknownListed } from './verdict.ts';

// Comma-separated id prefixes; empty: every case.
const ONLY = (process.env.CENTRIFUGO_TS_COMPAT_ONLY ?? '').split(',').filter((p) => p !== '');
const selected = (id: string) => ONLY.length === 0 || ONLY.some((p) => id.startsWith(p));
const RUNS = Number(process.env.CENTRIFUGO_TS_COMPAT_RUNS ?? '1');
const LISTS = { intended: INTENDED, pending: PENDING };
// Every result as one JSON line appended to this file, to study differences.
const REPORT = process.env.CENTRIFUGO_TS_COMPAT_REPORT ?? '';
const MIN_CASES = 400;
// `nats`: this node runs every ordinary group on the NATS engine (one nats-server for the
// run, a prefix per start); Centrifugo stays on its memory engine. Else the memory engine.
const ENGINE = process.env.CENTRIFUGO_TS_COMPAT_ENGINE ?? 'memory';

// Bounds above npm test's 60 s per test: each group has its own; the whole stays bounded.
describe('compat: this node against Centrifugo v6.9.1', { timeout: 900_000 }, () => {
  it('the case list is sound', () => {
    assert.ok(ALL_CASES.length >= MIN_CASES, `${ALL_CASES.length} cases, want ${MIN_CASES}+`);
    const ids = new Set(ALL_CASES.map((c) => c.id));
    assert.equal(ids.size, ALL_CASES.length, 'case ids are unique');
    assert.deepEqual(unknownListed(LISTS, ids), [], 'intended.ts and pending.ts name real cases');
    const both = Object.keys(INTENDED).filter((id) => PENDING[id] !== undefined);
    assert.deepEqual(both, [], 'a case is intended or pending, not both');
  });

  assert.ok(ENGINE === 'memory' || ENGINE === 'nats', `CENTRIFUGO_TS_COMPAT_ENGINE=${ENGINE}`);
  let nats: NatsServer | undefined;
  let starts = 0;
  if (ENGINE === 'nats') {
    before(async () => {
      nats = await startNatsServer();
    });
    after(async () => {
      await nats?.stop();
    });
  }
  const nodeEngine = () => ({
    type: 'nats',
    nats: { urls: [nats?.url], prefix: `compat${process.pid}_${++starts}` },
  });
  const tool = findCentrifugo();
  // One runner for every group: it loads the protos once and remembers refused configs.
  const runner =
    typeof tool === 'string'
      ? undefined
      : new SuiteRunner(tool, ENGINE === 'nats' ? { nodeEngine } : {});
  const totals: Tally = { cases: 0, selfAgreeing: 0, identical: 0, intended: 0, pending: 0 };
  const groupTest = (group: Group) => {
    const cases = ALL_CASES.filter((c) => c.group === group.name && selected(c.id));
    if (cases.length === 0) return;
    it(`group ${group.name}: ${cases.length} cases`, { timeout: 240_000 }, async (t) => {
      if (typeof tool === 'string' || runner === undefined) {
        return missingTool(t, typeof tool === 'string' ? tool : 'Centrifugo');
      }
      const problems: string[] = [];
      for (let run = 1; run <= RUNS; run++) {
        const results: CaseResult[] = await runner.runGroup(group, cases);
        if (REPORT !== '') {
          appendFileSync(REPORT, results.map((r) => `${JSON.stringify(r)}\n`).join(''));
        }
        const found = judge(results, LISTS);
        const counted = tally(results, LISTS);
        addTally(totals, counted);
        t.diagnostic(`run ${run}: ${describeTally(counted)}`);
        problems.push(...found.map((p) => (RUNS > 1 ? `[run ${run}] ${p.report}` : p.report)));
      }
      assert.equal(problems.length, 0, `\n${problems.join('\n\n')}`);
    });
  };
  for (const group of ALL_GROUPS.filter((g) => !g.startup)) groupTest(group);
  // A startup group is one short case on three fresh servers: several at once cost no
  // accuracy (nothing in them waits on time) and most of their wall time.
  describe('startup configs', { concurrency: 4, timeout: 600_000 }, () => {
    for (const group of ALL_GROUPS.filter((g) => g.startup)) groupTest(group);
  });

  it('summary', (t) => {
    if (totals.cases > 0) t.diagnostic(`all groups: ${describeTally(totals)}`);
  });
});
