import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { Broker } from '../engine/index.ts';
import { AdminInspector, type TraceEvent } from './admin-inspector.ts';
import { Hub, type HubSession } from './hub.ts';

/** The broker interest the hub expresses; nothing else is called in these tests. */
function interestBroker() {
  const subscribed = new Set<string>();
  const broker = {
    subscribe: async (channel: string) => {
      subscribed.add(channel);
    },
    unsubscribe: async (channel: string) => {
      subscribed.delete(channel);
    },
  } as unknown as Broker;
  return { broker, subscribed };
}

function subscriber(id: string): HubSession {
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
    const { broker, subscribed } = interestBroker();
    const hub = new Hub(broker, pino({ level: 'silent' }));
    const inspector = new AdminInspector(hub);
    const events: TraceEvent[] = [];
    const stop = await inspector.traceChannel('news', (e) => events.push(e));
    assert.ok(subscribed.has('news'), 'the trace subscribes the broker');
    assert.deepEqual(hub.counts(), { numClients: 0, numUsers: 0, numSubs: 0, numChannels: 0 });
    assert.deepEqual([...hub.channelCounts()], []);

    const reader = subscriber('c1');
    await hub.addSubscriber('news', reader);
    assert.equal(hub.counts().numSubs, 1);
    assert.equal(hub.counts().numChannels, 1);
    assert.deepEqual([...hub.channelCounts()], [['news', 1]]);

    hub.handlePublication('news', { offset: 3, data: data({ a: 1 }) }, { offset: 3, epoch: 'e' });
    hub.handleJoin('news', { client: 'c9', user: 'join' });
    hub.handleLeave('news', { client: 'c9', user: 'join' });
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
    assert.equal(hub.counts().numSubs, 1);
    hub.handlePublication('news', { offset: 4, data: data({ a: 2 }) }, { offset: 4, epoch: 'e' });
    assert.equal(events.length, 3, 'a stopped trace sees nothing');
    await hub.removeSubscriber('news', reader);
    assert.ok(!subscribed.has('news'));
  });

  it('unsubscribes the broker when the last trace of an otherwise empty channel stops', async () => {
    const { broker, subscribed } = interestBroker();
    const hub = new Hub(broker, pino({ level: 'silent' }));
    const inspector = new AdminInspector(hub);
    const stopA = await inspector.traceChannel('x', () => {});
    const stopB = await inspector.traceChannel('x', () => {});
    await stopA();
    assert.ok(subscribed.has('x'));
    await stopB();
    assert.ok(!subscribed.has('x'));
    assert.deepEqual(hub.counts(), { numClients: 0, numUsers: 0, numSubs: 0, numChannels: 0 });
  });
});
