import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { validateConfig } from '../config/index.ts';
import { MemoryEngine } from '../engine/index.ts';
import { createLogger, NodeMetrics } from '../observability/index.ts';
import { ChannelRules } from './channel-rules.ts';
import type { HubClient } from './hub.ts';
import { LocalNode } from './local-node.ts';
import { Node } from './node.ts';

const config = validateConfig({
  channel: {
    without_namespace: { history_size: 10, history_ttl: '60s' },
    namespaces: [{ name: 'plain' }],
  },
});
const rules = new ChannelRules(config.channel);
const news = rules.resolve('news') ?? assert.fail('news resolves');
const plain = rules.resolve('plain:x') ?? assert.fail('plain resolves');
const data = (text: string) => new TextEncoder().encode(text);

let closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closing.map((c) => c()));
  closing = [];
});

function nodeOn(engine = new MemoryEngine(), recoveryLimit = 0) {
  const metrics = new NodeMetrics('test');
  const node = new Node({
    local: new LocalNode({ name: 'n', version: 'test' }),
    engine,
    rules,
    metrics,
    logger: createLogger({ level: 'none', file: '' }),
    recoveryMaxPublicationLimit: recoveryLimit,
    positionCheckIntervalMs: 60_000,
  });
  closing.push(() => node.close());
  return { node, engine, metrics };
}

function client(id: string): HubClient & { got: number[] } {
  const got: number[] = [];
  return {
    id,
    user: 'u',
    sessionId: '',
    got,
    onPublication: (_channel, publication) => got.push(publication.pub.offset),
    onJoinLeave: () => {},
    close: () => {},
    serverSubscribe: async () => {},
    serverUnsubscribe: async () => {},
    serverRefresh: async () => {},
    isPositioned: () => true,
    checkPosition: () => {},
  };
}

async function sent(metrics: NodeMetrics, type: string): Promise<number> {
  const { values } = await metrics.messagesSent.get();
  return values.find((v) => v.labels.type === type)?.value ?? 0;
}

describe('Node', () => {
  it('subscribes the broker for the first local subscriber and unsubscribes after the last', async () => {
    const { node, engine } = nodeOn();
    const calls: string[] = [];
    const { subscribe, unsubscribe } = engine.broker;
    engine.broker.subscribe = (ch) => {
      calls.push(`sub ${ch}`);
      return subscribe.call(engine.broker, ch);
    };
    engine.broker.unsubscribe = (ch) => {
      calls.push(`unsub ${ch}`);
      return unsubscribe.call(engine.broker, ch);
    };
    await node.start();
    const a = client('a');
    const b = client('b');
    await Promise.all([node.addSubscription('news', a), node.addSubscription('news', b)]);
    await node.publish('news', news, data('1'));
    assert.deepEqual([a.got, b.got], [[1], [1]], 'both receive, one encode each');
    await node.removeSubscription('news', a);
    await node.removeSubscription('news', b);
    assert.deepEqual(calls, ['sub news', 'unsub news']);
    assert.equal(node.counts().numChannels, 0);
  });

  it('rolls a failed broker subscribe back, with every subscriber that waited for it', async () => {
    const { node, engine } = nodeOn();
    let release: (err: Error) => void = () => {};
    engine.broker.subscribe = () => new Promise((_, reject) => (release = reject));
    await node.start();
    const first = node.addSubscription('news', client('a'));
    const second = node.addSubscription('news', client('b'));
    release(new Error('broker down'));
    await assert.rejects(first, /broker down/);
    await assert.rejects(second, /broker down/);
    assert.equal(node.counts().numSubs, 0);
    assert.equal(node.hub.hasSubscribers('news'), false);
  });

  it('derives stream options from the channel and counts every publish, client ones too', async () => {
    const { node, metrics } = nodeOn();
    await node.start();
    assert.deepEqual(await node.publish('news', news, data('1')), {
      offset: 1,
      epoch: (await node.streamTop('news', news)).epoch,
    });
    const info = { user: 'u', client: 'c' };
    await node.publish('news', news, data('2'), { clientInfo: info, tags: {} });
    assert.deepEqual(await node.publish('plain:x', plain, data('3')), { offset: 0, epoch: '' });
    const skipped = await node.publish('news', news, data('4'), { skipHistory: true });
    assert.equal(skipped.offset, 0, 'skip_history: nothing appended');
    assert.equal(await sent(metrics, 'publication'), 4);
    const { publications } = await node.history('news', news, { limit: -1, reverse: false });
    assert.deepEqual(
      publications.map((p) => [p.offset, p.info?.user, p.tags]),
      [
        [1, undefined, undefined],
        [2, 'u', undefined],
      ],
    );
  });

  it('recovers in one read, and says why not when it cannot', async () => {
    const { node, engine } = nodeOn(new MemoryEngine(), 3);
    await node.start();
    for (let i = 1; i <= 5; i++) await node.publish('news', news, data(String(i)));
    const top = await node.streamTop('news', news);
    let reads = 0;
    const history = engine.broker.history.bind(engine.broker);
    engine.broker.history = (ch, o) => {
      reads++;
      return history(ch, o);
    };

    const ok = await node.recover('news', news, { offset: 3, epoch: top.epoch });
    assert.deepEqual(
      [ok.recovered, ok.publications.map((p) => p.offset), ok.top],
      [true, [4, 5], top],
    );
    assert.equal(reads, 1, 'the top comes with the publications');

    const atTop = await node.recover('news', news, { offset: 5, epoch: top.epoch });
    assert.deepEqual([atTop.recovered, atTop.publications], [true, []]);
    const noEpoch = await node.recover('news', news, { offset: 4, epoch: '' });
    assert.deepEqual([noEpoch.recovered, noEpoch.publications.length], [true, 1]);

    const tooMany = await node.recover('news', news, { offset: 1, epoch: top.epoch });
    assert.deepEqual([tooMany.recovered, tooMany.publications, tooMany.top], [false, [], top]);
    const beyond = await node.recover('news', news, { offset: 9, epoch: top.epoch });
    assert.equal(beyond.recovered, false);

    reads = 0;
    const otherEpoch = await node.recover('news', news, { offset: 3, epoch: 'other' });
    assert.deepEqual([otherEpoch.recovered, otherEpoch.top], [false, top]);
    assert.equal(reads, 2, 'another epoch: the refused read, then the top');
  });

  it('sends commands to connections over the control bus and counts them', async () => {
    const { node, metrics } = nodeOn();
    await node.start();
    const closed: number[] = [];
    const c = { ...client('a'), close: (d: { code: number }) => closed.push(d.code) };
    node.addClient(c);
    const filter = { user: 'u', client: '', session: '' };
    await node.disconnectUser({ ...filter, code: 4000, reason: 'r', whitelist: [] });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(closed, [4000]);
    assert.equal(await sent(metrics, 'control'), 1);
  });
});
