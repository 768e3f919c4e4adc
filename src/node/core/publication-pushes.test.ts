import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Publication } from '../engine/index.ts';
import { createDelta } from './delta/fossil-delta.ts';
import { PublicationPushes } from './publication-pushes.ts';

const text = (s: string) => new TextEncoder().encode(s);
const doc = (n: number) => text(JSON.stringify({ body: 'lorem ipsum '.repeat(40), n }));
const pub = (offset: number, data: Uint8Array): Publication => ({ offset, data });
const POSITION = { offset: 2, epoch: 'ep' };

/** The JSON push a part holds, its data as the text it carries. */
function jsonPush(part: unknown): { pub: Record<string, unknown> } {
  return (JSON.parse(part as string) as { push: { pub: Record<string, unknown> } }).push;
}

describe('PublicationPushes', () => {
  it('makes each push once for every subscriber that asks, per format', () => {
    const pushes = new PublicationPushes('ch', pub(2, doc(2)), POSITION, pub(1, doc(1)));
    for (const take of [() => pushes.plain(), () => pushes.full(), () => pushes.delta()]) {
      assert.equal(take(), take(), 'the same push object');
      assert.equal(take().part('json'), take().part('json'), 'one JSON encoding');
      assert.equal(take().part('protobuf'), take().part('protobuf'), 'one Protobuf encoding');
    }
  });

  it('carries the Fossil delta from the previous publication, on JSON as a JSON string', () => {
    const prev = doc(1);
    const next = doc(2);
    const pushes = new PublicationPushes('ch', pub(2, next), POSITION, pub(1, prev));
    const push = jsonPush(pushes.delta().part('json'));
    const patch = Buffer.from(createDelta(prev, next)).toString('latin1');
    assert.equal(push.pub.delta, true);
    assert.equal(push.pub.data, patch, 'the delta, a JSON string');
    assert.equal(push.pub.offset, 2);
    assert.equal(push.pub.epoch, undefined, 'no epoch, as Centrifugo sends deltas');
    assert.ok(patch.length < next.length / 4, `a delta of ${patch.length} bytes`);
  });

  it('sends the whole data when there is no previous publication or the delta is longer', () => {
    const first = new PublicationPushes(
      'ch',
      pub(1, doc(1)),
      { offset: 1, epoch: 'ep' },
      undefined,
    );
    assert.equal(first.delta(), first.full());
    const whole = jsonPush(first.full().part('json'));
    assert.equal(whole.pub.delta, undefined);
    assert.equal(whole.pub.data, new TextDecoder().decode(doc(1)), 'the data as a JSON string');
    const unlike = new PublicationPushes('ch', pub(2, text('{"a":1}')), POSITION, pub(1, doc(1)));
    const short = jsonPush(unlike.delta().part('json'));
    assert.equal(short.pub.delta, undefined);
    assert.equal(short.pub.data, '{"a":1}');
  });

  it('gives plain subscribers the publication as it is, epoch and all on offset 1', () => {
    const pushes = new PublicationPushes(
      'ch',
      pub(1, doc(1)),
      { offset: 1, epoch: 'ep' },
      undefined,
    );
    const plain = jsonPush(pushes.plain().part('json'));
    assert.deepEqual(plain.pub.data, JSON.parse(new TextDecoder().decode(doc(1))));
    assert.equal(plain.pub.epoch, 'ep');
  });
});
