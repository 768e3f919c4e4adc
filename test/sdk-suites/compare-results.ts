// Puts several runs of scripts/sdk-suites.sh side by side, as Markdown: per SDK the counts of
// each run, then every test whose outcome is not the same in all runs, with the failure line
// of the last run that failed it.
//
//   node test/sdk-suites/compare-results.ts centrifugo=DIR node-translated=DIR ...
//
// Each DIR is an --out folder of the script (DIR/<sdk>/results.tsv).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Row {
  status: string;
  detail: string;
}

function readRun(dir: string, sdk: string): Map<string, Row> | undefined {
  const path = join(dir, sdk, 'results.tsv');
  if (!existsSync(path)) return undefined;
  const rows = new Map<string, Row>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    const [status = '', , name = '', detail = ''] = line.split('\t');
    rows.set(name, { status, detail });
  }
  return rows;
}

function counts(rows: Map<string, Row> | undefined): string {
  if (rows === undefined) return 'not run';
  const refused = [...rows.values()].find((r) => r.status === 'refused');
  if (refused !== undefined) return `refused to start: ${refused.detail.trim()}`;
  const n = (s: string) => [...rows.values()].filter((r) => r.status === s).length;
  const skipped = n('skip') > 0 ? `, ${n('skip')} skipped` : '';
  return `${n('pass')} passed, ${n('fail')} failed${skipped}`;
}

const cell = (s: string | undefined) =>
  s === undefined ? '(absent)' : s === 'fail' ? '**FAIL**' : s;
const escapePipes = (s: string) => s.replaceAll('|', '\\|');

function main(): void {
  const runs = process.argv.slice(2).map((arg) => {
    const eq = arg.indexOf('=');
    if (eq < 1) throw new Error('usage: compare-results.ts LABEL=DIR ...');
    return { label: arg.slice(0, eq), dir: arg.slice(eq + 1) };
  });
  const out: string[] = [];
  for (const sdk of ['js', 'python', 'go']) {
    const loaded = runs.map((r) => ({ ...r, rows: readRun(r.dir, sdk) }));
    if (loaded.every((r) => r.rows === undefined)) continue;
    out.push(`### ${sdk}`, '', '| run | result |', '|---|---|');
    for (const r of loaded) out.push(`| ${r.label} | ${counts(r.rows)} |`);
    out.push('');
    const names = [...new Set(loaded.flatMap((r) => [...(r.rows?.keys() ?? [])]))].filter(
      (n) => n !== '(server)',
    );
    const differing = names.filter((n) => {
      const ran = loaded.filter((r) => r.rows !== undefined && !r.rows.has('(server)'));
      const seen = new Set(ran.map((r) => r.rows?.get(n)?.status));
      return seen.size > 1 || seen.has('fail');
    });
    if (differing.length === 0) continue;
    out.push(
      `| test | ${loaded.map((r) => r.label).join(' | ')} | failure (last failing run) |`,
      `|---|${loaded.map(() => '---|').join('')}---|`,
    );
    for (const name of differing) {
      const statuses = loaded.map((r) =>
        r.rows === undefined || r.rows.has('(server)') ? 'not run' : cell(r.rows.get(name)?.status),
      );
      const failing = loaded.filter((r) => r.rows?.get(name)?.status === 'fail').pop();
      const detail = failing?.rows?.get(name)?.detail ?? '';
      out.push(
        `| ${escapePipes(name)} | ${statuses.join(' | ')} | ${escapePipes(detail.slice(0, 200))} |`,
      );
    }
    out.push('');
  }
  console.log(out.join('\n'));
}

main();
