import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateConfig } from '../config/index.ts';
import { ChannelRules, type HubClient, LocalNode, Node } from '../core/index.ts';
import { createLogger, NodeMetrics } from '../observability/index.ts';
import { AdminInspector, type TraceEvent } from './admin-inspector.ts';

/** A Node whose broker records the interest it is given; nothing else is called in these tests. */
function interestNode() {
  const subscribed = new Set<string>();
  const broker = {
    subscribe: async (channel: string) => {
      subscribed.add(channel);
    },
    unsubscribe: async (channel: string) => {
      subscribed.delete(channel);
    },
  };
  const node = new Node({
    local: new LocalNode({ name: 'test', version: 'test' }),
    engine: { broker } as unknown as ConstructorParameters<typeof Node>[0]['engine'],
    rules: new ChannelRules(validateConfig({}).channel),
    metrics: new NodeMetrics('test'),
    logger: createLogger({ level: 'none', file: '' }),
    recoveryMaxPublicationLimit: 0,
    positionCheckIntervalMs: 60_000,
  });
  return { node, subscribed };
}

function subscriber(id: string): HubClient {
  return {
    id,
    user: 'u',
    sessionId: '',
    onPublication() {},
    onJoinLeave() {},
    close() {},
    serverSubscribe: async () => {},
    serverUnsubscribe: async () => {},
    serverRefresh: async () => {},
    isPositioned: () => false,
    checkPosition() {},
  };
}

const data = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('AdminInspector channel traces', () => {
  it('see what the hub fans out, keep the broker subscribed, and count as no subscriber', async () => {
    const { node, subscribed } = interestNode();
    const inspector = new AdminInspector(node);
    const events: TraceEvent[] = [];
    const stop = await inspector.traceChannel('news', (e) => events.push(e));
    assert.ok(subscribed.has('news'), 'the trace subscribes the broker');
    assert.deepEqual(node.counts(), { numClients: 0, numUsers: 0, numSubs: 0, numChannels: 0 });
    assert.deepEqual([...node.hub.channelCounts()], []);

    const reader = subscriber('c1');
    await node.addSubscription('news', reader);
    assert.equal(node.counts().numSubs, 1);
    assert.equal(node.counts().numChannels, 1);
    assert.deepEqual([...node.hub.channelCounts()], [['news', 1]]);

    node.handlePublication('news', { offset: 3, data: data({ a: 1 }) }, { offset: 3, epoch: 'e' });
    node.handleJoin('news', { client: 'c9', user: 'join' });
    node.handleLeave('news', { client: 'c9', user: 'join' });
    assert.deepEqual(
      events.map((e) => [e.type, 'offset' in e ? e.offset : undefined]),
      [
        ['publication', 3],
        ['join', undefined],
        ['leave', undefined],
      ],
    );
    assert.match((events[0] as { frame: string }).frame, /^\{"push":\{"channel":"news","pub":/);

    await stop();
    await stop();
    assert.ok(subscribed.has('news'), 'the real subscriber still needs the channel');
    assert.equal(node.counts().numSubs, 1);
    node.handlePublication('news', { offset: 4, data: data({ a: 2 }) }, { offset: 4, epoch: 'e' });
    assert.equal(events.length, 3, 'a stopped trace sees nothing');
    await node.removeSubscription('news', reader);
    assert.ok(!subscribed.has('news'));
  });

  it('unsubscribes the broker when the last trace of an otherwise empty channel stops', async () => {
    const { node, subscribed } = interestNode();
    const inspector = new AdminInspector(node);
    const stopA = await inspector.traceChannel('x', () => {});
    const stopB = await inspector.traceChannel('x', () => {});
    await stopA();
    assert.ok(subscribed.has('x'));
    await stopB();
    assert.ok(!subscribed.has('x'));
    assert.deepEqual(node.counts(), { numClients: 0, numUsers: 0, numSubs: 0, numChannels: 0 });
  });
});
