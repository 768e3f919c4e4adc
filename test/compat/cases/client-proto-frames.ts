// Client protocol in Protobuf, as bytes written by hand: for each command, a request with a
// field the schema does not have, a field of the wrong wire type, a string that is not
// UTF-8, a field given twice, and a request cut short. What a server makes of bytes no SDK
// sends is where two decoders differ.
import type { ClientCase, Step } from '../case.ts';
import { connectToken } from '../tokens.ts';
import { connected } from './client-steps.ts';

// --- a minimal protobuf writer: enough for hand-made frames -----------------------------

const varint = (n: number): number[] => {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
};
const tag = (field: number, wire: number) => varint(field * 8 + wire);
/** A length-delimited field (strings, bytes, messages). */
const ld = (field: number, bytes: number[]) => [
  ...tag(field, 2),
  ...varint(bytes.length),
  ...bytes,
];
const str = (field: number, s: string) => ld(field, [...Buffer.from(s)]);
const num = (field: number, n: number) => [...tag(field, 0), ...varint(n)];
/** Ten-byte two's complement varint of a negative int32 (as Go writes it). */
const negative = (field: number, n: number) => {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [...tag(field, 0)];
  while (v > 0x7fn) {
    out.push(Number((v & 0x7fn) | 0x80n));
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
};

const COMMAND_FIELD: Record<string, number> = {
  connect: 4,
  subscribe: 5,
  unsubscribe: 6,
  publish: 7,
  presence: 8,
  presence_stats: 9,
  history: 10,
  ping: 11,
  send: 12,
  rpc: 13,
  refresh: 14,
  sub_refresh: 15,
};

/** Command{id, <method>: request bytes}, with its length in front. */
const delimited = (id: number, method: string, request: number[]): number[] => {
  const command = [...num(1, id), ...ld(COMMAND_FIELD[method] as number, request)];
  return [...varint(command.length), ...command];
};
/** One command as one frame. */
const frame = (id: number, method: string, request: number[]): Step => ({
  sendBytes: 'c',
  b64: Buffer.from(delimited(id, method, request)).toString('base64'),
});

const UNKNOWN = num(99, 1);
const NOT_UTF8 = (field: number) => ld(field, [0x68, 0xff, 0xfe]);

const p = (id: string, steps: Step[]): ClientCase => ({
  id: `client/proto-frames/${id}`,
  group: 'client',
  steps,
  encodings: ['protobuf'],
});
const user = (n: number) => connected('c', connectToken(`pf${n}`));

/** The variants every command with a channel gets: each on its own fresh channel. */
function channelVariants(
  method: string,
  ns: string,
  n: number,
  extra: number[] = [],
): ClientCase[] {
  const ch = (k: number) => `${ns}:pf${n}-${k}`;
  return [
    p(`${method}/unknown-field`, [
      ...user(n),
      frame(2, method, [...str(1, ch(1)), ...extra, ...UNKNOWN]),
    ]),
    p(`${method}/wrong-wire-type`, [...user(n), frame(2, method, [...num(1, 7), ...extra])]),
    p(`${method}/not-utf8`, [...user(n), frame(2, method, [...NOT_UTF8(1), ...extra])]),
    p(`${method}/field-twice`, [
      ...user(n),
      frame(2, method, [...str(1, 'nope:x'), ...str(1, ch(2)), ...extra]),
    ]),
    p(`${method}/cut-short`, [...user(n), frame(2, method, [...tag(1, 2), ...varint(20), 0x61])]),
  ];
}

const DATA = [...Buffer.from('{"x":1}')];

export const PROTO_FRAME_CASES: ClientCase[] = [
  // connect, before anything else
  p('connect/unknown-field', [
    { open: 'c' },
    frame(1, 'connect', [...str(1, connectToken('pf1')), ...UNKNOWN]),
  ]),
  p('connect/wrong-wire-type', [{ open: 'c' }, frame(1, 'connect', num(1, 5))]),
  p('connect/not-utf8-token', [{ open: 'c' }, frame(1, 'connect', NOT_UTF8(1))]),
  p('connect/not-utf8-name', [{ open: 'c' }, frame(1, 'connect', NOT_UTF8(4))]),
  p('connect/token-twice', [
    { open: 'c' },
    frame(1, 'connect', [...str(1, 'garbage'), ...str(1, connectToken('pf2'))]),
  ]),
  p('connect/cut-short', [{ open: 'c' }, frame(1, 'connect', [...tag(1, 2), ...varint(50), 0x65])]),
  p('connect/data-binary', [
    { open: 'c' },
    frame(1, 'connect', [...str(1, connectToken('pf3')), ...ld(2, [0x00, 0xff])]),
  ]),
  // channel commands
  ...channelVariants('subscribe', 'hist', 10),
  ...channelVariants('unsubscribe', 'hist', 11),
  ...channelVariants('publish', 'open', 12, ld(2, DATA)),
  ...channelVariants('presence', 'open', 13),
  ...channelVariants('presence_stats', 'open', 14),
  ...channelVariants('history', 'open', 15, num(7, 5)),
  p('history/limit-negative', [
    ...user(16),
    frame(2, 'history', [...str(1, 'open:pf16'), ...negative(7, -1)]),
  ]),
  p('history/since-wrong-wire-type', [
    ...user(17),
    frame(2, 'history', [...str(1, 'open:pf17'), ...num(8, 1)]),
  ]),
  p('subscribe/offset-huge', [
    ...user(18),
    frame(2, 'subscribe', [
      ...str(1, 'hist:pf18'),
      ...num(3, 1),
      ...str(6, 'e'),
      ...[...tag(7, 0), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
    ]),
  ]),
  ...channelVariants('sub_refresh', 'locked', 19, str(2, 'x.y.z')),
  // commands without a channel
  p('ping/unknown-field', [...user(20), frame(2, 'ping', UNKNOWN)]),
  p('ping/with-garbage-field', [...user(21), frame(2, 'ping', str(1, 'x'))]),
  p('send/binary', [...user(22), frame(0, 'send', ld(1, [0x00, 0xff, 0x10]))]),
  p('send/wrong-wire-type', [...user(23), frame(0, 'send', num(1, 1))]),
  p('rpc/unknown-field', [
    ...user(24),
    frame(2, 'rpc', [...ld(1, DATA), ...str(2, 'm'), ...UNKNOWN]),
  ]),
  p('rpc/not-utf8-method', [...user(25), frame(2, 'rpc', [...ld(1, DATA), ...NOT_UTF8(2)])]),
  p('rpc/wrong-wire-type', [...user(26), frame(2, 'rpc', num(2, 1))]),
  p('refresh/unknown-field', [
    ...user(27),
    frame(2, 'refresh', [...str(1, connectToken('pf27')), ...UNKNOWN]),
  ]),
  p('refresh/not-utf8', [...user(28), frame(2, 'refresh', NOT_UTF8(1))]),
  p('refresh/wrong-wire-type', [...user(29), frame(2, 'refresh', num(1, 1))]),
  // several commands in one frame, the second cut short
  p('frame/second-cut-short', [
    { open: 'c' },
    {
      sendBytes: 'c',
      b64: Buffer.from([
        ...delimited(1, 'connect', str(1, connectToken('pf30'))),
        0x10,
        0x08,
        0x02,
      ]).toString('base64'),
    },
  ]),
  p('frame/id-max', [...user(31), frame(4294967295, 'presence', str(1, 'open:pf31'))]),
];
