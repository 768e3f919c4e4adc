import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkQueue } from './work-queue.ts';

test('adds of one key coalesce; one run per key at a time, re-run if added meanwhile', async () => {
  const runs: string[] = [];
  let active = 0;
  let maxActive = 0;
  const queue = new WorkQueue(
    async (key) => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      runs.push(key);
      await sleep(30);
      active -= 1;
      return undefined;
    },
    { workers: 4 },
  );
  queue.add('a');
  queue.add('a');
  queue.add('a');
  queue.start();
  await sleep(5);
  queue.add('a'); // while running: once more afterwards, not concurrently
  queue.add('a');
  await sleep(120);
  assert.deepEqual(runs, ['a', 'a']);
  assert.equal(maxActive, 1);
  await queue.close();
});

test('different keys run in parallel up to the worker count', async () => {
  let active = 0;
  let maxActive = 0;
  const queue = new WorkQueue(
    async () => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      await sleep(20);
      active -= 1;
      return undefined;
    },
    { workers: 2 },
  );
  queue.start();
  for (const k of ['a', 'b', 'c', 'd', 'e']) queue.add(k);
  await sleep(100);
  assert.equal(maxActive, 2);
  await queue.close();
});

test('failures back off exponentially per key; a success resets the backoff', async () => {
  const times: number[] = [];
  const errors: number[] = [];
  let calls = 0;
  const queue = new WorkQueue(
    async () => {
      times.push(Date.now());
      calls += 1;
      if (calls <= 3) throw new Error('transient');
      return undefined;
    },
    { baseDelayMs: 20, maxDelayMs: 1000, onError: (_k, _e, delay) => errors.push(delay) },
  );
  queue.start();
  queue.add('x');
  await sleep(300);
  assert.equal(calls, 4);
  assert.equal(errors.length, 3);
  // 20, 40, 80 ms with +-20% jitter.
  assert.ok(errors[0] !== undefined && errors[0] >= 16 && errors[0] <= 24, String(errors));
  assert.ok(errors[2] !== undefined && errors[2] >= 64 && errors[2] <= 96, String(errors));
  const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
  assert.ok((gaps[2] as number) > (gaps[0] as number), `gaps grow: ${gaps}`);
  await queue.close();
});

test('requeueAfter runs the key again later; forget drops pending retries', async () => {
  let calls = 0;
  const queue = new WorkQueue(async () => {
    calls += 1;
    return calls === 1 ? { requeueAfterMs: 30 } : undefined;
  });
  queue.start();
  queue.add('k');
  await sleep(10);
  assert.equal(calls, 1);
  await sleep(60);
  assert.equal(calls, 2);

  let other = 0;
  const q2 = new WorkQueue(async () => {
    other += 1;
    return { requeueAfterMs: 20 };
  });
  q2.start();
  q2.add('gone');
  await sleep(5);
  q2.forget('gone');
  await sleep(60);
  assert.equal(other, 1);
  await queue.close();
  await q2.close();
});

test('close waits for the runs in flight and takes no more work', async () => {
  let finished = false;
  let calls = 0;
  const queue = new WorkQueue(async () => {
    calls += 1;
    await sleep(40);
    finished = true;
    return undefined;
  });
  queue.start();
  queue.add('a');
  await sleep(5);
  await queue.close();
  assert.equal(finished, true);
  queue.add('b');
  await sleep(20);
  assert.equal(calls, 1);
});
