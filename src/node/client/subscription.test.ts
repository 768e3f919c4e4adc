// client.channel_position_max_time_lag on one subscription: a publication that reaches a
// positioned subscription later than the limit after it was published is not delivered; the
// subscription reports lost state instead. Publication times are set in the past, so no
// timing is involved.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Publication,
  PublicationPushes,
  type PushParts,
  type ResolvedChannel,
} from '../core/index.ts';
import { Subscription, type SubscriptionSink } from './subscription.ts';

class RecordingSink implements SubscriptionSink {
  readonly pushes: PushParts[] = [];
  lost = 0;
  readonly positionMaxTimeLagMs: number;
  constructor(positionMaxTimeLagMs: number) {
    this.positionMaxTimeLagMs = positionMaxTimeLagMs;
  }
  enqueuePush(push: PushParts): void {
    this.pushes.push(push);
  }
  insufficientState(): void {
    this.lost++;
  }
}

/** A positioned (or not) subscription still being set up, at epoch e1. */
function settingUp(sink: SubscriptionSink, positioned: boolean): Subscription {
  const sub = new Subscription(
    'ch',
    {} as ResolvedChannel,
    {
      serverSide: false,
      fromToken: false,
      recoverable: false,
      positioned,
      presence: false,
      joinLeave: false,
      pushJoinLeave: false,
      chanInfo: undefined,
      expireAt: 0,
      delta: false,
      tagsFilter: undefined,
    },
    sink,
  );
  sub.epoch = 'e1';
  return sub;
}

function subscription(sink: SubscriptionSink, positioned: boolean): Subscription {
  const sub = settingUp(sink, positioned);
  sub.goLive();
  return sub;
}

function publish(sub: Subscription, offset: number, ageMs: number): void {
  const pub: Publication = { offset, data: new Uint8Array([0x7b, 0x7d]), time: Date.now() - ageMs };
  sub.onPublication(new PublicationPushes('ch', pub, { offset, epoch: 'e1' }, undefined));
}

describe('channel_position_max_time_lag', () => {
  it('reports lost state for a late publication on a positioned subscription', () => {
    const sink = new RecordingSink(1000);
    const sub = subscription(sink, true);
    publish(sub, 1, 10);
    assert.equal(sink.pushes.length, 1);
    publish(sub, 2, 5000);
    assert.equal(sink.pushes.length, 1, 'the late publication is not delivered');
    assert.equal(sink.lost, 1);
  });

  it('delivers late publications to a subscription without positioning', () => {
    const sink = new RecordingSink(1000);
    const sub = subscription(sink, false);
    publish(sub, 1, 5000);
    assert.equal(sink.pushes.length, 1);
    assert.equal(sink.lost, 0);
  });

  it('has no limit at 0', () => {
    const sink = new RecordingSink(0);
    const sub = subscription(sink, true);
    publish(sub, 1, 3_600_000);
    assert.equal(sink.pushes.length, 1);
    assert.equal(sink.lost, 0);
  });

  it('measures the lag on arrival, also while the subscription is set up', () => {
    const sink = new RecordingSink(1000);
    const sub = settingUp(sink, true);
    publish(sub, 1, 5000);
    assert.equal(sink.lost, 0, 'nothing is decided before the reply');
    sub.goLive();
    assert.equal(sink.lost, 1);
    assert.equal(sink.pushes.length, 0);
  });
});
