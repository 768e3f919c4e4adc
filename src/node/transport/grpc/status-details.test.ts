import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';
import { Errors } from '../../core/index.ts';
import { API_PACKAGE, apiDefinition, rpcStatusDefinition } from './proto.ts';
import { STATUS_DETAILS_KEY, transportStatus, undecodableStatus } from './status-details.ts';

// biome-ignore lint/suspicious/noExplicitAny: decoded messages are inspected field by field.
type Codec = MessageTypeDefinition<object, any>;
const codec = (def: Record<string, unknown>, name: string) => def[name] as Codec;

function decode(binary: Readonly<Record<string, Uint8Array>> | undefined) {
  const bin = Buffer.from(binary?.[STATUS_DETAILS_KEY] as Uint8Array);
  const st = codec(rpcStatusDefinition(), 'google.rpc.Status').deserialize(bin);
  return {
    code: st.code ?? 0,
    message: st.message,
    details: (st.details ?? []).map((a: { type_url: string; value: Buffer }) => {
      if (a.type_url.endsWith('centrifugal.centrifugo.api.Error')) {
        return codec(apiDefinition(), `${API_PACKAGE}.Error`).deserialize(a.value);
      }
      return codec(rpcStatusDefinition(), 'google.rpc.BadRequest').deserialize(a.value);
    }),
  };
}

describe('transport error mode statuses', () => {
  it('maps every catalogue code as Centrifugo does, the rest to INTERNAL', () => {
    const expected: Record<number, number> = {
      100: status.INTERNAL,
      102: status.NOT_FOUND,
      104: status.NOT_FOUND,
      107: status.INVALID_ARGUMENT,
      108: status.INVALID_ARGUMENT,
      112: status.OUT_OF_RANGE,
      113: status.ALREADY_EXISTS,
    };
    for (const e of [...Object.values(Errors), { code: 999, message: 'made up' }]) {
      const st = transportStatus({ code: e.code, message: e.message });
      assert.equal(st.code, expected[e.code] ?? status.INTERNAL, `${e.code}`);
      assert.equal(st.message, e.message);
      const d = decode(st.binary);
      assert.equal(d.code, st.code);
      assert.equal(d.message, e.message);
      assert.deepEqual(d.details, [{ code: e.code, message: e.message }]);
    }
  });

  it('adds a google.rpc.BadRequest after the Centrifugo error when fields are named', () => {
    const st = transportStatus({ code: 107, message: 'bad request' }, [
      { field: 'channel', description: 'channel required' },
      { field: 'since.offset', description: 'must be above 0' },
    ]);
    assert.deepEqual(decode(st.binary).details, [
      { code: 107, message: 'bad request' },
      {
        field_violations: [
          { field: 'channel', description: 'channel required' },
          { field: 'since.offset', description: 'must be above 0' },
        ],
      },
    ]);
  });

  it('answers undecodable bytes with INVALID_ARGUMENT and 107, naming the field', () => {
    const st = undecodableStatus('x.PublishRequest', { field: 'channel', reason: 'cut short' });
    assert.equal(st.code, status.INVALID_ARGUMENT);
    assert.deepEqual(decode(st.binary).details[1], {
      field_violations: [
        { field: 'channel', description: 'not a valid x.PublishRequest: cut short' },
      ],
    });
  });
});
