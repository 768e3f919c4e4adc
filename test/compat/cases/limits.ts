// Client limits, in a group with small ones: channels per connection, frame size, history
// and recovery limits, connections per user; and pings, in a group with a 1 s interval.
import type { ClientCase } from '../case.ts';
import { connectToken } from '../tokens.ts';
import { api, cmd, connected, replyRef, sub } from './client-steps.ts';

const c = (id: string, steps: ClientCase['steps']): ClientCase => ({
  id: `limits/${id}`,
  group: 'limits',
  steps,
});
const user = (n: number) => connected('c', connectToken(`mu${n}`));

export const LIMIT_CASES: ClientCase[] = [
  c('channel-limit', [
    ...user(1),
    sub('c', 2, 'hist:m1a'),
    sub('c', 3, 'hist:m1b'),
    sub('c', 4, 'hist:m1c'),
  ]),
  c('channel-limit-token-channels', [
    ...connected('c', connectToken('mu2', { channels: ['hist:m2a', 'hist:m2b', 'hist:m2c'] })),
  ]),
  c('message-size-over', [
    ...user(3),
    cmd('c', 2, 'publish', { channel: 'open:m3', data: { s: 'x'.repeat(2000) } }),
  ]),
  c('message-size-under', [
    ...user(4),
    cmd('c', 2, 'publish', { channel: 'open:m4', data: { s: 'x'.repeat(900) } }),
  ]),
  c('history-limit', [
    ...user(5),
    ...Array.from({ length: 5 }, (_, n) => api('publish', { channel: 'open:m5', data: { n } })),
    cmd('c', 2, 'history', { channel: 'open:m5', limit: 10 }),
    cmd('c', 3, 'history', { channel: 'open:m5', limit: 2 }),
    cmd('c', 4, 'history', { channel: 'open:m5', limit: -1 }),
  ]),
  c('recovery-limit', [
    ...user(6),
    sub('c', 2, 'hist:m6', { recoverable: true }),
    cmd('c', 3, 'unsubscribe', { channel: 'hist:m6' }),
    ...Array.from({ length: 5 }, (_, n) => api('publish', { channel: 'hist:m6', data: { n } })),
    sub('c', 4, 'hist:m6', {
      recoverable: true,
      recover: true,
      epoch: replyRef('c', 2, 'subscribe.epoch'),
      offset: 0,
    }),
  ]),
  c('user-connection-limit', [
    ...connected('a', connectToken('mu7')),
    ...connected('b', connectToken('mu7')),
    ...connected('c', connectToken('mu7')),
  ]),
  c('api-history-limit-not-applied', [
    ...Array.from({ length: 5 }, (_, n) => api('publish', { channel: 'open:m8', data: { n } })),
    api('history', { channel: 'open:m8', limit: 10 }),
  ]),
];

const p = (id: string, steps: ClientCase['steps']): ClientCase => ({
  id: `pings/${id}`,
  group: 'pings',
  steps,
});

export const PING_CASES: ClientCase[] = [
  p('app-ping-answered', [...connected('c', connectToken('pu1')), { sleep: 1_600 }]),
  p('app-ping-unanswered', [
    { open: 'c', noPong: true },
    cmd('c', 1, 'connect', { token: connectToken('pu2') }),
    // the first ping by 1 s, then 900 ms for the pong that never comes
    { sleep: 2_800 },
  ]),
  {
    ...p('ws-frame-ping-pong', [
      { open: 'c', path: '/connection/websocket?cf_ws_frame_ping_pong=true' },
      cmd('c', 1, 'connect', { token: connectToken('pu3') }),
      { sleep: 1_600 },
    ]),
    encodings: ['json'],
  },
];
