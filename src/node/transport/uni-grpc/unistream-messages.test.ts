import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import {
  decodeAsGo,
  InvalidUtf8Error,
  type MessageDesc,
  ProtobufDecodeError,
} from '../../protocol/index.ts';
import { ConnectRequest } from './unistream-messages.ts';

const PROTO = fileURLToPath(new URL('../../../../proto/unistream.proto', import.meta.url));
const bytes = (...b: number[]) => Uint8Array.from(b);

describe('unistream-messages.ts against proto/unistream.proto', () => {
  const root = new protobuf.Root().loadSync(PROTO, { keepCase: true });

  /** Exactly the proto's fields: numbers, types and cardinality, nested too. */
  function same(desc: MessageDesc, type: protobuf.Type): void {
    assert.deepEqual(
      desc.fields.map((f) => f.name),
      type.fieldsArray.map((f) => f.name),
      `${type.name}: the same fields`,
    );
    for (const f of desc.fields) {
      const field = type.fields[f.name] as protobuf.Field;
      assert.equal(field.id, f.no, `${type.name}.${f.name} number`);
      assert.equal(field.map, f.map === true, `${type.name}.${f.name} map`);
      if (typeof f.type === 'string') assert.equal(field.type, f.type);
      else same(f.type, root.lookupType(`centrifugal.centrifugo.unistream.${field.type}`));
    }
  }

  it('has every field of ConnectRequest and SubscribeRequest, and no other', () => {
    same(ConnectRequest, root.lookupType('centrifugal.centrifugo.unistream.ConnectRequest'));
  });
});

describe('decodeAsGo: a ConnectRequest as grpc-go decodes it in Centrifugo', () => {
  it('skips a known field sent with another wire type, as an unknown one', () => {
    // token as a varint, subs as a varint, then name
    const req = decodeAsGo(ConnectRequest, bytes(0x08, 0x01, 0x18, 0x01, 0x22, 0x01, 0x6e));
    assert.deepEqual(req, { name: 'n' });
  });

  it('skips groups, nested ones too', () => {
    const group = [0x4b, 0x53, 0x08, 0x01, 0x54, 0x4c];
    assert.deepEqual(decodeAsGo(ConnectRequest, bytes(...group, 0x0a, 0x01, 0x74)), { token: 't' });
    assert.throws(() => decodeAsGo(ConnectRequest, bytes(0x4b, 0x54)), ProtobufDecodeError);
  });

  it('refuses a string that is no UTF-8, in a map key and a sub-message too', () => {
    assert.throws(
      () => decodeAsGo(ConnectRequest, bytes(0x0a, 0x02, 0xff, 0xfe)),
      InvalidUtf8Error,
    );
    // subs {"\xff": {}}
    assert.throws(
      () => decodeAsGo(ConnectRequest, bytes(0x1a, 0x03, 0x0a, 0x01, 0xff)),
      InvalidUtf8Error,
    );
    // subs {"a": {epoch: "\xff"}}
    const epoch = [0x1a, 0x08, 0x0a, 0x01, 0x61, 0x12, 0x03, 0x32, 0x01, 0xff];
    assert.throws(() => decodeAsGo(ConnectRequest, bytes(...epoch)), InvalidUtf8Error);
  });

  it('reads subs with the fields unistream has, and skips the others whatever their bytes', () => {
    // subs {"a": {channel (1): "\xff", recover: true, offset: 5}}
    const entry = [0x0a, 0x01, 0x61, 0x12, 0x07, 0x0a, 0x01, 0xff, 0x18, 0x01, 0x38, 0x05];
    assert.deepEqual(decodeAsGo(ConnectRequest, bytes(0x1a, entry.length, ...entry)), {
      subs: { a: { recover: true, offset: 5 } },
    });
  });

  it('refuses bytes that are no message', () => {
    for (const b of [bytes(0x0a, 0x05, 0x61), bytes(0x00, 0x01), bytes(0x0e), bytes(0x4c)]) {
      assert.throws(
        () => decodeAsGo(ConnectRequest, b),
        (err) => err instanceof ProtobufDecodeError && !(err instanceof InvalidUtf8Error),
      );
    }
  });
});
