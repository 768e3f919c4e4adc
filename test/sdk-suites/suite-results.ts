// Turns one SDK suite's own runner output into per-test outcomes, and prints the count.
//
//   node test/sdk-suites/suite-results.ts --kind jest|go|python --in FILE --out TSV --label L
//
// jest: a folder of `jest --json --outputFile` files, one per test file; go: the output of `go test -json`; python:
// the JSON lines of test/sdk-suites/unittest_json.py. Writes TSV lines `status<TAB>seconds
// <TAB>name<TAB>first line of the failure` (status pass|fail|skip) and prints the failing
// names, then `L: N passed, N failed` (", N skipped" when some were).
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, stripVTControlCharacters } from 'node:util';

export interface Outcome {
  name: string;
  status: 'pass' | 'fail' | 'skip';
  seconds: number;
  detail: string;
}

// The first line that says what went wrong, without ANSI colours.
function firstLine(text: string): string {
  const plain = stripVTControlCharacters(text);
  const line = plain
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('Traceback') && !l.startsWith('---'));
  return (line ?? '').slice(0, 300);
}

// jest's first failure line, with its Expected/Received lines when it has them.
function jestFailure(message: string): string {
  const lines = stripVTControlCharacters(message)
    .split('\n')
    .map((l) => l.trim());
  const values = lines.filter((l) => /^(Expected|Received)( value)?:/.test(l)).slice(0, 2);
  return [firstLine(message), ...values].join(' ').slice(0, 300);
}

interface JestAssertion {
  ancestorTitles: string[];
  title: string;
  status: string;
  duration?: number | null;
  failureMessages?: string[];
}

export function parseJest(text: string): Outcome[] {
  const report = JSON.parse(text) as {
    testResults: { name: string; message?: string; assertionResults: JestAssertion[] }[];
  };
  const outcomes: Outcome[] = [];
  for (const file of report.testResults) {
    const base = file.name.replace(/^.*\/src\//, 'src/');
    if (file.assertionResults.length === 0 && file.message) {
      // A file that failed before any test ran (compile error, failing beforeAll).
      outcomes.push({
        name: `${base}`,
        status: 'fail',
        seconds: 0,
        detail: firstLine(file.message),
      });
    }
    for (const a of file.assertionResults) {
      const status = a.status === 'passed' ? 'pass' : a.status === 'failed' ? 'fail' : 'skip';
      outcomes.push({
        name: [base, ...a.ancestorTitles, a.title].join(' › '),
        status,
        seconds: (a.duration ?? 0) / 1000,
        detail: status === 'fail' ? jestFailure((a.failureMessages ?? []).join('\n')) : '',
      });
    }
  }
  return outcomes;
}

interface GoEvent {
  Action: string;
  Test?: string;
  Elapsed?: number;
  Output?: string;
}

// What a failed Go test said: its t.Error/t.Fatal lines (file_test.go:N: ...), else a panic.
function goFailure(lines: string[]): string {
  const said = lines.map((l) => l.trim()).filter((l) => /^\w+_test\.go:\d+: /.test(l));
  if (said.length > 0) return said.slice(0, 2).join(' | ').slice(0, 300);
  const panic = lines.find((l) => l.startsWith('panic: '));
  return firstLine(panic ?? lines.filter((l) => !/^\s*(=== |--- |PASS|FAIL)/.test(l)).join(''));
}

export function parseGo(text: string): Outcome[] {
  const ended = new Map<string, Outcome>();
  const output = new Map<string, string[]>();
  const started: string[] = [];
  let packageFailed = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    const e = JSON.parse(line) as GoEvent;
    if (e.Test === undefined) {
      if (e.Action === 'fail') packageFailed = true;
      continue;
    }
    if (e.Action === 'run') started.push(e.Test);
    if (e.Action === 'output') {
      const lines = output.get(e.Test) ?? [];
      lines.push(e.Output ?? '');
      output.set(e.Test, lines);
    }
    if (e.Action === 'pass' || e.Action === 'fail' || e.Action === 'skip') {
      ended.set(e.Test, {
        name: e.Test,
        status: e.Action,
        seconds: e.Elapsed ?? 0,
        detail: e.Action === 'fail' ? goFailure(output.get(e.Test) ?? []) : '',
      });
    }
  }
  // Counted per top-level test (what `-test.list` names, so every run counts the same
  // tests even when a hang keeps later subtests from starting); the detail names the failing
  // subtests.
  const outcomes: Outcome[] = [];
  const tops = [...new Set(started.map((n) => n.split('/')[0] as string))];
  for (const top of tops) {
    const mine = [...new Set(started)].filter((n) => n === top || n.startsWith(`${top}/`));
    const leaves = mine.filter((n) => !mine.some((o) => o.startsWith(`${n}/`)));
    const failing = leaves.filter(
      (n) => ended.get(n)?.status !== 'pass' && ended.get(n)?.status !== 'skip',
    );
    const own = ended.get(top);
    const status = own?.status ?? 'fail';
    const detail = failing
      .map((n) => {
        const said =
          ended.get(n)?.detail ??
          `${goFailure(output.get(n) ?? [])} (then hung: stopped at the per-test bound)`;
        return n === top ? said : `${n.slice(top.length + 1)}: ${said}`;
      })
      .join(' || ');
    outcomes.push({
      name: top,
      status: failing.length > 0 ? 'fail' : status,
      seconds: own?.seconds ?? 0,
      detail: failing.length > 0 || status === 'fail' ? detail || (own?.detail ?? '') : '',
    });
  }
  if (packageFailed && !outcomes.some((o) => o.status === 'fail')) {
    outcomes.push({ name: '(package)', status: 'fail', seconds: 0, detail: 'go test failed' });
  }
  return outcomes;
}

// One outcome per test method: a method whose subtests failed has several fail lines.
export function parsePython(text: string): Outcome[] {
  const byName = new Map<string, Outcome>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const o = JSON.parse(line) as Outcome;
    const detail = o.status === 'fail' ? firstLine(lastError(o.detail)) : '';
    const seen = byName.get(o.name);
    if (seen === undefined) {
      byName.set(o.name, { ...o, detail });
    } else if (o.status === 'fail') {
      seen.detail = seen.status === 'fail' ? `${seen.detail} || ${detail}` : detail;
      seen.status = 'fail';
    }
  }
  return [...byName.values()];
}

// A Python traceback ends with the exception line; that is the informative one.
function lastError(traceback: string): string {
  const lines = traceback.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

export function countLine(label: string, outcomes: Outcome[]): string {
  const passed = outcomes.filter((o) => o.status === 'pass').length;
  const failed = outcomes.filter((o) => o.status === 'fail').length;
  const skipped = outcomes.filter((o) => o.status === 'skip').length;
  return `${label}: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      kind: { type: 'string' },
      in: { type: 'string' },
      out: { type: 'string' },
      label: { type: 'string' },
    },
  });
  const { kind, out, label } = values;
  const input = values.in;
  if (!kind || !input || !out || !label) {
    throw new Error('usage: --kind jest|go|python --in FILE --out TSV --label L');
  }
  let outcomes: Outcome[] = [];
  if (kind === 'jest' && existsSync(input) && statSync(input).isDirectory()) {
    for (const file of readdirSync(input).sort()) {
      outcomes.push(...parseJest(readFileSync(join(input, file), 'utf8')));
    }
  } else if (existsSync(input) && readFileSync(input, 'utf8').trim() !== '') {
    const text = readFileSync(input, 'utf8');
    outcomes =
      kind === 'jest' ? parseJest(text) : kind === 'go' ? parseGo(text) : parsePython(text);
  } else {
    console.log(`${label}: the runner wrote no results (cut by the time bound, or crashed)`);
  }
  writeFileSync(
    out,
    outcomes
      .map(
        (o) =>
          `${o.status}\t${o.seconds.toFixed(2)}\t${o.name}\t${o.detail.replace(/\s+/g, ' ')}\n`,
      )
      .join(''),
  );
  for (const o of outcomes.filter((x) => x.status === 'fail')) {
    console.log(`  FAIL ${o.name}${o.detail ? `: ${o.detail}` : ''}`);
  }
  console.log(countLine(label, outcomes));
}

if (process.argv[1] === import.meta.filename) main();
