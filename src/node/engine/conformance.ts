// The engine contract as tests. Every engine runs this suite unchanged: the memory engine
// in its unit tests, the NATS engine against a real nats-server. TTLs here are real time,
// kept short, so an engine that cannot fake its clock still passes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnrecoverablePositionError } from './errors.ts';
import type {
  BrokerEventHandler,
  ClientInfo,
  Engine,
  Publication,
  PublishOptions,
  StreamPosition,
} from './types.ts';

export interface EngineUnderTest {
  engine: Engine;
  /** Extra teardown beyond engine.close() (servers, temp dirs). */
  cleanup?: () => Promise<void>;
}

interface Recorded {
  publications: Array<{
    channel: string;
    pub: Publication;
    position: StreamPosition;
    prev: Publication | undefined;
  }>;
  joins: Array<{ channel: string; info: ClientInfo }>;
  leaves: Array<{ channel: string; info: ClientInfo }>;
  controls: Uint8Array[];
}

const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);
const withHistory = (size: number, ttlMs = 60_000): PublishOptions => ({
  historySize: size,
  historyTtlMs: ttlMs,
  historyMetaTtlMs: 0,
});
const noHistory: PublishOptions = { historySize: 0, historyTtlMs: 0, historyMetaTtlMs: 0 };
const all = { limit: -1, reverse: false };

async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export function describeEngine(name: string, create: () => Promise<EngineUnderTest>): void {
  describe(`engine conformance: ${name}`, () => {
    let under: EngineUnderTest;
    let rec: Recorded;
    let n = 0;
    // A fresh channel per test keeps tests independent without restarting the engine.
    const channel = (label: string) => `conf_${label}_${process.pid}_${Date.now()}_${++n}`;

    before(async () => {
      under = await create();
      rec = { publications: [], joins: [], leaves: [], controls: [] };
      const handler: BrokerEventHandler = {
        handlePublication: (ch, pub, position, prev) =>
          rec.publications.push({ channel: ch, pub, position, prev }),
        handleJoin: (ch, info) => rec.joins.push({ channel: ch, info }),
        handleLeave: (ch, info) => rec.leaves.push({ channel: ch, info }),
        handleControl: (data) => rec.controls.push(data),
      };
      await under.engine.broker.start(handler);
    });

    after(async () => {
      await under.engine.close();
      await under.cleanup?.();
    });

    const delivered = (ch: string) => rec.publications.filter((p) => p.channel === ch);

    it('delivers to a subscribed node in order, and not after unsubscribe', async () => {
      const { broker } = under.engine;
      const ch = channel('order');
      await broker.subscribe(ch);
      for (let i = 1; i <= 20; i++) await broker.publish(ch, text(`m${i}`), withHistory(100));
      await waitFor(() => delivered(ch).length === 20, '20 deliveries');
      assert.deepEqual(
        delivered(ch).map((d) => decode(d.pub.data)),
        Array.from({ length: 20 }, (_, i) => `m${i + 1}`),
      );
      assert.deepEqual(
        delivered(ch).map((d) => d.pub.offset),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      assert.equal(new Set(delivered(ch).map((d) => d.position.epoch)).size, 1);
      await broker.unsubscribe(ch);
      await broker.publish(ch, text('late'), withHistory(100));
      await sleep(100);
      assert.equal(delivered(ch).length, 20);
    });

    it('publishes without history: offset 0, empty epoch, still delivered', async () => {
      const { broker } = under.engine;
      const ch = channel('nohist');
      await broker.subscribe(ch);
      const res = await broker.publish(ch, text('x'), noHistory);
      assert.deepEqual(res.position, { offset: 0, epoch: '' });
      await waitFor(() => delivered(ch).length === 1, 'delivery');
      const hist = await broker.history(ch, { filter: all, metaTtlMs: 0 });
      assert.deepEqual(hist.publications, []);
    });

    it('keeps gap-free offsets and one epoch, with tags and client info', async () => {
      const { broker } = under.engine;
      const ch = channel('offsets');
      const info: ClientInfo = { user: 'u1', client: 'c1', connInfo: text('{"a":1}') };
      const first = await broker.publish(ch, text('{"n":1}'), withHistory(10));
      const second = await broker.publish(ch, text('{"n":2}'), {
        ...withHistory(10),
        tags: { k: 'v' },
        clientInfo: info,
      });
      assert.equal(first.position.offset, 1);
      assert.equal(second.position.offset, 2);
      assert.equal(first.position.epoch, second.position.epoch);
      assert.notEqual(first.position.epoch, '');
      const hist = await broker.history(ch, { filter: all, metaTtlMs: 0 });
      assert.deepEqual(hist.position, second.position);
      assert.deepEqual(
        hist.publications.map((p) => [p.offset, decode(p.data)]),
        [
          [1, '{"n":1}'],
          [2, '{"n":2}'],
        ],
      );
      assert.deepEqual(hist.publications[1]?.tags, { k: 'v' });
      assert.equal(hist.publications[1]?.info?.user, 'u1');
      assert.equal(decode(hist.publications[1]?.info?.connInfo ?? new Uint8Array()), '{"a":1}');
    });

    it('answers since, limit and reverse, and 112 for another epoch only', async () => {
      const { broker } = under.engine;
      const ch = channel('filter');
      let top: StreamPosition = { offset: 0, epoch: '' };
      for (let i = 1; i <= 8; i++)
        top = (await broker.publish(ch, text(`${i}`), withHistory(5))).position;
      const offsets = async (filter: Parameters<typeof broker.history>[1]['filter']) =>
        (await broker.history(ch, { filter, metaTtlMs: 0 })).publications.map((p) => p.offset);
      assert.deepEqual(await offsets(all), [4, 5, 6, 7, 8]);
      assert.deepEqual(await offsets({ limit: 2, reverse: false }), [4, 5]);
      assert.deepEqual(await offsets({ limit: 2, reverse: true }), [8, 7]);
      assert.deepEqual(await offsets({ limit: 0, reverse: false }), []);
      const since = (offset: number, epoch = top.epoch) => ({ offset, epoch });
      assert.deepEqual(await offsets({ limit: -1, since: since(5), reverse: false }), [6, 7, 8]);
      assert.deepEqual(
        await offsets({ limit: -1, since: since(3), reverse: false }),
        [4, 5, 6, 7, 8],
      );
      assert.deepEqual(await offsets({ limit: -1, since: since(8), reverse: false }), []);
      assert.deepEqual(await offsets({ limit: 2, since: since(6), reverse: true }), [5, 4]);
      // A lost start: the oldest retained onwards (recovery checks continuity itself).
      assert.deepEqual(
        await offsets({ limit: -1, since: since(2), reverse: false }),
        [4, 5, 6, 7, 8],
      );
      assert.deepEqual(await offsets({ limit: -1, since: since(9), reverse: false }), []);
      await assert.rejects(
        offsets({ limit: -1, since: since(6, 'not-the-epoch'), reverse: false }),
        UnrecoverablePositionError,
      );
    });

    it('answers every window of channels published into in turns, trimmed to history_size', async () => {
      // Channels of one namespace share a store in some engines (a NATS stream): reading one
      // channel's window must not depend on how the others' publications fall between.
      const { broker } = under.engine;
      const size = 25;
      const chans = [channel('turns_a'), channel('turns_b'), channel('turns_c')];
      const tops = new Map<string, StreamPosition>();
      for (let round = 0; round < 40; round++) {
        for (const [i, ch] of chans.entries()) {
          for (let k = 0; k <= (i * round) % 3; k++) {
            const res = await broker.publish(ch, text(`${ch}-${round}-${k}`), withHistory(size));
            tops.set(ch, res.position);
          }
        }
      }
      for (const ch of chans) {
        const top = tops.get(ch) as StreamPosition;
        const first = Math.max(1, top.offset - size + 1);
        const range = (from: number, to: number) =>
          Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
        const offsets = async (filter: Parameters<typeof broker.history>[1]['filter']) =>
          (await broker.history(ch, { filter, metaTtlMs: 0 })).publications.map((p) => p.offset);
        const since = (offset: number) => ({ offset, epoch: top.epoch });
        assert.deepEqual(await offsets(all), range(first, top.offset), `${ch}: all`);
        assert.deepEqual(await offsets({ limit: 0, reverse: false }), []);
        for (const back of [1, 2, 7, size - 1, size]) {
          const from = top.offset - back;
          assert.deepEqual(
            await offsets({ limit: -1, since: since(from), reverse: false }),
            range(from + 1, top.offset),
            `${ch}: since ${from}`,
          );
          assert.deepEqual(
            await offsets({ limit: 3, since: since(from), reverse: false }),
            range(from + 1, Math.min(top.offset, from + 3)),
            `${ch}: since ${from}, limit 3`,
          );
          assert.deepEqual(
            await offsets({ limit: 4, since: since(from + 1), reverse: true }),
            range(Math.max(first, from - 3), from).reverse(),
            `${ch}: before ${from + 1}, reversed, limit 4`,
          );
        }
        assert.deepEqual(await offsets({ limit: 2, reverse: false }), [first, first + 1]);
        assert.deepEqual(await offsets({ limit: 2, reverse: true }), [top.offset, top.offset - 1]);
        // A position whose successor is no longer retained gets what is (no 112 here, as in
        // Centrifugo): recovery tells the gap from the first offset.
        assert.deepEqual(
          await offsets({ limit: -1, since: since(first - 2), reverse: false }),
          range(first, top.offset),
          `${ch}: since ${first - 2}, no longer retained`,
        );
      }
    });

    it('gives a never-published channel a position that the first publish keeps', async () => {
      const { broker } = under.engine;
      const ch = channel('fresh');
      const empty = await broker.history(ch, { filter: all, metaTtlMs: 0 });
      assert.equal(empty.position.offset, 0);
      const res = await broker.publish(ch, text('1'), withHistory(10));
      assert.deepEqual(res.position, { offset: 1, epoch: empty.position.epoch });
    });

    it('expires publications after history_ttl but keeps the position', async () => {
      const { broker } = under.engine;
      const ch = channel('ttl');
      await broker.publish(ch, text('1'), withHistory(10, 300));
      const { position } = await broker.publish(ch, text('2'), withHistory(10, 300));
      await sleep(700);
      const hist = await broker.history(ch, { filter: all, metaTtlMs: 0 });
      assert.deepEqual(hist.publications, []);
      assert.deepEqual(hist.position, position);
      const next = await broker.publish(ch, text('3'), withHistory(10, 300));
      assert.deepEqual(next.position, { offset: 3, epoch: position.epoch });
    });

    it('removes history but keeps the position', async () => {
      const { broker } = under.engine;
      const ch = channel('remove');
      await broker.publish(ch, text('1'), withHistory(10));
      const { position } = await broker.publish(ch, text('2'), withHistory(10));
      await broker.removeHistory(ch);
      const hist = await broker.history(ch, { filter: all, metaTtlMs: 0 });
      assert.deepEqual(hist.publications, []);
      assert.deepEqual(hist.position, position);
    });

    it('publishes an idempotency key once and repeats the first result', async () => {
      const { broker } = under.engine;
      const ch = channel('idem');
      await broker.subscribe(ch);
      const opts = { ...withHistory(10), idempotencyKey: 'key-1' };
      const first = await broker.publish(ch, text('1'), opts);
      const again = await broker.publish(ch, text('1'), opts);
      assert.equal(first.suppressed, false);
      assert.equal(again.suppressed, true);
      assert.deepEqual(again.position, first.position);
      const other = await broker.publish(ch, text('2'), { ...opts, idempotencyKey: 'key-2' });
      assert.equal(other.position.offset, 2);
      await waitFor(() => delivered(ch).length === 2, 'two deliveries');
      await sleep(100);
      assert.equal(delivered(ch).length, 2);
    });

    it('drops a publication whose version is not newer, as Centrifugo does', async () => {
      // The same sequence as against Centrifugo v6.9.1 (memory engine, history_size 10):
      // what it stored, and what each publish answered, is asserted here.
      const { broker } = under.engine;
      const ch = channel('version');
      await broker.subscribe(ch);
      const steps: Array<[string, number | undefined, string | undefined, number, boolean]> = [
        // data, version, version epoch, offset answered, suppressed
        ['v1', 1, undefined, 1, false],
        ['v3', 3, undefined, 2, false],
        ['v2', 2, undefined, 2, true],
        ['v3-again', 3, undefined, 2, true],
        ['v4', 4, undefined, 3, false],
        // Another epoch starts its own count.
        ['e2-2', 2, 'e2', 4, false],
        ['e2-2-again', 2, 'e2', 4, true],
        // No epoch: compared with the last version, whatever its epoch.
        ['any-2', 2, undefined, 4, true],
        ['any-3', 3, undefined, 5, false],
        // No version: stored, and the last version becomes 0.
        ['none', undefined, undefined, 6, false],
        ['after-none-1', 1, undefined, 7, false],
      ];
      let epoch = '';
      for (const [data, version, versionEpoch, offset, suppressed] of steps) {
        const res = await broker.publish(ch, text(data), {
          ...withHistory(10),
          version,
          versionEpoch,
        });
        epoch ||= res.position.epoch;
        assert.deepEqual(res.position, { offset, epoch }, data);
        assert.equal(res.suppressed, suppressed, data);
        assert.equal(res.suppressReason, suppressed ? 'version' : undefined, data);
      }
      const stored = ['v1', 'v3', 'v4', 'e2-2', 'any-3', 'none', 'after-none-1'];
      const hist = await broker.history(ch, { filter: all, metaTtlMs: 0 });
      assert.deepEqual(
        hist.publications.map((p) => decode(p.data)),
        stored,
      );
      await waitFor(() => delivered(ch).length === stored.length, 'deliveries');
      await sleep(100);
      assert.deepEqual(
        delivered(ch).map((d) => decode(d.pub.data)),
        stored,
      );
    });

    it('keeps the last version through removeHistory and history_ttl, ignores it without history', async () => {
      const { broker } = under.engine;
      const removed = channel('version_removed');
      await broker.publish(removed, text('5'), { ...withHistory(10), version: 5 });
      await broker.removeHistory(removed);
      const afterRemove = await broker.publish(removed, text('4'), {
        ...withHistory(10),
        version: 4,
      });
      assert.equal(afterRemove.suppressReason, 'version');
      assert.equal(afterRemove.position.offset, 1);

      const expired = channel('version_expired');
      await broker.publish(expired, text('5'), {
        ...withHistory(10, 300),
        version: 5,
        versionEpoch: 'e',
      });
      await sleep(700);
      const afterTtl = await broker.publish(expired, text('4'), {
        ...withHistory(10, 300),
        version: 4,
        versionEpoch: 'e',
      });
      assert.equal(afterTtl.suppressReason, 'version');
      const newer = await broker.publish(expired, text('6'), {
        ...withHistory(10, 300),
        version: 6,
        versionEpoch: 'e',
      });
      assert.deepEqual([newer.suppressed, newer.position.offset], [false, 2]);

      const plain = channel('version_plain');
      await broker.subscribe(plain);
      for (const version of [5, 1]) {
        const res = await broker.publish(plain, text(`${version}`), { ...noHistory, version });
        assert.equal(res.suppressed, false);
      }
      await waitFor(() => delivered(plain).length === 2, 'both deliveries without history');
    });

    it('does not remember a version-dropped publish for its idempotency key', async () => {
      // As Centrifugo: the result is remembered only for what was stored, so a retry with the
      // same key and a newer version is stored, and a repeat of that is suppressed.
      const { broker } = under.engine;
      const ch = channel('version_idem');
      await broker.publish(ch, text('3'), { ...withHistory(10), version: 3 });
      const keyed = { ...withHistory(10), idempotencyKey: 'k' };
      const stale = await broker.publish(ch, text('2'), { ...keyed, version: 2 });
      assert.equal(stale.suppressReason, 'version');
      const fresh = await broker.publish(ch, text('4'), { ...keyed, version: 4 });
      assert.deepEqual([fresh.suppressed, fresh.position.offset], [false, 2]);
      const repeat = await broker.publish(ch, text('5'), { ...keyed, version: 5 });
      assert.equal(repeat.suppressReason, 'idempotency');
      assert.equal(repeat.position.offset, 2);
    });

    it('hands a delta publish its previous publication, and the version to subscribers', async () => {
      const { broker } = under.engine;
      const ch = channel('delta');
      await broker.subscribe(ch);
      await broker.publish(ch, text('one'), { ...withHistory(10), delta: true });
      await broker.publish(ch, text('two'), { ...withHistory(10), delta: true, version: 7 });
      await broker.publish(ch, text('three'), withHistory(10));
      await broker.publish(ch, text('four'), { ...withHistory(10), delta: true });
      const plain = channel('delta_plain');
      await broker.subscribe(plain);
      await broker.publish(plain, text('a'), { ...noHistory, delta: true, version: 3 });
      await broker.publish(plain, text('b'), { ...noHistory, delta: true });
      await waitFor(
        () => delivered(ch).length === 4 && delivered(plain).length === 2,
        'deliveries',
      );
      // The first has no previous one, a publish without delta gets none.
      assert.deepEqual(
        delivered(ch).map((d) => (d.prev ? decode(d.prev.data) : undefined)),
        [undefined, 'one', undefined, 'three'],
      );
      assert.equal(delivered(ch)[3]?.prev?.offset, 3);
      assert.deepEqual(
        delivered(ch).map((d) => d.pub.version),
        [undefined, 7, undefined, undefined],
      );
      // Without history there is no previous publication; the version still travels.
      assert.deepEqual(
        delivered(plain).map((d) => [d.prev, d.pub.version]),
        [
          [undefined, 3],
          [undefined, undefined],
        ],
      );
      const hist = await broker.history(ch, { filter: all, metaTtlMs: 0 });
      assert.deepEqual(
        hist.publications.map((p) => p.version),
        [undefined, 7, undefined, undefined],
      );
    });

    it('delivers join, leave and control messages', async () => {
      const { broker } = under.engine;
      const ch = channel('joinleave');
      const info: ClientInfo = { user: 'u', client: 'c' };
      await broker.subscribe(ch);
      await broker.publishJoin(ch, info);
      await broker.publishLeave(ch, info);
      await waitFor(
        () => rec.joins.some((j) => j.channel === ch) && rec.leaves.some((l) => l.channel === ch),
        'join and leave',
      );
      assert.deepEqual(rec.joins.find((j) => j.channel === ch)?.info, info);
      const before = rec.controls.length;
      await broker.publishControl(text(`control-${ch}`));
      await waitFor(() => rec.controls.length > before, 'control');
      assert.ok(rec.controls.some((c) => decode(c) === `control-${ch}`));
    });

    it('keeps presence per client and counts users', async () => {
      const { presence } = under.engine;
      const ch = channel('presence');
      await presence.addPresence(ch, 'c1', { user: 'u1', client: 'c1' });
      await presence.addPresence(ch, 'c2', { user: 'u1', client: 'c2' });
      await presence.addPresence(ch, 'c3', { user: 'u2', client: 'c3' });
      assert.deepEqual(await presence.presenceStats(ch), { numClients: 3, numUsers: 2 });
      const entries = await presence.presence(ch);
      assert.deepEqual([...entries.keys()].sort(), ['c1', 'c2', 'c3']);
      assert.equal(entries.get('c3')?.user, 'u2');
      await presence.removePresence(ch, 'c1', 'u1');
      await presence.removePresence(ch, 'c3', 'u2');
      assert.deepEqual(await presence.presenceStats(ch), { numClients: 1, numUsers: 1 });
      await presence.removePresence(ch, 'c2', 'u1');
      assert.equal((await presence.presence(ch)).size, 0);
    });
  });
}
