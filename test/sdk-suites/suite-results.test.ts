// The counting of scripts/sdk-suites.sh: each runner's output becomes one outcome per test,
// counted the same on every server (a hang or a failed subtest must not change the count).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refusedKey } from './server-config.ts';
import { countLine, parseGo, parseJest, parsePython } from './suite-results.ts';

const goEvent = (e: Record<string, unknown>) => JSON.stringify(e);

describe('sdk suite results', () => {
  it('counts Go tests per top-level test, naming a failing or hung subtest', () => {
    const text = [
      goEvent({ Action: 'run', Test: 'TestA' }),
      goEvent({ Action: 'pass', Test: 'TestA', Elapsed: 0.1 }),
      goEvent({ Action: 'run', Test: 'TestB' }),
      goEvent({ Action: 'run', Test: 'TestB/json' }),
      goEvent({ Action: 'output', Test: 'TestB/json', Output: '    b_test.go:12: no delta\n' }),
      'panic: test timed out after 60s',
      goEvent({ Action: 'run', Test: 'TestC' }),
      goEvent({ Action: 'output', Test: 'TestC', Output: '    c_test.go:3: got 1 calls\n' }),
      goEvent({ Action: 'fail', Test: 'TestC', Elapsed: 2 }),
    ].join('\n');
    const outcomes = parseGo(text);
    assert.deepEqual(
      outcomes.map((o) => [o.name, o.status]),
      [
        ['TestA', 'pass'],
        ['TestB', 'fail'],
        ['TestC', 'fail'],
      ],
    );
    assert.match(outcomes[1]?.detail ?? '', /^json: b_test\.go:12: no delta \(then hung/);
    assert.equal(outcomes[2]?.detail, 'c_test.go:3: got 1 calls');
    assert.equal(countLine('go', outcomes), 'go: 1 passed, 2 failed');
  });

  it('counts a Python method once when its subtests failed, keeping the exception line', () => {
    const line = (name: string, status: string, detail = '') =>
      JSON.stringify({ name, status, seconds: 1, detail });
    const text = [
      line('t.C.test_ok', 'pass'),
      line('t.C.test_subs', 'fail', 'Traceback\n  ...\n(use_protobuf=False): CancelledError'),
      line('t.C.test_subs', 'fail', 'Traceback\n  ...\nTimeoutError: bound'),
      line('t.C.test_skip', 'skip', 'no server'),
    ].join('\n');
    const outcomes = parsePython(text);
    assert.equal(outcomes.length, 3);
    assert.equal(
      outcomes[1]?.detail,
      '(use_protobuf=False): CancelledError || TimeoutError: bound',
    );
    assert.equal(countLine('python', outcomes), 'python: 1 passed, 1 failed, 1 skipped');
  });

  it('names jest tests by file and titles, and counts a file that ran no test as a failure', () => {
    const text = JSON.stringify({
      testResults: [
        {
          name: '/cache/js/suite/src/a.test.ts',
          assertionResults: [
            { ancestorTitles: ['group'], title: 'works', status: 'passed', duration: 5 },
            {
              ancestorTitles: [],
              title: 'rpc',
              status: 'failed',
              failureMessages: [
                'Error: expect(received).toBe(expected)\n\nExpected: 108\nReceived: 104',
              ],
            },
          ],
        },
        { name: 'src/b.test.ts', message: 'jest wrote no results', assertionResults: [] },
      ],
    });
    const outcomes = parseJest(text);
    assert.deepEqual(
      outcomes.map((o) => [o.name, o.status]),
      [
        ['src/a.test.ts › group › works', 'pass'],
        ['src/a.test.ts › rpc', 'fail'],
        ['src/b.test.ts', 'fail'],
      ],
    );
    assert.equal(
      outcomes[1]?.detail,
      'Error: expect(received).toBe(expected) Expected: 108 Received: 104',
    );
  });

  it('reads the key a config error of this node names', () => {
    assert.equal(
      refusedKey('error: unknown config key "channel.namespaces.0.map": remove it'),
      'channel.namespaces.0.map',
    );
    assert.equal(refusedKey('error: not supported yet: http_stream'), 'http_stream');
    assert.equal(
      refusedKey('error: config key "channel.namespaces" must be a list, got "a b"'),
      'channel.namespaces',
    );
    assert.equal(refusedKey('error: cannot bind'), undefined);
  });
});
