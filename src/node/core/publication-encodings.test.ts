// Stored publications encoded once for every client that gets them (push-encoding.ts): the
// bytes are those of an encode per client, in both formats, and the encode happens once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Publication } from '../engine/index.ts';
import { encodeReply, JsonEncodeError } from '../protocol/index.ts';
import { PublicationEncodings, publicationMsg } from './push-encoding.ts';

const pub = (offset: number, data: string): Publication =>
  ({
    offset,
    data: new TextEncoder().encode(data),
    info: { user: 'u', client: 'c' },
    tags: { k: 'v' },
  }) as unknown as Publication;

const reply = (publications: unknown[]) => ({
  id: 1,
  subscribe: { recoverable: true, epoch: 'e', offset: 2, publications, recovered: true },
});

describe('publication encodings', () => {
  it('writes the bytes an encode per client writes, in JSON and Protobuf', () => {
    const encodings = new PublicationEncodings();
    const stored = [pub(1, '{"a":1}'), pub(2, '"two"')];
    for (const format of ['json', 'protobuf'] as const) {
      const plain = encodeReply(format, reply(stored.map((p) => publicationMsg(p, 'e'))));
      const once = reply(stored.map((p) => encodings.of(p, 'e')));
      assert.deepEqual(encodeReply(format, once), plain, format);
      // Again, from what the first encode kept.
      assert.deepEqual(encodeReply(format, once), plain, `${format}, second time`);
    }
  });

  it('keeps one encoding per publication and epoch', () => {
    const encodings = new PublicationEncodings();
    const first = pub(1, '{}');
    const later = pub(5, '{}');
    assert.equal(encodings.of(first, 'e1'), encodings.of(first, 'e1'));
    // Only offset 1 shows the epoch: another epoch is another encoding there, not later.
    assert.notEqual(encodings.of(first, 'e2'), encodings.of(first, 'e1'));
    assert.equal(encodings.of(later, 'e1'), encodings.of(later, 'e2'));
    const json = encodeReply('json', reply([encodings.of(first, 'e2')])) as string;
    assert.match(json, /"epoch":"e2"/);
  });

  it('refuses data that is not JSON to a JSON client every time, Protobuf still carries it', () => {
    const encodings = new PublicationEncodings();
    const binary = encodings.of(pub(3, '\u0001not json'), 'e');
    for (let i = 0; i < 2; i++) {
      assert.throws(() => encodeReply('json', reply([binary])), JsonEncodeError);
    }
    assert.ok((encodeReply('protobuf', reply([binary])) as Uint8Array).length > 0);
  });
});
