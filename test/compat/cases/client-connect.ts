// Client protocol: connect. Tokens valid, expired, badly signed, with each claim that shapes
// the connection; anonymous connections; connect request fields.
import type { ClientCase } from '../case.ts';
import { TOKEN_SECRET } from '../configs.ts';
import { badSignatureToken, connectToken, EXPIRED_EXP, hs256, VALID_EXP } from '../tokens.ts';
import { cmd, connected, sub } from './client-steps.ts';

const G = 'client';
const c = (id: string, steps: ClientCase['steps'], encodings?: ClientCase['encodings']) => ({
  id: `client/connect/${id}`,
  group: G,
  steps,
  ...(encodings ? { encodings } : {}),
});
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
const unsigned = (claims: object) =>
  `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;

export const CONNECT_CASES: ClientCase[] = [
  c('token', connected('c', connectToken('cu1'))),
  c('anonymous', connected('c')),
  c('anonymous-empty-token', connected('c', undefined, { token: '' })),
  c('token-expired', connected('c', connectToken('cu2', { exp: EXPIRED_EXP }))),
  c('token-bad-signature', connected('c', badSignatureToken('cu3'))),
  c('token-garbage', connected('c', 'abc.def.ghi')),
  c('token-not-jwt', connected('c', 'hello')),
  c('token-alg-none', connected('c', unsigned({ sub: 'cu4', exp: VALID_EXP }))),
  c('token-no-exp', connected('c', hs256({ sub: 'cu5' }, TOKEN_SECRET))),
  c(
    'token-exp-string',
    connected('c', hs256({ sub: 'cu6', exp: String(VALID_EXP) }, TOKEN_SECRET)),
  ),
  c('token-nbf-future', connected('c', connectToken('cu7', { nbf: VALID_EXP - 60 }))),
  c('token-iat-future', connected('c', connectToken('cu8', { iat: VALID_EXP }))),
  c('token-empty-sub', connected('c', connectToken(''))),
  c('token-aud-unconfigured', connected('c', connectToken('cu9', { aud: 'someone' }))),
  c('token-iss-unconfigured', connected('c', connectToken('cu10', { iss: 'someone' }))),
  c('token-expire-at', connected('c', connectToken('cu11', { expire_at: VALID_EXP + 60 }))),
  c('token-expire-at-zero', connected('c', connectToken('cu12', { expire_at: 0 }))),
  c('token-info', [
    ...connected('c', connectToken('cu13', { info: { name: 'Alice' } })),
    sub('c', 2, 'hist:cc13'),
    cmd('c', 3, 'presence', { channel: 'hist:cc13' }),
  ]),
  c('token-b64info', [
    ...connected('c', connectToken('cu14', { b64info: b64({ name: 'Bob' }) })),
    sub('c', 2, 'hist:cc14'),
    cmd('c', 3, 'presence', { channel: 'hist:cc14' }),
  ]),
  c(
    'token-channels',
    connected('c', connectToken('cu15', { channels: ['hist:cc15', 'plain-cc15'] })),
  ),
  c(
    'token-channels-unknown-namespace',
    connected('c', connectToken('cu16', { channels: ['nope:cc16'] })),
  ),
  c('token-channels-join-leave', connected('c', connectToken('cu17', { channels: ['pres:cc17'] }))),
  c('token-subs', connected('c', connectToken('cu18', { subs: { 'hist:cc18': {} } }))),
  c(
    'token-subs-options',
    connected(
      'c',
      connectToken('cu19', {
        subs: {
          'hist:cc19': { info: { i: 1 }, data: { d: 1 }, override: { presence: { value: false } } },
        },
      }),
    ),
  ),
  c(
    'token-channels-and-subs',
    connected(
      'c',
      connectToken('cu20', {
        channels: ['hist:cc20a'],
        subs: { 'hist:cc20b': {} },
      }),
    ),
  ),
  c('token-meta', connected('c', connectToken('cu21', { meta: { m: 1 } }))),
  c('token-channel-claim', connected('c', connectToken('cu22', { channel: 'hist:cc22' }))),
  c('token-user-wrong-type', connected('c', hs256({ sub: 42, exp: VALID_EXP }, TOKEN_SECRET))),
  c('data', connected('c', connectToken('cu23'), { data: { hello: 1 } })),
  c('name-version', connected('c', connectToken('cu24'), { name: 'compat', version: '1.0' })),
  c('headers', connected('c', connectToken('cu25'), { headers: { 'X-A': 'b' } })),
  c('flag', connected('c', connectToken('cu26'), { flag: 1 })),
  c(
    'subs-recover',
    connected('c', connectToken('cu27', { channels: ['hist:cc27'] }), {
      subs: { 'hist:cc27': { recover: true, epoch: 'x', offset: 1 } },
    }),
  ),
  c('twice', [
    ...connected('c', connectToken('cu28')),
    cmd('c', 2, 'connect', { token: connectToken('cu28') }),
  ]),
  c('id-zero', [{ open: 'c' }, { send: 'c', commands: [{ id: 0, connect: {} }] }]),
  c('no-id', [{ open: 'c' }, { send: 'c', commands: [{ connect: {} }] }]),
  c('subscribe-first', [{ open: 'c' }, sub('c', 1, 'hist:cc29')]),
  c('token-then-anonymous-same-frame', [
    { open: 'c' },
    {
      send: 'c',
      commands: [
        { id: 1, connect: { token: connectToken('cu31') } },
        { id: 2, subscribe: { channel: 'hist:cc31' } },
      ],
    },
  ]),
  c(
    'subprotocol-json',
    [{ open: 'c', subprotocols: ['centrifuge-json'] }, cmd('c', 1, 'connect', {})],
    ['json'],
  ),
  c(
    'subprotocol-unknown',
    [{ open: 'c', subprotocols: ['something'] }, cmd('c', 1, 'connect', {})],
    ['json'],
  ),
  c(
    'subprotocol-empty-header',
    [
      { open: 'c', subprotocols: [], headers: { 'Sec-WebSocket-Protocol': '' } },
      cmd('c', 1, 'connect', {}),
    ],
    ['json'],
  ),
  c(
    'protobuf-by-query',
    [
      { open: 'c', subprotocols: [], path: '/connection/websocket?format=protobuf' },
      cmd('c', 1, 'connect', {}),
    ],
    ['protobuf'],
  ),
  c(
    'protobuf-by-cf-protocol',
    [
      { open: 'c', subprotocols: [], path: '/connection/websocket?cf_protocol=protobuf' },
      cmd('c', 1, 'connect', {}),
    ],
    ['protobuf'],
  ),
  c('origin-not-allowed', [{ open: 'c', headers: { Origin: 'http://example.com' } }], ['json']),
  c('origin-same-host', [{ open: 'c', headers: { Origin: 'http://127.0.0.1' } }], ['json']),
  c('path-trailing-slash', [{ open: 'c', path: '/connection/websocket/' }], ['json']),
  c('path-unknown', [{ open: 'c', path: '/connection/ws' }], ['json']),
];
