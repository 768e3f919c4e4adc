// uni_grpc (CentrifugoUniStream.Consume on a port of its own): the same connect requests
// against both servers, read as Pushes until the server ends the stream or the case ends.
// Steps `{ consume }` open a stream (test/compat/uni-grpc-stream.ts); the API acts on it
// meanwhile. Every case runs once (the transport is Protobuf whatever the case encoding).
import type { Step } from '../case.ts';
import { baseConfig, uniClientConfig } from '../configs.ts';
import type { Json } from '../proto.ts';
import { connectToken, EXPIRED_EXP } from '../tokens.ts';
import { api } from './client-steps.ts';
import type { Feature } from './features.ts';

const ONCE = { encodings: ['json' as const] };
/** Long enough for the connect push (or the stream's end) under load; it is a quiet wait. */
const READ_MS = 300;
/** A server ends a refused stream on its own time: wait for it, never past this. */
const END_WITHIN_MS = 3_000;

const MAX_RECEIVE = 2048;
/** A ConnectRequest's bytes, written by hand for requests no encoder would write. */
const tokenRequest = (token: string) => {
  const text = Buffer.from(token);
  const length: number[] = [];
  for (let n = text.length; ; n >>>= 7) {
    if (n < 0x80) {
      length.push(n);
      break;
    }
    length.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([0x0a, ...length]), text]).toString('base64');
};

const consume = (name: string, request: Json): Step => ({ consume: name, request });
const sleep = (ms = READ_MS): Step => ({ sleep: ms });
const ended = (name: string): Step => ({ closed: name, within: END_WITHIN_MS });
const bytes = (...b: number[]) => Buffer.from(b).toString('base64');

export const UNI_GRPC: Feature = {
  id: 'uni-grpc',
  feature: 'the unidirectional gRPC transport',
  issue: 'issue 19',
  built: true,
  config: {
    ...baseConfig({
      client: uniClientConfig(),
    }),
    // Small enough for a case to pass it; every connect request of the cases is far below.
    uni_grpc: { enabled: true, max_receive_message_size: MAX_RECEIVE },
  },
  cases: [
    {
      id: 'connect',
      ...ONCE,
      steps: [consume('g', { token: connectToken('gu1') }), sleep()],
    },
    {
      id: 'anonymous',
      ...ONCE,
      // allow_anonymous_connect_without_token: an empty request connects.
      steps: [consume('g', {}), sleep()],
    },
    {
      id: 'server-side-channel-publication',
      ...ONCE,
      steps: [
        consume('g', { token: connectToken('gu2', { channels: ['hist:g2', 'g2'] }) }),
        sleep(),
        api('publish', { channel: 'hist:g2', data: { n: 1 } }),
        api('publish', { channel: 'g2', data: { n: 2 }, tags: { k: 'v' } }),
        sleep(),
      ],
    },
    {
      id: 'api-subscribe-unsubscribe',
      ...ONCE,
      steps: [
        consume('g', { token: connectToken('gu3') }),
        sleep(),
        api('subscribe', { user: 'gu3', channel: 'hist:g3' }),
        api('publish', { channel: 'hist:g3', data: { n: 1 } }),
        api('unsubscribe', { user: 'gu3', channel: 'hist:g3' }),
        api('publish', { channel: 'hist:g3', data: { n: 2 } }),
        sleep(),
      ],
    },
    {
      id: 'join-leave',
      ...ONCE,
      // `push` pushes join and leave to server-side subscribers (force_push_join_leave).
      steps: [
        consume('g', { token: connectToken('gu4', { channels: ['push:g4'] }) }),
        sleep(),
        consume('h', { token: connectToken('gu5', { channels: ['push:g4'] }) }),
        sleep(),
        api('disconnect', { user: 'gu5' }),
        ended('h'),
        sleep(),
      ],
    },
    {
      id: 'invalid-token',
      ...ONCE,
      steps: [consume('g', { token: 'x.y.z' }), ended('g')],
    },
    {
      id: 'expired-token',
      ...ONCE,
      steps: [consume('g', { token: connectToken('gu6', { exp: EXPIRED_EXP }) }), ended('g')],
    },
    {
      id: 'malformed-truncated',
      ...ONCE,
      // token (field 1) says 5 bytes follow, one does.
      steps: [{ consume: 'g', b64: [bytes(0x0a, 0x05, 0x61)] }, ended('g')],
    },
    {
      id: 'malformed-wire-type',
      ...ONCE,
      // token (field 1, a string) sent as a varint.
      steps: [{ consume: 'g', b64: [bytes(0x08, 0x01)] }, ended('g'), sleep()],
    },
    {
      id: 'malformed-utf8-token',
      ...ONCE,
      // A proto3 string that is no UTF-8.
      steps: [{ consume: 'g', b64: [bytes(0x0a, 0x02, 0xff, 0xfe)] }, ended('g')],
    },
    {
      id: 'malformed-map-entry',
      ...ONCE,
      // subs (field 3) as a varint: protobuf-go takes a wrong wire type for an unknown field.
      steps: [{ consume: 'g', b64: [bytes(0x18, 0x01)] }, ended('g'), sleep()],
    },
    {
      id: 'malformed-field-zero',
      ...ONCE,
      steps: [{ consume: 'g', b64: [bytes(0x00, 0x01)] }, ended('g')],
    },
    {
      id: 'group-skipped',
      ...ONCE,
      // field 9 as a group (start 0x4b, a varint field inside, end 0x4c).
      steps: [{ consume: 'g', b64: [bytes(0x4b, 0x08, 0x01, 0x4c)] }, ended('g'), sleep()],
    },
    {
      id: 'no-request',
      ...ONCE,
      // The client half-closes without a request message.
      steps: [{ consume: 'g', b64: [] }, ended('g')],
    },
    {
      id: 'two-requests',
      ...ONCE,
      steps: [
        { consume: 'g', b64: [tokenRequest(connectToken('gu12')), tokenRequest('x.y.z')] },
        sleep(),
      ],
    },
    {
      id: 'no-half-close',
      ...ONCE,
      // The request, and the client's side left open: the server need not wait for its end.
      steps: [
        { consume: 'g', b64: [tokenRequest(connectToken('gu13'))], noHalfClose: true },
        sleep(),
      ],
    },
    {
      id: 'request-too-large',
      ...ONCE,
      steps: [{ consume: 'g', b64: [tokenRequest('x'.repeat(MAX_RECEIVE + 1))] }, ended('g')],
    },
    {
      id: 'unknown-field',
      ...ONCE,
      // field 15 (a varint) is in no ConnectRequest: skipped as unknown, the connect stands.
      steps: [{ consume: 'g', b64: [bytes(0x78, 0x01)] }, sleep()],
    },
    {
      id: 'recover-subs',
      ...ONCE,
      steps: [
        api('publish', { channel: 'hist:g7', data: { n: 1 } }),
        api('publish', { channel: 'hist:g7', data: { n: 2 } }),
        api('publish', { channel: 'hist:g7', data: { n: 3 } }),
        consume('g', {
          token: connectToken('gu7', { channels: ['hist:g7'] }),
          subs: {
            'hist:g7': {
              recover: true,
              epoch: { $ref: 'step:0:result.epoch' },
              offset: 1,
            },
          },
        }),
        sleep(),
      ],
    },
    {
      id: 'recover-subs-forced',
      ...ONCE,
      steps: [
        api('publish', { channel: 'rec:g8', data: { n: 1 } }),
        api('publish', { channel: 'rec:g8', data: { n: 2 } }),
        consume('g', {
          token: connectToken('gu8', { channels: ['rec:g8'] }),
          subs: {
            'rec:g8': { recover: true, epoch: { $ref: 'step:0:result.epoch' }, offset: 1 },
          },
        }),
        sleep(),
      ],
    },
    {
      id: 'recover-subs-wrong-epoch',
      ...ONCE,
      steps: [
        api('publish', { channel: 'rec:g9', data: { n: 1 } }),
        consume('g', {
          token: connectToken('gu9', { channels: ['rec:g9'] }),
          subs: { 'rec:g9': { recover: true, epoch: 'not-the-epoch', offset: 0 } },
        }),
        sleep(),
      ],
    },
    {
      id: 'api-disconnect',
      ...ONCE,
      steps: [
        consume('g', { token: connectToken('gu10') }),
        sleep(),
        api('disconnect', { user: 'gu10' }),
        ended('g'),
      ],
    },
    {
      id: 'api-disconnect-custom',
      ...ONCE,
      steps: [
        consume('g', { token: connectToken('gu11') }),
        sleep(),
        api('disconnect', { user: 'gu11', disconnect: { code: 4500, reason: 'bye' } }),
        ended('g'),
      ],
    },
  ],
};
