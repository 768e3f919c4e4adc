// Client protocol: frames as bytes. Malformed JSON and Protobuf, several commands in one
// frame, separators, pongs nobody asked for; what is answered and how the server closes.
import type { ClientCase, Step } from '../case.ts';
import { connectToken } from '../tokens.ts';
import { connected } from './client-steps.ts';

const json = (id: string, steps: Step[]): ClientCase => ({
  id: `client/frames/${id}`,
  group: 'client',
  steps,
  encodings: ['json'],
});
const proto = (id: string, steps: Step[]): ClientCase => ({
  id: `client/frames/${id}`,
  group: 'client',
  steps,
  encodings: ['protobuf'],
});
const text = (t: string): Step => ({ sendText: 'c', text: t });
const bytes = (b: number[] | Buffer): Step => ({
  sendBytes: 'c',
  b64: Buffer.from(b).toString('base64'),
});
const open: Step = { open: 'c' };
const token = connectToken('fu');
const connectLine = JSON.stringify({ id: 1, connect: { token } });
const user = () => connected('c', token);

export const FRAME_CASES: ClientCase[] = [
  json('not-json', [open, text('hello')]),
  json('not-json-after-connect', [...user(), text('hello')]),
  json('empty-object-before-connect', [open, text('{}')]),
  json('unsolicited-pong', [...user(), text('{}')]),
  json('array', [open, text('[1,2]')]),
  json('null', [open, text('null')]),
  json('id-string', [open, text('{"id":"1","connect":{}}')]),
  json('id-negative', [open, text('{"id":-1,"connect":{}}')]),
  json('id-float', [open, text('{"id":1.5,"connect":{}}')]),
  json('id-huge', [open, text('{"id":4294967296,"connect":{}}')]),
  json('unknown-method', [...user(), text('{"id":2,"frobnicate":{}}')]),
  json('unknown-field', [
    open,
    text(`{"id":1,"connect":{"token":"${token}","surprise":1},"extra":2}`),
  ]),
  json('two-methods', [
    ...user(),
    text('{"id":2,"presence":{"channel":"open:f1"},"history":{"channel":"open:f1"}}'),
  ]),
  json('connect-wrong-type', [open, text('{"id":1,"connect":{"token":5}}')]),
  json('connect-null', [open, text('{"id":1,"connect":null}')]),
  json('connect-and-subscribe', [
    open,
    text(`${connectLine}\n{"id":2,"subscribe":{"channel":"hist:f2"}}`),
  ]),
  json('three-commands', [
    open,
    text(
      `${connectLine}\n{"id":2,"subscribe":{"channel":"hist:f3"}}\n{"id":3,"presence":{"channel":"hist:f3"}}`,
    ),
  ]),
  json('second-malformed', [open, text(`${connectLine}\n{"id":2,"subscribe":`)]),
  json('second-not-json', [open, text(`${connectLine}\nnope`)]),
  json('second-id-zero', [
    open,
    text(`${connectLine}\n{"id":0,"subscribe":{"channel":"hist:f4"}}`),
  ]),
  json('trailing-newline', [open, text(`${connectLine}\n`)]),
  json('blank-lines', [open, text(`\n\n${connectLine}\n\n`)]),
  json('crlf', [open, text(`${connectLine}\r\n{"id":2,"subscribe":{"channel":"hist:f5"}}`)]),
  json('leading-space', [open, text(`  ${connectLine}`)]),
  json('empty-frame', [open, text('')]),
  json('whitespace-frame', [open, text('   ')]),
  json('binary-frame', [open, bytes(Buffer.from(connectLine))]),
  json('subscribe-wrong-type', [...user(), text('{"id":2,"subscribe":{"channel":["x"]}}')]),
  json('subscribe-offset-string', [
    ...user(),
    text('{"id":2,"subscribe":{"channel":"hist:f6","recover":true,"offset":"1"}}'),
  ]),
  json('publish-data-invalid', [
    ...user(),
    text('{"id":2,"publish":{"channel":"open:f7","data":{x}}}'),
  ]),
  json('duplicate-id', [
    ...user(),
    text('{"id":2,"presence":{"channel":"open:f8"}}\n{"id":2,"presence":{"channel":"open:f8"}}'),
  ]),
  json('connect-id-reused', [...user(), text(`{"id":1,"presence":{"channel":"open:f9"}}`)]),
  proto('garbage', [open, bytes([0xff, 0xff, 0xff])]),
  proto('truncated-length', [open, bytes([0x80])]),
  proto('length-past-end', [open, bytes([0x10, 0x08, 0x01])]),
  proto('text-frame', [open, text(connectLine)]),
  proto('empty-command-before-connect', [open, bytes([0x00])]),
  proto('unsolicited-pong', [...user(), bytes([0x00])]),
  // Command{id: 1, connect: {}, field 100: 1}
  proto('unknown-field', [open, bytes([0x07, 0x08, 0x01, 0x22, 0x00, 0xa0, 0x06, 0x01])]),
  proto('command-wrong-wire-type', [open, bytes([0x02, 0x0d, 0x01])]),
  proto('empty-frame', [open, bytes([])]),
];
