// Server API calls acting on open connections over gRPC, and batches of such calls over
// both transports: what each connection receives is compared with the answers.
import type { ClientCase, Step } from '../case.ts';
import type { Json } from '../proto.ts';
import { api, cmd, connected, replyRef, sub } from './client-steps.ts';
import { as, c, clientOf, later } from './live-cases.ts';

const grpc = (rpc: string, request: Json): Step => ({ grpc: rpc, request });
const bytes = (v: unknown) => ({ $b64: Buffer.from(JSON.stringify(v)).toString('base64') });

export const LIVE_GRPC_CASES: ClientCase[] = [
  c('grpc/publish', [
    ...as('c', 'lg1'),
    sub('c', 2, 'hist:lg1'),
    grpc('Publish', { channel: 'hist:lg1', data: bytes({ n: 1 }), tags: { t: 'x' } }),
  ]),
  c('grpc/publish-binary', [
    ...as('c', 'lg2'),
    sub('c', 2, 'hist:lg2'),
    grpc('Publish', {
      channel: 'hist:lg2',
      data: { $b64: Buffer.from([1, 2, 3]).toString('base64') },
    }),
  ]),
  c('grpc/publish-idempotent', [
    ...as('c', 'lg3'),
    sub('c', 2, 'hist:lg3'),
    grpc('Publish', { channel: 'hist:lg3', data: bytes({ n: 1 }), idempotency_key: 'k1' }),
    grpc('Publish', { channel: 'hist:lg3', data: bytes({ n: 1 }), idempotency_key: 'k1' }),
  ]),
  c('grpc/broadcast', [
    ...as('a', 'lg4a'),
    ...as('b', 'lg4b'),
    sub('a', 2, 'hist:lg4a'),
    sub('b', 2, 'hist:lg4b'),
    grpc('Broadcast', { channels: ['hist:lg4a', 'hist:lg4b'], data: bytes({ b: 1 }) }),
  ]),
  c('grpc/subscribe-data', [
    ...as('c', 'lg5'),
    grpc('Subscribe', { user: 'lg5', channel: 'hist:lg5', data: bytes({ hi: 1 }) }),
    grpc('Publish', { channel: 'hist:lg5', data: bytes({ n: 1 }) }),
  ]),
  c('grpc/subscribe-info', [
    ...as('c', 'lg6'),
    grpc('Subscribe', { user: 'lg6', channel: 'hist:lg6', info: bytes({ role: 'r' }) }),
    grpc('Presence', { channel: 'hist:lg6' }),
  ]),
  c('grpc/subscribe-client', [
    ...as('a', 'lg7'),
    ...as('b', 'lg7'),
    grpc('Subscribe', { user: 'lg7', channel: 'hist:lg7', client: clientOf('a') }),
  ]),
  c('grpc/subscribe-recover-since', [
    ...as('c', 'lg8'),
    grpc('Publish', { channel: 'hist:lg8', data: bytes({ n: 1 }) }),
    grpc('Publish', { channel: 'hist:lg8', data: bytes({ n: 2 }) }),
    grpc('Subscribe', {
      user: 'lg8',
      channel: 'hist:lg8',
      recover_since: { offset: 1, epoch: { $ref: 'step:0:result.epoch' } },
    }),
  ]),
  later('grpc/unsubscribe', [
    ...as('c', 'lg9'),
    sub('c', 2, 'hist:lg9'),
    grpc('Unsubscribe', { user: 'lg9', channel: 'hist:lg9' }),
  ]),
  later('grpc/unsubscribe-client', [
    ...as('a', 'lg10'),
    ...as('b', 'lg10'),
    sub('a', 2, 'hist:lg10'),
    sub('b', 2, 'hist:lg10'),
    grpc('Unsubscribe', { user: 'lg10', channel: 'hist:lg10', client: clientOf('b') }),
  ]),
  later('grpc/disconnect', [
    ...as('c', 'lg11'),
    grpc('Disconnect', { user: 'lg11', disconnect: { code: 4100, reason: 'bye' } }),
    { closed: 'c', within: 3_000 },
  ]),
  later('grpc/disconnect-whitelist', [
    ...as('a', 'lg12'),
    ...as('b', 'lg12'),
    grpc('Disconnect', { user: 'lg12', whitelist: [clientOf('a')] }),
    { closed: 'b', within: 3_000 },
  ]),
  later('grpc/refresh', [
    ...as('c', 'lg13'),
    grpc('Refresh', { user: 'lg13', expire_at: 4_102_444_800 }),
  ]),
  later('grpc/refresh-expired', [
    ...as('c', 'lg14'),
    grpc('Refresh', { user: 'lg14', expired: true }),
    { closed: 'c', within: 3_000 },
  ]),
  c('grpc/refresh-info', [
    ...as('c', 'lg15'),
    sub('c', 2, 'hist:lg15'),
    grpc('Refresh', { user: 'lg15', info: bytes({ v: 3 }) }),
    grpc('Presence', { channel: 'hist:lg15' }),
  ]),
  c('grpc/presence', [
    ...as('a', 'lg16a', { info: { n: 1 } }),
    ...as('b', 'lg16b'),
    sub('a', 2, 'hist:lg16'),
    sub('b', 2, 'hist:lg16'),
    grpc('Presence', { channel: 'hist:lg16' }),
    grpc('PresenceStats', { channel: 'hist:lg16' }),
  ]),
  c('grpc/channels', [
    ...as('c', 'lg17'),
    sub('c', 2, 'hist:lg17a'),
    sub('c', 3, 'hist:lg17b'),
    grpc('Channels', { pattern: 'hist:lg17*' }),
  ]),
  c('grpc/history-after-client-publish', [
    ...as('c', 'lg18', { info: { me: 1 } }),
    sub('c', 2, 'hist:lg18'),
    cmd('c', 3, 'publish', { channel: 'hist:lg18', data: { from: 'client' } }),
    grpc('History', { channel: 'hist:lg18', limit: 5 }),
  ]),
  c('grpc/history-remove-then-recover', [
    ...as('c', 'lg19'),
    sub('c', 2, 'hist:lg19', { recoverable: true }),
    grpc('Publish', { channel: 'hist:lg19', data: bytes({ n: 1 }) }),
    cmd('c', 3, 'unsubscribe', { channel: 'hist:lg19' }),
    grpc('HistoryRemove', { channel: 'hist:lg19' }),
    sub('c', 4, 'hist:lg19', {
      recoverable: true,
      recover: true,
      epoch: replyRef('c', 2, 'subscribe.epoch'),
      offset: 0,
    }),
  ]),
  // batches acting on connections
  c('batch/publish-and-subscribe', [
    ...as('c', 'lg20'),
    api('batch', {
      commands: [
        { subscribe: { user: 'lg20', channel: 'hist:lg20' } },
        { publish: { channel: 'hist:lg20', data: { n: 1 } } },
        { presence_stats: { channel: 'hist:lg20' } },
      ],
    }),
  ]),
  later('batch/unsubscribe-disconnect', [
    ...as('c', 'lg21'),
    sub('c', 2, 'hist:lg21'),
    api('batch', {
      commands: [
        { unsubscribe: { user: 'lg21', channel: 'hist:lg21' } },
        { disconnect: { user: 'lg21', disconnect: { code: 4200, reason: 'batch' } } },
      ],
    }),
  ]),
  c('batch/grpc-publish-and-subscribe', [
    ...as('c', 'lg22'),
    grpc('Batch', {
      commands: [
        { subscribe: { user: 'lg22', channel: 'hist:lg22' } },
        { publish: { channel: 'hist:lg22', data: bytes({ n: 1 }) } },
      ],
    }),
  ]),
  later('batch/grpc-refresh-expired', [
    ...as('c', 'lg23'),
    grpc('Batch', { commands: [{ refresh: { user: 'lg23', expired: true } }] }),
    { closed: 'c', within: 3_000 },
  ]),
  // HTTP calls not covered in live.ts
  c('publish-idempotent', [
    ...as('c', 'lg24'),
    sub('c', 2, 'hist:lg24'),
    api('publish', { channel: 'hist:lg24', data: { n: 1 }, idempotency_key: 'i1' }),
    api('publish', { channel: 'hist:lg24', data: { n: 1 }, idempotency_key: 'i1' }),
    api('history', { channel: 'hist:lg24', limit: 5 }),
  ]),
  later('unsubscribe-then-resubscribe-server', [
    ...as('c', 'lg25'),
    api('subscribe', { user: 'lg25', channel: 'hist:lg25' }),
    api('unsubscribe', { user: 'lg25', channel: 'hist:lg25' }),
    api('subscribe', { user: 'lg25', channel: 'hist:lg25' }),
  ]),
  c('subscribe-expire-at', [
    ...as('c', 'lg26'),
    api('subscribe', { user: 'lg26', channel: 'hist:lg26', expire_at: 4_102_444_800 }),
  ]),
  later('disconnect-anonymous-by-client', [
    ...connected('a'),
    ...connected('b'),
    api('disconnect', { user: '', client: clientOf('a') }),
    { closed: 'a', within: 3_000 },
  ]),
];
