import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { type LoginCounter, LoginGuard } from './login-guard.ts';

function setup(password = 'right', secret = 'sec') {
  let now = 1_000_000;
  const counts: Record<string, number> = {};
  const counter: LoginCounter = {
    inc: ({ result }) => {
      counts[result] = (counts[result] ?? 0) + 1;
    },
  };
  const lines: Array<{ msg: string; moreSinceLastLine?: number }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const guard = new LoginGuard({
    password,
    secret,
    counter,
    logger,
    nowMs: () => now,
    limit: { burst: 3, refillMs: 1000 },
  });
  return { guard, counts, lines, advance: (ms: number) => (now += ms) };
}

describe('LoginGuard', () => {
  it('takes a burst of wrong passwords, then refuses every login until the bucket refills', () => {
    const { guard, counts, advance } = setup();
    for (let i = 0; i < 3; i++) assert.equal(guard.attempt('wrong', 'r').result, 'wrong_password');
    const limited = guard.attempt('right', 'r');
    assert.deepEqual(limited, { result: 'rate_limited', retryAfterS: 1 });
    advance(999);
    assert.equal(guard.attempt('right', 'r').result, 'rate_limited');
    advance(1);
    assert.equal(guard.attempt('right', 'r').result, 'success', 'a right password does not spend');
    assert.equal(guard.attempt('wrong', 'r').result, 'wrong_password');
    assert.equal(guard.attempt('wrong', 'r').result, 'rate_limited');
    assert.deepEqual(counts, { wrong_password: 4, rate_limited: 3, success: 1 });
  });

  it('logs wrong passwords once per burst, without the password', () => {
    const { guard, lines, advance } = setup();
    for (let i = 0; i < 5; i++) guard.attempt('hunter2', '10.0.0.1');
    const refusals = lines.filter((l) => l.msg.startsWith('admin login'));
    assert.deepEqual(
      refusals.map((l) => l.msg),
      ['admin login refused: wrong password', 'admin logins refused: too many wrong passwords'],
    );
    assert.ok(!JSON.stringify(lines).includes('hunter2'));
    advance(61_000);
    guard.attempt('hunter2', '10.0.0.1');
    const last = lines.at(-1);
    assert.equal(last?.msg, 'admin login refused: wrong password');
    assert.equal(last?.moreSinceLastLine, 2, 'the two left out are counted');
  });

  it('refuses every login without both password and secret', () => {
    for (const [password, secret] of [
      ['', 'sec'],
      ['pw', ''],
    ] as const) {
      const { guard } = setup(password, secret);
      assert.equal(guard.attempt(password, 'r').result, 'not_configured');
    }
  });
});
