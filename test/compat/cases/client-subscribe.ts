// Client protocol: subscribe. Permissions (namespaces, anonymous, private and user-limited
// channels, subscription tokens), channel names, flags, recovery and positioning, delta,
// join/leave, and unsubscribe.
import type { ClientCase } from '../case.ts';
import { SUB_TOKEN_SECRET } from '../configs.ts';
import {
  badSignatureToken,
  connectToken,
  EXPIRED_EXP,
  hs256,
  subToken,
  VALID_EXP,
} from '../tokens.ts';
import { api, cmd, connected, replyRef, sub } from './client-steps.ts';

const c = (id: string, steps: ClientCase['steps']): ClientCase => ({
  id: `client/subscribe/${id}`,
  group: 'client',
  steps,
});
const user = (n: number) => connected('c', connectToken(`su${n}`));
const epochOf = replyRef('c', 2, 'subscribe.epoch');
const offsetOf = replyRef('c', 2, 'subscribe.offset', 0);

export const SUBSCRIBE_CASES: ClientCase[] = [
  // permissions
  c('top-level', [...user(1), sub('c', 2, 'plain-s1')]),
  c('anonymous-top-level', [...connected('c'), sub('c', 2, 'plain-s2')]),
  c('anonymous-allowed', [...connected('c'), sub('c', 2, 'anon:s3')]),
  c('unknown-namespace', [...user(4), sub('c', 2, 'nope:s4')]),
  c('locked', [...user(5), sub('c', 2, 'locked:s5')]),
  c('locked-token', [
    ...user(6),
    sub('c', 2, 'locked:s6', { token: subToken('su6', 'locked:s6') }),
  ]),
  c('locked-token-other-channel', [
    ...user(7),
    sub('c', 2, 'locked:s7', { token: subToken('su7', 'locked:other') }),
  ]),
  c('locked-token-other-user', [
    ...user(8),
    sub('c', 2, 'locked:s8', { token: subToken('other', 'locked:s8') }),
  ]),
  c('locked-token-expired', [
    ...user(9),
    sub('c', 2, 'locked:s9', { token: subToken('su9', 'locked:s9', { exp: EXPIRED_EXP }) }),
  ]),
  c('locked-token-bad-signature', [
    ...user(10),
    sub('c', 2, 'locked:s10', { token: badSignatureToken('su10') }),
  ]),
  c('locked-token-connection-secret', [
    ...user(11),
    sub('c', 2, 'locked:s11', { token: connectToken('su11', { channel: 'locked:s11' }) }),
  ]),
  c('locked-token-info', [
    ...user(12),
    sub('c', 2, 'locked:s12', { token: subToken('su12', 'locked:s12', { info: { role: 'x' } }) }),
    api('presence', { channel: 'locked:s12' }),
  ]),
  c('locked-token-override', [
    ...user(13),
    sub('c', 2, 'locked:s13', {
      token: subToken('su13', 'locked:s13', { override: { presence: { value: false } } }),
    }),
    api('presence', { channel: 'locked:s13' }),
  ]),
  c('locked-token-no-exp', [
    ...user(14),
    sub('c', 2, 'locked:s14', {
      token: hs256({ sub: 'su14', channel: 'locked:s14' }, SUB_TOKEN_SECRET),
    }),
  ]),
  c('private-no-token', [...user(15), sub('c', 2, '$hist:s15')]),
  c('private-token', [
    ...user(16),
    sub('c', 2, '$hist:s16', { token: subToken('su16', '$hist:s16') }),
  ]),
  c('user-limited-own', [...user(17), sub('c', 2, 'user:s17#su17')]),
  c('user-limited-other', [...user(18), sub('c', 2, 'user:s18#someone')]),
  c('user-limited-list', [...user(19), sub('c', 2, 'user:s19#a,su19')]),
  c('user-limited-not-allowed', [...user(20), sub('c', 2, 'hist:s20#su20')]),
  // channel names
  c('empty-channel', [...user(21), sub('c', 2, '')]),
  c('non-ascii', [...user(22), sub('c', 2, 'hist:ünï')]),
  c('regex-match', [...user(23), sub('c', 2, 'rx:abc')]),
  c('regex-miss', [...user(24), sub('c', 2, 'rx:ABC1')]),
  c('channel-255', [...user(25), sub('c', 2, `hist:${'a'.repeat(250)}`)]),
  c('channel-256', [...user(26), sub('c', 2, `hist:${'b'.repeat(251)}`)]),
  c('twice', [...user(27), sub('c', 2, 'hist:s27'), sub('c', 3, 'hist:s27')]),
  c('two-in-one-frame', [
    ...user(28),
    {
      send: 'c',
      commands: [
        { id: 2, subscribe: { channel: 'hist:s28a' } },
        { id: 3, subscribe: { channel: 'hist:s28b' } },
      ],
    },
  ]),
  // stream options
  c('recoverable', [...user(29), sub('c', 2, 'hist:s29', { recoverable: true })]),
  c('positioned', [...user(30), sub('c', 2, 'hist:s30', { positioned: true })]),
  c('recoverable-no-history', [...user(31), sub('c', 2, 'plain-s31', { recoverable: true })]),
  c('forced', [...user(32), sub('c', 2, 'rec:s32')]),
  c('recoverable-not-allowed', [...user(33), sub('c', 2, 'pres:s33', { recoverable: true })]),
  c('recover', [
    ...user(34),
    sub('c', 2, 'hist:s34', { recoverable: true }),
    api('publish', { channel: 'hist:s34', data: { n: 1 } }),
    cmd('c', 3, 'unsubscribe', { channel: 'hist:s34' }),
    api('publish', { channel: 'hist:s34', data: { n: 2 } }),
    api('publish', { channel: 'hist:s34', data: { n: 3 } }),
    sub('c', 4, 'hist:s34', { recoverable: true, recover: true, epoch: epochOf, offset: 1 }),
  ]),
  c('recover-nothing-missed', [
    ...user(35),
    sub('c', 2, 'hist:s35', { recoverable: true }),
    cmd('c', 3, 'unsubscribe', { channel: 'hist:s35' }),
    sub('c', 4, 'hist:s35', { recoverable: true, recover: true, epoch: epochOf, offset: offsetOf }),
  ]),
  c('recover-wrong-epoch', [
    ...user(36),
    api('publish', { channel: 'hist:s36', data: { n: 1 } }),
    sub('c', 2, 'hist:s36', { recoverable: true, recover: true, epoch: 'wrong', offset: 0 }),
  ]),
  c('recover-beyond-top', [
    ...user(37),
    sub('c', 2, 'hist:s37', { recoverable: true }),
    cmd('c', 3, 'unsubscribe', { channel: 'hist:s37' }),
    sub('c', 4, 'hist:s37', { recoverable: true, recover: true, epoch: epochOf, offset: 10 }),
  ]),
  c('recover-trimmed', [
    ...user(38),
    sub('c', 2, 'hist:s38', { recoverable: true }),
    cmd('c', 3, 'unsubscribe', { channel: 'hist:s38' }),
    ...Array.from({ length: 12 }, (_, n) => api('publish', { channel: 'hist:s38', data: { n } })),
    sub('c', 4, 'hist:s38', { recoverable: true, recover: true, epoch: epochOf, offset: 0 }),
  ]),
  c('recover-without-recoverable', [
    ...user(39),
    sub('c', 2, 'hist:s39', { recover: true, epoch: 'x', offset: 0 }),
  ]),
  c('flag-reject-unrecovered', [
    ...user(40),
    api('publish', { channel: 'hist:s40', data: { n: 1 } }),
    sub('c', 2, 'hist:s40', {
      recoverable: true,
      recover: true,
      epoch: 'wrong',
      offset: 0,
      flag: 2,
    }),
  ]),
  c('flag-reject-unrecovered-ok', [
    ...user(41),
    sub('c', 2, 'hist:s41', { recoverable: true }),
    cmd('c', 3, 'unsubscribe', { channel: 'hist:s41' }),
    api('publish', { channel: 'hist:s41', data: { n: 1 } }),
    sub('c', 4, 'hist:s41', {
      recoverable: true,
      recover: true,
      epoch: epochOf,
      offset: offsetOf,
      flag: 2,
    }),
  ]),
  c('flag-unknown', [...user(42), sub('c', 2, 'hist:s42', { flag: 1024 })]),
  c('delta-not-allowed', [...user(44), sub('c', 2, 'hist:s44', { delta: 'fossil' })]),
  c('join-leave-flag', [...user(46), sub('c', 2, 'pres:s46', { join_leave: true })]),
  c('force-push-join-leave', [...user(47), sub('c', 2, 'push:s47')]),
  c('data', [...user(48), sub('c', 2, 'hist:s48', { data: { d: 1 } })]),
  c('tags-filter-not-allowed', [
    ...user(50),
    sub('c', 2, 'hist:s50', { tf: { key: 't', cmp: 'eq', val: '1' } }),
  ]),
  c('type-map', [...user(51), sub('c', 2, 'hist:s51', { type: 1 })]),
  c('json-object-namespace', [...user(52), sub('c', 2, 'obj:s52')]),
  c('token-for-open-channel', [
    ...user(53),
    sub('c', 2, 'hist:s53', { token: subToken('su53', 'hist:s53') }),
  ]),
  // unsubscribe
  c('unsubscribe', [
    ...user(54),
    sub('c', 2, 'hist:s54'),
    cmd('c', 3, 'unsubscribe', { channel: 'hist:s54' }),
  ]),
  c('unsubscribe-not-subscribed', [
    ...user(55),
    cmd('c', 2, 'unsubscribe', { channel: 'hist:s55' }),
  ]),
  c('unsubscribe-empty-channel', [...user(56), cmd('c', 2, 'unsubscribe', { channel: '' })]),
  c('unsubscribe-then-publish', [
    ...user(57),
    sub('c', 2, 'hist:s57'),
    cmd('c', 3, 'unsubscribe', { channel: 'hist:s57' }),
    api('publish', { channel: 'hist:s57', data: { after: true } }),
  ]),
  c('resubscribe', [
    ...user(58),
    sub('c', 2, 'hist:s58'),
    cmd('c', 3, 'unsubscribe', { channel: 'hist:s58' }),
    sub('c', 4, 'hist:s58'),
  ]),
  c('positioned-then-publish', [
    ...user(59),
    sub('c', 2, 'hist:s59', { positioned: true }),
    api('publish', { channel: 'hist:s59', data: { n: 1 } }),
    api('publish', { channel: 'hist:s59', data: { n: 2 } }),
  ]),
  c('token-exp-far', [
    ...user(60),
    sub('c', 2, 'locked:s60', {
      token: subToken('su60', 'locked:s60', { exp: VALID_EXP + 86_400 }),
    }),
  ]),
];
