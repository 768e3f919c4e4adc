// Judges case results: Centrifugo must agree with its twin on every case (else the case or
// the normalization is wrong), and this node with Centrifugo, except where intended.ts or
// pending.ts lists the case. A listed case that no longer differs fails too, so both lists
// only ever name real differences.
import { lineDiff, sameJson, stableJson } from './compare.ts';
import type { CaseResult } from './run-suite.ts';

export interface Problem {
  id: string;
  kind: 'self-disagreement' | 'difference' | 'pending-fixed' | 'intended-gone';
  report: string;
}

export interface Lists {
  intended: Record<string, string>;
  pending: Record<string, string>;
}

export function judge(results: CaseResult[], lists: Lists): Problem[] {
  const problems: Problem[] = [];
  for (const r of results) {
    const id = r.case.id;
    if (!sameJson(r.reference, r.twin)) {
      problems.push({
        id,
        kind: 'self-disagreement',
        report: describe(
          r,
          'Centrifugo disagrees with itself: fix the case or the normalizer',
          'centrifugo (twin)',
          r.twin,
        ),
      });
      continue;
    }
    const same = sameJson(r.reference, r.node);
    const listed = lists.intended[id] ?? lists.pending[id];
    if (!same && listed === undefined) {
      problems.push({
        id,
        kind: 'difference',
        report: describe(
          r,
          'differs from Centrifugo (fix it, or list it in pending.ts / intended.ts)',
          'centrifugo-ts',
          r.node,
        ),
      });
    } else if (same && lists.pending[id] !== undefined) {
      problems.push({
        id,
        kind: 'pending-fixed',
        report: `${id}: agrees with Centrifugo now; remove it from test/compat/pending.ts ("${lists.pending[id]}")`,
      });
    } else if (same && lists.intended[id] !== undefined) {
      problems.push({
        id,
        kind: 'intended-gone',
        report: `${id}: agrees with Centrifugo now; remove it from test/compat/intended.ts and its README bullet`,
      });
    }
  }
  return problems;
}

export interface Tally {
  cases: number;
  /** Centrifugo agreed with its twin. */
  selfAgreeing: number;
  /** This node agreed with Centrifugo. */
  identical: number;
  intended: number;
  pending: number;
}

export function tally(results: CaseResult[], lists: Lists): Tally {
  const t: Tally = { cases: 0, selfAgreeing: 0, identical: 0, intended: 0, pending: 0 };
  for (const r of results) {
    t.cases++;
    if (sameJson(r.reference, r.twin)) t.selfAgreeing++;
    if (sameJson(r.reference, r.node)) t.identical++;
    else if (lists.intended[r.case.id] !== undefined) t.intended++;
    else if (lists.pending[r.case.id] !== undefined) t.pending++;
  }
  return t;
}

export function addTally(into: Tally, more: Tally): void {
  into.cases += more.cases;
  into.selfAgreeing += more.selfAgreeing;
  into.identical += more.identical;
  into.intended += more.intended;
  into.pending += more.pending;
}

export const describeTally = (t: Tally): string =>
  `${t.cases} cases: Centrifugo agreed with itself on ${t.selfAgreeing}; this node identical on ${t.identical}, intended ${t.intended}, pending ${t.pending}, other ${t.cases - t.identical - t.intended - t.pending}`;

/** Ids in a list that name no case: a renamed or removed case must take its entry along. */
export function unknownListed(lists: Lists, ids: Set<string>): string[] {
  return [...Object.keys(lists.intended), ...Object.keys(lists.pending)].filter(
    (id) => !ids.has(id),
  );
}

function describe(r: CaseResult, headline: string, otherLabel: string, other: unknown): string {
  const left = stableJson(r.reference);
  const right = stableJson(other);
  return [
    `--- ${r.case.id}: ${headline}`,
    `input (group ${r.case.group}${r.case.encoding ? `, ${r.case.encoding}` : ''}): ${JSON.stringify(r.case.steps)}`,
    `centrifugo: ${compact(r.reference)}`,
    `${otherLabel}: ${compact(other)}`,
    `diff (- centrifugo, + ${otherLabel}):`,
    lineDiff(left, right),
  ].join('\n');
}

function compact(value: unknown): string {
  return JSON.stringify(JSON.parse(stableJson(value)));
}
