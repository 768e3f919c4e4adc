// Client protocol: the commands after connect. publish, presence, presence_stats, history,
// rpc, send, refresh, sub_refresh: permissions, missing fields, edge values.
import type { ClientCase } from '../case.ts';
import { badSignatureToken, connectToken, EXPIRED_EXP, subToken } from '../tokens.ts';
import { api, cmd, connected, replyRef, sub } from './client-steps.ts';

const c = (id: string, steps: ClientCase['steps']): ClientCase => ({
  id: `client/${id}`,
  group: 'client',
  steps,
});
const user = (n: number) => connected('c', connectToken(`ku${n}`));
const epochOf = replyRef('c', 2, 'subscribe.epoch');

export const COMMAND_CASES: ClientCase[] = [
  // publish
  c('publish/allowed-for-client', [
    ...user(1),
    cmd('c', 2, 'publish', { channel: 'open:k1', data: { a: 1 } }),
  ]),
  c('publish/subscriber-not-subscribed', [
    ...user(2),
    cmd('c', 2, 'publish', { channel: 'hist:k2', data: { a: 1 } }),
  ]),
  c('publish/subscriber', [
    ...user(3),
    sub('c', 2, 'hist:k3'),
    cmd('c', 3, 'publish', { channel: 'hist:k3', data: { a: 1 } }),
    api('history', { channel: 'hist:k3', limit: 10 }),
  ]),
  c('publish/locked', [...user(4), cmd('c', 2, 'publish', { channel: 'locked:k4', data: {} })]),
  c('publish/unknown-namespace', [
    ...user(5),
    cmd('c', 2, 'publish', { channel: 'nope:k5', data: {} }),
  ]),
  c('publish/no-data', [...user(6), cmd('c', 2, 'publish', { channel: 'open:k6' })]),
  c('publish/no-channel', [...user(7), cmd('c', 2, 'publish', { data: {} })]),
  c('publish/anonymous', [
    ...connected('c'),
    cmd('c', 2, 'publish', { channel: 'anon:k8', data: { a: 1 } }),
  ]),
  c('publish/anonymous-not-allowed', [
    ...connected('c'),
    cmd('c', 2, 'publish', { channel: 'open:k9', data: {} }),
  ]),
  c('publish/json-object-array', [
    ...user(10),
    cmd('c', 2, 'publish', { channel: 'obj:k10', data: [1] }),
  ]),
  c('publish/json-object-ok', [
    ...user(11),
    cmd('c', 2, 'publish', { channel: 'obj:k11', data: { a: 1 } }),
  ]),
  c('publish/regex-miss', [...user(12), cmd('c', 2, 'publish', { channel: 'rx:K12', data: {} })]),
  c('publish/string-data', [
    ...user(13),
    sub('c', 2, 'hist:k13'),
    cmd('c', 3, 'publish', { channel: 'hist:k13', data: 'str' }),
  ]),
  c('publish/type-map', [
    ...user(14),
    cmd('c', 2, 'publish', { channel: 'open:k14', data: {}, type: 1, key: 'k' }),
  ]),
  // presence, presence_stats
  c('presence/subscriber', [
    ...user(15),
    sub('c', 2, 'hist:k15'),
    cmd('c', 3, 'presence', { channel: 'hist:k15' }),
  ]),
  c('presence/not-subscribed', [...user(16), cmd('c', 2, 'presence', { channel: 'hist:k16' })]),
  c('presence/allowed-for-client', [...user(17), cmd('c', 2, 'presence', { channel: 'open:k17' })]),
  c('presence/not-enabled', [
    ...user(18),
    sub('c', 2, 'rx:kkk'),
    cmd('c', 3, 'presence', { channel: 'rx:kkk' }),
  ]),
  c('presence/unknown-namespace', [...user(19), cmd('c', 2, 'presence', { channel: 'nope:k19' })]),
  c('presence/no-channel', [...user(20), cmd('c', 2, 'presence', {})]),
  c('presence-stats/subscriber', [
    ...user(21),
    sub('c', 2, 'hist:k21'),
    cmd('c', 3, 'presence_stats', { channel: 'hist:k21' }),
  ]),
  c('presence-stats/not-subscribed', [
    ...user(22),
    cmd('c', 2, 'presence_stats', { channel: 'hist:k22' }),
  ]),
  c('presence-stats/allowed-for-client', [
    ...user(23),
    cmd('c', 2, 'presence_stats', { channel: 'open:k23' }),
  ]),
  c('presence-stats/anonymous', [
    ...connected('c'),
    cmd('c', 2, 'presence_stats', { channel: 'anon:k24' }),
  ]),
  // history
  c('history/allowed-for-client', [
    ...user(25),
    api('publish', { channel: 'open:k25', data: { n: 1 } }),
    api('publish', { channel: 'open:k25', data: { n: 2 } }),
    cmd('c', 2, 'history', { channel: 'open:k25', limit: 10 }),
    cmd('c', 3, 'history', { channel: 'open:k25', limit: 1, reverse: true }),
    cmd('c', 4, 'history', { channel: 'open:k25' }),
  ]),
  c('history/not-subscribed', [
    ...user(26),
    cmd('c', 2, 'history', { channel: 'hist:k26', limit: 10 }),
  ]),
  c('history/subscriber-since', [
    ...user(27),
    sub('c', 2, 'hist:k27', { recoverable: true }),
    api('publish', { channel: 'hist:k27', data: { n: 1 } }),
    api('publish', { channel: 'hist:k27', data: { n: 2 } }),
    cmd('c', 3, 'history', {
      channel: 'hist:k27',
      limit: 10,
      since: { offset: 1, epoch: epochOf },
    }),
    cmd('c', 4, 'history', {
      channel: 'hist:k27',
      limit: 10,
      since: { offset: 9, epoch: epochOf },
    }),
    cmd('c', 5, 'history', {
      channel: 'hist:k27',
      limit: 10,
      since: { offset: 1, epoch: 'wrong' },
    }),
  ]),
  c('history/no-history', [
    ...user(28),
    sub('c', 2, 'plain-k28'),
    cmd('c', 3, 'history', { channel: 'plain-k28', limit: 10 }),
  ]),
  c('history/unknown-namespace', [...user(29), cmd('c', 2, 'history', { channel: 'nope:k29' })]),
  c('history/limit-negative', [
    ...user(30),
    cmd('c', 2, 'history', { channel: 'open:k30', limit: -1 }),
  ]),
  c('history/limit-over-max', [
    ...user(31),
    cmd('c', 2, 'history', { channel: 'open:k31', limit: 1000 }),
  ]),
  c('history/anonymous', [
    ...connected('c'),
    cmd('c', 2, 'history', { channel: 'anon:k32', limit: 5 }),
  ]),
  c('history/b64-binary-data', [
    ...user(33),
    api('publish', { channel: 'open:k33', b64data: Buffer.from([0xff, 0x01]).toString('base64') }),
    cmd('c', 2, 'history', { channel: 'open:k33', limit: 5 }),
  ]),
  // rpc, send
  c('rpc/no-proxy', [...user(34), cmd('c', 2, 'rpc', { method: 'm', data: { x: 1 } })]),
  c('rpc/no-method', [...user(35), cmd('c', 2, 'rpc', { data: {} })]),
  c('send/no-handler', [...user(36), { send: 'c', commands: [{ send: { data: { x: 1 } } }] }]),
  c('ping-command', [...user(37), cmd('c', 2, 'ping', {})]),
  // refresh
  c('refresh/valid', [...user(38), cmd('c', 2, 'refresh', { token: connectToken('ku38') })]),
  c('refresh/expired', [
    ...user(39),
    cmd('c', 2, 'refresh', { token: connectToken('ku39', { exp: EXPIRED_EXP }) }),
  ]),
  c('refresh/bad-signature', [
    ...user(40),
    cmd('c', 2, 'refresh', { token: badSignatureToken('ku40') }),
  ]),
  c('refresh/empty-token', [...user(41), cmd('c', 2, 'refresh', { token: '' })]),
  c('refresh/other-user', [
    ...user(42),
    cmd('c', 2, 'refresh', { token: connectToken('someone-else') }),
  ]),
  c('refresh/anonymous', [...connected('c'), cmd('c', 2, 'refresh', { token: connectToken('') })]),
  c('refresh/with-info', [
    ...user(43),
    cmd('c', 2, 'refresh', { token: connectToken('ku43', { info: { v: 2 } }) }),
    sub('c', 3, 'hist:k43'),
    cmd('c', 4, 'presence', { channel: 'hist:k43' }),
  ]),
  // sub_refresh
  c('sub-refresh/valid', [
    ...user(44),
    sub('c', 2, 'locked:k44', { token: subToken('ku44', 'locked:k44') }),
    cmd('c', 3, 'sub_refresh', { channel: 'locked:k44', token: subToken('ku44', 'locked:k44') }),
  ]),
  c('sub-refresh/bad-signature', [
    ...user(45),
    sub('c', 2, 'locked:k45', { token: subToken('ku45', 'locked:k45') }),
    cmd('c', 3, 'sub_refresh', { channel: 'locked:k45', token: badSignatureToken('ku45') }),
  ]),
  c('sub-refresh/expired', [
    ...user(46),
    sub('c', 2, 'locked:k46', { token: subToken('ku46', 'locked:k46') }),
    cmd('c', 3, 'sub_refresh', {
      channel: 'locked:k46',
      token: subToken('ku46', 'locked:k46', { exp: EXPIRED_EXP }),
    }),
  ]),
  c('sub-refresh/empty-token', [
    ...user(47),
    sub('c', 2, 'locked:k47', { token: subToken('ku47', 'locked:k47') }),
    cmd('c', 3, 'sub_refresh', { channel: 'locked:k47', token: '' }),
  ]),
  c('sub-refresh/not-subscribed', [
    ...user(48),
    cmd('c', 2, 'sub_refresh', { channel: 'locked:k48', token: subToken('ku48', 'locked:k48') }),
  ]),
  c('sub-refresh/other-channel', [
    ...user(49),
    sub('c', 2, 'locked:k49', { token: subToken('ku49', 'locked:k49') }),
    cmd('c', 3, 'sub_refresh', { channel: 'locked:k49', token: subToken('ku49', 'locked:other') }),
  ]),
  c('sub-refresh/no-channel', [
    ...user(50),
    cmd('c', 2, 'sub_refresh', { token: subToken('ku50', 'locked:k50') }),
  ]),
  c('sub-refresh/subscribed-without-token', [
    ...user(51),
    sub('c', 2, 'hist:k51'),
    cmd('c', 3, 'sub_refresh', { channel: 'hist:k51', token: subToken('ku51', 'hist:k51') }),
  ]),
];
