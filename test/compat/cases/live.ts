// Server API calls acting on open connections: what each connection then receives (pushes,
// replies, the close code and reason) is compared, as are the API answers.
import type { ClientCase } from '../case.ts';
import { api, cmd, connected, replyRef, sub } from './client-steps.ts';
import { as, c, clientOf, later } from './live-cases.ts';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');

export const LIVE_CASES: ClientCase[] = [
  // first: no connection of an earlier case can still be counted
  {
    ...c('info-counts', [
      ...as('a', 'lu50'),
      ...as('b', 'lu50'),
      sub('a', 2, 'hist:l50'),
      // Centrifugo's info shows each node's last report, sent every 3 s: wait for one.
      { sleep: 3_200 },
      api('info', {}),
    ]),
    encodings: ['json'],
  },
  // publications reaching subscribers
  c('publish', [
    ...as('c', 'lu1'),
    sub('c', 2, 'hist:l1'),
    api('publish', { channel: 'hist:l1', data: { n: 1 } }),
  ]),
  c('publish-no-history', [
    ...as('c', 'lu2'),
    sub('c', 2, 'plain-l2'),
    api('publish', { channel: 'plain-l2', data: { n: 1 } }),
  ]),
  c('publish-tags', [
    ...as('c', 'lu3'),
    sub('c', 2, 'hist:l3'),
    api('publish', { channel: 'hist:l3', data: { n: 1 }, tags: { k: 'v' } }),
  ]),
  c('publish-b64data', [
    ...as('c', 'lu4'),
    sub('c', 2, 'hist:l4'),
    api('publish', { channel: 'hist:l4', b64data: b64({ b: 1 }) }),
  ]),
  c('publish-b64-binary', [
    ...as('c', 'lu5'),
    sub('c', 2, 'hist:l5'),
    api('publish', { channel: 'hist:l5', b64data: Buffer.from([0xff, 0x00]).toString('base64') }),
  ]),
  c('publish-skip-history', [
    ...as('c', 'lu6'),
    sub('c', 2, 'hist:l6'),
    api('publish', { channel: 'hist:l6', data: {}, skip_history: true }),
  ]),
  c('publish-positioned', [
    ...as('c', 'lu7'),
    sub('c', 2, 'hist:l7', { positioned: true, recoverable: true }),
    api('publish', { channel: 'hist:l7', data: { n: 1 } }),
    api('publish', { channel: 'hist:l7', data: { n: 2 } }),
  ]),
  // publish `version`: an outdated one is neither stored nor delivered
  c('publish-version', [
    ...as('c', 'lu60'),
    sub('c', 2, 'hist:l60', { positioned: true }),
    api('publish', { channel: 'hist:l60', data: { v: 2 }, version: 2 }),
    api('publish', { channel: 'hist:l60', data: { v: 1 }, version: 1 }),
    api('publish', { channel: 'hist:l60', data: { v: 3 }, version: 3, version_epoch: 'e' }),
    api('publish', { channel: 'hist:l60', data: { v: 3 }, version: 3, version_epoch: 'e' }),
    api('publish', { channel: 'hist:l60', data: { v: 1 }, version: 1, version_epoch: 'f' }),
    api('broadcast', { channels: ['hist:l60'], data: { v: 0 }, version: 1, version_epoch: 'f' }),
    cmd('c', 3, 'history', { channel: 'hist:l60', limit: 10 }),
  ]),
  c('publish-two-subscribers', [
    ...as('a', 'lu9a'),
    ...as('b', 'lu9b'),
    sub('a', 2, 'hist:l9'),
    sub('b', 2, 'hist:l9'),
    api('publish', { channel: 'hist:l9', data: { n: 1 } }),
  ]),
  // One connection per channel: Centrifugo publishes to the channels concurrently, so pushes
  // of two channels on one connection come in either order.
  c('broadcast', [
    ...as('a', 'lu10a'),
    ...as('b', 'lu10b'),
    sub('a', 2, 'hist:l10a'),
    sub('b', 2, 'hist:l10b'),
    api('broadcast', { channels: ['hist:l10a', 'hist:l10b', 'hist:l10c'], data: { b: 1 } }),
  ]),
  c('client-publish-info', [
    ...as('a', 'lu11a', { info: { name: 'A' } }),
    ...as('b', 'lu11b'),
    sub('a', 2, 'hist:l11'),
    sub('b', 2, 'hist:l11'),
    cmd('a', 3, 'publish', { channel: 'hist:l11', data: { from: 'a' } }),
    api('history', { channel: 'hist:l11', limit: 5 }),
  ]),
  // server-side subscribe
  c('subscribe', [
    ...as('c', 'lu13'),
    api('subscribe', { user: 'lu13', channel: 'hist:l13' }),
    api('publish', { channel: 'hist:l13', data: { n: 1 } }),
  ]),
  c('subscribe-data', [
    ...as('c', 'lu14'),
    api('subscribe', { user: 'lu14', channel: 'hist:l14', data: { welcome: true } }),
    api('publish', { channel: 'hist:l14', data: { n: 1 } }),
  ]),
  c('subscribe-b64data', [
    ...as('c', 'lu15'),
    api('subscribe', { user: 'lu15', channel: 'hist:l15', b64data: b64({ w: 1 }) }),
    api('publish', { channel: 'hist:l15', data: { n: 1 } }),
  ]),
  c('subscribe-info', [
    ...as('c', 'lu16'),
    api('subscribe', { user: 'lu16', channel: 'hist:l16', info: { role: 'guest' } }),
    api('presence', { channel: 'hist:l16' }),
    cmd('c', 2, 'publish', { channel: 'hist:l16', data: { n: 1 } }),
    api('history', { channel: 'hist:l16', limit: 5 }),
  ]),
  c('subscribe-recover-since', [
    ...as('c', 'lu17'),
    api('publish', { channel: 'hist:l17', data: { n: 1 } }),
    api('publish', { channel: 'hist:l17', data: { n: 2 } }),
    api('subscribe', {
      user: 'lu17',
      channel: 'hist:l17',
      recover_since: { offset: 1, epoch: { $ref: 'step:0:result.epoch' } },
    }),
  ]),
  c('subscribe-client', [
    ...as('a', 'lu18'),
    ...as('b', 'lu18'),
    api('subscribe', { user: 'lu18', channel: 'hist:l18', client: clientOf('b') }),
  ]),
  c('subscribe-join-leave', [
    ...as('a', 'lu19a'),
    ...as('b', 'lu19b'),
    sub('a', 2, 'pres:l19'),
    api('subscribe', { user: 'lu19b', channel: 'pres:l19' }),
  ]),
  c('subscribe-already', [
    ...as('c', 'lu20'),
    sub('c', 2, 'hist:l20'),
    api('subscribe', { user: 'lu20', channel: 'hist:l20' }),
  ]),
  c('subscribe-override', [
    ...as('c', 'lu21'),
    api('subscribe', {
      user: 'lu21',
      channel: 'pres:l21',
      override: { presence: { value: false } },
    }),
    api('presence', { channel: 'pres:l21' }),
  ]),
  c('subscribe-unknown-user', [
    ...as('c', 'lu22'),
    api('subscribe', { user: 'nobody', channel: 'hist:l22' }),
  ]),
  // server-side unsubscribe
  later('unsubscribe', [
    ...as('c', 'lu23'),
    sub('c', 2, 'hist:l23'),
    api('unsubscribe', { user: 'lu23', channel: 'hist:l23' }),
    api('publish', { channel: 'hist:l23', data: {} }),
  ]),
  later('unsubscribe-client', [
    ...as('a', 'lu24'),
    ...as('b', 'lu24'),
    sub('a', 2, 'hist:l24'),
    sub('b', 2, 'hist:l24'),
    api('unsubscribe', { user: 'lu24', channel: 'hist:l24', client: clientOf('a') }),
  ]),
  later('unsubscribe-not-subscribed', [
    ...as('c', 'lu25'),
    api('unsubscribe', { user: 'lu25', channel: 'hist:l25' }),
  ]),
  later('unsubscribe-server-side', [
    ...as('c', 'lu26', { channels: ['hist:l26'] }),
    api('unsubscribe', { user: 'lu26', channel: 'hist:l26' }),
  ]),
  // disconnect
  later('disconnect', [
    ...as('c', 'lu27'),
    api('disconnect', { user: 'lu27' }),
    { closed: 'c', within: 3_000 },
  ]),
  later('disconnect-custom', [
    ...as('c', 'lu28'),
    api('disconnect', { user: 'lu28', disconnect: { code: 4001, reason: 'go away' } }),
    { closed: 'c', within: 3_000 },
  ]),
  later('disconnect-terminal-code', [
    ...as('c', 'lu29'),
    api('disconnect', { user: 'lu29', disconnect: { code: 4501, reason: 'banned' } }),
    { closed: 'c', within: 3_000 },
  ]),
  later('disconnect-reason-124-bytes', [
    ...as('c', 'lu30'),
    api('disconnect', { user: 'lu30', disconnect: { code: 4002, reason: 'r'.repeat(124) } }),
    { closed: 'c', within: 3_000 },
  ]),
  later('disconnect-client', [
    ...as('a', 'lu31'),
    ...as('b', 'lu31'),
    api('disconnect', { user: 'lu31', client: clientOf('a') }),
    { closed: 'a', within: 3_000 },
  ]),
  later('disconnect-whitelist', [
    ...as('a', 'lu32'),
    ...as('b', 'lu32'),
    api('disconnect', { user: 'lu32', whitelist: [clientOf('b')] }),
    { closed: 'a', within: 3_000 },
  ]),
  later('disconnect-other-user', [...as('c', 'lu33'), api('disconnect', { user: 'someone' })]),
  later('disconnect-anonymous', [...connected('c'), api('disconnect', { user: '' })]),
  // refresh
  later('refresh', [
    ...as('c', 'lu34'),
    api('refresh', { user: 'lu34', expire_at: 4_102_444_800 }),
  ]),
  later('refresh-expired', [
    ...as('c', 'lu35'),
    api('refresh', { user: 'lu35', expired: true }),
    { closed: 'c', within: 3_000 },
  ]),
  c('refresh-info', [
    ...as('c', 'lu36'),
    sub('c', 2, 'hist:l36'),
    api('refresh', { user: 'lu36', info: { v: 2 } }),
    api('presence', { channel: 'hist:l36' }),
  ]),
  later('refresh-past', [
    ...as('c', 'lu37'),
    api('refresh', { user: 'lu37', expire_at: 1 }),
    { closed: 'c', within: 3_000 },
  ]),
  // presence, channels, info with connections open
  c('presence', [
    ...as('a', 'lu38a', { info: { n: 'a' } }),
    ...as('b', 'lu38b'),
    sub('a', 2, 'hist:l38'),
    sub('b', 2, 'hist:l38'),
    api('presence', { channel: 'hist:l38' }),
    api('presence_stats', { channel: 'hist:l38' }),
  ]),
  c('presence-same-user', [
    ...as('a', 'lu39'),
    ...as('b', 'lu39'),
    sub('a', 2, 'hist:l39'),
    sub('b', 2, 'hist:l39'),
    api('presence_stats', { channel: 'hist:l39' }),
  ]),
  c('channels', [
    ...as('a', 'lu40'),
    sub('a', 2, 'hist:l40a'),
    sub('a', 3, 'hist:l40b'),
    api('channels', { pattern: 'hist:l40*' }),
  ]),
  // join and leave
  c('join-leave', [
    ...as('a', 'lu41a'),
    ...as('b', 'lu41b', { info: { n: 'b' } }),
    sub('a', 2, 'pres:l41'),
    sub('b', 2, 'pres:l41'),
    cmd('b', 3, 'unsubscribe', { channel: 'pres:l41' }),
  ]),
  c('force-push-join-leave', [
    ...as('a', 'lu42a'),
    ...as('b', 'lu42b'),
    sub('a', 2, 'push:l42'),
    sub('b', 2, 'push:l42'),
  ]),
  c('join-leave-server-side-self', [...as('c', 'lu43', { channels: ['pres:l43'] })]),
  c('join-leave-server-side-other', [
    ...as('a', 'lu44a'),
    sub('a', 2, 'pres:l44'),
    ...as('b', 'lu44b', { channels: ['pres:l44'] }),
  ]),
  later('leave-on-disconnect', [
    ...as('a', 'lu45a'),
    ...as('b', 'lu45b'),
    sub('a', 2, 'pres:l45'),
    sub('b', 2, 'pres:l45'),
    api('disconnect', { user: 'lu45b' }),
    { closed: 'b', within: 3_000 },
  ]),
  // server-side subscriptions from the token
  c('token-channels-publish', [
    ...as('c', 'lu46', { channels: ['hist:l46'] }),
    api('publish', { channel: 'hist:l46', data: { n: 1 } }),
  ]),
  c('token-subs-publish', [
    ...as('c', 'lu47', { subs: { 'hist:l47': { data: { d: 1 } } } }),
    api('publish', { channel: 'hist:l47', data: { n: 1 } }),
  ]),
  c('history-remove-then-recover', [
    ...as('c', 'lu48'),
    sub('c', 2, 'hist:l48', { recoverable: true }),
    api('publish', { channel: 'hist:l48', data: { n: 1 } }),
    cmd('c', 3, 'unsubscribe', { channel: 'hist:l48' }),
    api('history_remove', { channel: 'hist:l48' }),
    sub('c', 4, 'hist:l48', {
      recoverable: true,
      recover: true,
      epoch: replyRef('c', 2, 'subscribe.epoch'),
      offset: 0,
    }),
  ]),
  c('user-limited-publish', [
    ...as('c', 'lu49'),
    sub('c', 2, 'user:l49#lu49'),
    api('publish', { channel: 'user:l49#lu49', data: { n: 1 } }),
  ]),
];
