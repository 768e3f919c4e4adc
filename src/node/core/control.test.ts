import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decodeControl, encodeControl } from './control.ts';

it('carries Buffers (what the server API decoders give) as bytes, not as Buffer JSON', () => {
  const request = {
    user: 'u',
    client: '',
    session: '',
    channel: 'c',
    info: Buffer.from('{"seat":3}'),
    data: new Uint8Array([0x7b, 0x7d]),
    expireAt: 0,
    presence: true,
    joinLeave: false,
    pushJoinLeave: false,
    recovery: false,
    positioning: false,
  };
  const decoded = decodeControl(encodeControl({ op: 'subscribe', r: request }));
  assert.equal(decoded.op, 'subscribe');
  const r = decoded.r as typeof request;
  assert.ok(r.info instanceof Uint8Array);
  assert.equal(new TextDecoder().decode(r.info), '{"seat":3}');
  assert.deepEqual([...r.data], [0x7b, 0x7d]);
});
