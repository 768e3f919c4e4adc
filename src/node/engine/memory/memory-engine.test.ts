import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeEngine } from '../conformance.ts';
import { MemoryEngine } from './memory-engine.ts';

describeEngine('memory', async () => ({ engine: new MemoryEngine() }));

describe('memory engine clock', () => {
  const text = (s: string) => new TextEncoder().encode(s);
  const opts = { historySize: 10, historyTtlMs: 60_000, historyMetaTtlMs: 0 };

  it('starts a new epoch once the stream meta TTL has passed', async () => {
    let now = 1_000_000;
    const engine = new MemoryEngine({ historyMetaTtlMs: 5_000, now: () => now });
    const first = await engine.broker.publish('ch', text('1'), opts);
    now += 4_000;
    const kept = await engine.broker.publish('ch', text('2'), opts);
    assert.deepEqual(kept.position, { offset: 2, epoch: first.position.epoch });
    now += 6_000;
    const after = await engine.broker.publish('ch', text('3'), opts);
    assert.equal(after.position.offset, 1);
    assert.notEqual(after.position.epoch, first.position.epoch);
    await engine.close();
  });

  it('forgets an idempotency key after its TTL', async () => {
    let now = 0;
    const engine = new MemoryEngine({ now: () => now });
    const keyed = { ...opts, idempotencyKey: 'k', idempotentResultTtlMs: 1_000 };
    await engine.broker.publish('ch', text('1'), keyed);
    now += 500;
    assert.equal((await engine.broker.publish('ch', text('1'), keyed)).suppressed, true);
    now += 600;
    const again = await engine.broker.publish('ch', text('1'), keyed);
    assert.equal(again.suppressed, false);
    assert.equal(again.position.offset, 2);
    await engine.close();
  });

  it('trims to a smaller history_size on the next publish', async () => {
    const engine = new MemoryEngine();
    for (let i = 0; i < 100; i++) await engine.broker.publish('ch', text(`${i}`), opts);
    await engine.broker.publish('ch', text('last'), { ...opts, historySize: 2 });
    const hist = await engine.broker.history('ch', {
      filter: { limit: -1, reverse: false },
      metaTtlMs: 0,
    });
    assert.deepEqual(
      hist.publications.map((p) => p.offset),
      [100, 101],
    );
    await engine.close();
  });
});
