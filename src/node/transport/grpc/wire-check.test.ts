import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MessageTypeDefinition } from '@grpc/proto-loader';
import { hex } from '../../../../test/seeded.ts';
import { API_PACKAGE, apiDefinition } from './proto.ts';
import { type Descriptor, WireChecker } from './wire-check.ts';

const api = apiDefinition();
const type = (name: string) =>
  api[`${API_PACKAGE}.${name}`] as MessageTypeDefinition<object, object>;
const checker = new WireChecker(
  (name) => (api[`${API_PACKAGE}.${name}`] as { type: Descriptor } | undefined)?.type,
);
const problem = (name: string, bytes: Uint8Array) =>
  checker.problem(bytes, type(name).type as Descriptor);

describe('wire check', () => {
  it('passes what protobuf encoders write, unknown fields included', () => {
    const samples: Array<[string, object]> = [
      [
        'PublishRequest',
        { channel: 'ch', data: Buffer.from([0, 255]), tags: { a: 'b' }, version: 2 ** 40 },
      ],
      [
        'SubscribeRequest',
        {
          channel: 'c',
          user: 'u',
          expire_at: -1,
          recover_since: { offset: 9, epoch: 'e' },
          override: { presence: { value: true } },
        },
      ],
      [
        'DisconnectRequest',
        { user: 'u', disconnect: { code: 4000, reason: 'r' }, whitelist: ['a', 'b'] },
      ],
      ['HistoryRequest', { channel: 'c', limit: -1, since: { offset: 1 }, reverse: true }],
      [
        'BatchRequest',
        {
          commands: [{ publish: { channel: 'c' } }, { connections: { user: 'x' } }],
          parallel: true,
        },
      ],
      ['InfoRequest', {}],
    ];
    for (const [name, value] of samples) {
      assert.equal(problem(name, type(name).serialize(value)), undefined, name);
    }
    // Field 99 (unknown) as varint, fixed64, bytes and fixed32.
    const unknown = hex('98 06 01  99 06 0102030405060708  9a 06 02 aabb  9d 06 01020304');
    assert.equal(problem('PublishRequest', unknown), undefined);
  });

  it('names the field and the fault of cut, mistyped or impossible bytes', () => {
    const cases: Array<[string, string, string, RegExp]> = [
      ['PublishRequest', '0a 20 61', 'channel', /32 bytes announced, 1 present/],
      ['PublishRequest', '08 05', 'channel', /wire type 0 where its type needs 2/],
      ['PublishRequest', '0f 00', 'channel', /wire type 7/],
      ['PublishRequest', '20 ff', 'skip_history', /varint is cut short/],
      ['PublishRequest', '0a 02 c3 28', 'channel', /not valid UTF-8/],
      ['PublishRequest', '00 01', '', /field number 0/],
      ['PublishRequest', 'ff ff ff ff ff ff ff ff ff ff ff', '', /tag at byte 0/],
      ['SubscribeRequest', '4a 03 12 05 61', 'recover_since.epoch', /5 bytes announced/],
      ['HistoryRequest', '1a 02 08 ff', 'since.offset', /cut short/],
      ['PublishRequest', '2a 04 0a 02 c3 28', 'tags.key', /UTF-8/],
      ['BatchRequest', '0a 04 22 02 0a 09', 'commands.publish.channel', /9 bytes announced/],
      ['PublishRequest', '9d 06 0102', '', /field 99: value is cut short/],
    ];
    for (const [name, bytes, field, reason] of cases) {
      const p = problem(name, hex(bytes));
      assert.ok(p, `${name} ${bytes} passed`);
      assert.equal(p.field, field, `${name} ${bytes}: ${p.reason}`);
      assert.match(p.reason, reason);
    }
  });
});
