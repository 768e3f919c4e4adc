// Server API methods that act on connections (subscribe, unsubscribe, disconnect, refresh)
// and presence, called with no connection open: what each validates and answers. Their
// effect on open connections is in live.ts.
import { ApiCases, type ApiGroups, b64, DEFAULT_GROUPS } from './api-builder.ts';

export function connectionCases(groups: ApiGroups = DEFAULT_GROUPS): ApiCases {
  const a = new ApiCases(groups);
  // subscribe
  a.one('subscribe/valid', 'subscribe', { user: 'u1', channel: 'hist:s1' });
  a.one('subscribe/no-user', 'subscribe', { channel: 'hist:s2' });
  a.one('subscribe/no-channel', 'subscribe', { user: 'u1' });
  a.one('subscribe/empty-user', 'subscribe', { user: '', channel: 'hist:s3' });
  a.one('subscribe/unknown-namespace', 'subscribe', { user: 'u1', channel: 'nope:s4' });
  a.one('subscribe/info-data', 'subscribe', {
    user: 'u1',
    channel: 'hist:s5',
    info: { i: 1 },
    data: { d: 1 },
  });
  a.one('subscribe/b64info-invalid', 'subscribe', {
    user: 'u1',
    channel: 'hist:s6',
    b64info: '!!',
  });
  a.one('subscribe/b64data', 'subscribe', {
    user: 'u1',
    channel: 'hist:s7',
    b64data: b64({ d: 1 }),
  });
  a.one('subscribe/b64data-invalid', 'subscribe', {
    user: 'u1',
    channel: 'hist:s8',
    b64data: '!!',
  });
  a.one('subscribe/override', 'subscribe', {
    user: 'u1',
    channel: 'hist:s9',
    override: {
      presence: { value: true },
      join_leave: { value: false },
      force_recovery: { value: true },
    },
  });
  a.one('subscribe/recover-since', 'subscribe', {
    user: 'u1',
    channel: 'hist:s10',
    recover_since: { offset: 3, epoch: 'e' },
  });
  a.one('subscribe/client-session', 'subscribe', {
    user: 'u1',
    channel: 'hist:s11',
    client: 'no-such-client',
    session: 'no-such-session',
  });
  a.one('subscribe/user-number', 'subscribe', { user: 1, channel: 'hist:s12' }, { grpc: false });
  a.one('subscribe/channel-256', 'subscribe', { user: 'u1', channel: `hist:${'e'.repeat(251)}` });
  a.one(
    'subscribe/override-wrong-type',
    'subscribe',
    { user: 'u1', channel: 'hist:s13', override: { presence: true } },
    { grpc: false },
  );

  // unsubscribe
  a.one('unsubscribe/valid', 'unsubscribe', { user: 'u1', channel: 'hist:u1' });
  a.one('unsubscribe/no-user', 'unsubscribe', { channel: 'hist:u2' });
  a.one('unsubscribe/no-channel', 'unsubscribe', { user: 'u1' });
  a.one('unsubscribe/unknown-namespace', 'unsubscribe', { user: 'u1', channel: 'nope:u3' });
  a.one('unsubscribe/client-session', 'unsubscribe', {
    user: 'u1',
    channel: 'hist:u4',
    client: 'c',
    session: 's',
  });
  a.one('unsubscribe/empty', 'unsubscribe', {});

  // disconnect
  a.one('disconnect/user', 'disconnect', { user: 'u1' });
  a.one('disconnect/no-user', 'disconnect', {});
  a.one('disconnect/custom', 'disconnect', {
    user: 'u1',
    disconnect: { code: 4000, reason: 'bye' },
  });
  a.one('disconnect/code-3000', 'disconnect', {
    user: 'u1',
    disconnect: { code: 3000, reason: 'x' },
  });
  a.one('disconnect/code-zero', 'disconnect', { user: 'u1', disconnect: { code: 0, reason: 'x' } });
  a.one('disconnect/code-1000', 'disconnect', {
    user: 'u1',
    disconnect: { code: 1000, reason: 'x' },
  });
  a.one('disconnect/code-5000', 'disconnect', {
    user: 'u1',
    disconnect: { code: 5000, reason: 'x' },
  });
  a.one('disconnect/long-reason', 'disconnect', {
    user: 'u1',
    disconnect: { code: 4001, reason: 'r'.repeat(200) },
  });
  a.one('disconnect/whitelist', 'disconnect', { user: 'u1', whitelist: ['c1', 'c2'] });
  a.one('disconnect/client-session', 'disconnect', { user: 'u1', client: 'c', session: 's' });
  a.one(
    'disconnect/code-string',
    'disconnect',
    { user: 'u1', disconnect: { code: '4000' } },
    { grpc: false },
  );

  // refresh
  a.one('refresh/user', 'refresh', { user: 'u1' });
  a.one('refresh/no-user', 'refresh', {});
  a.one('refresh/expired', 'refresh', { user: 'u1', expired: true });
  a.one('refresh/expire-at', 'refresh', { user: 'u1', expire_at: 4_102_444_800 });
  a.one('refresh/info', 'refresh', { user: 'u1', info: { r: 1 } });
  a.one('refresh/b64info', 'refresh', { user: 'u1', b64info: b64({ r: 1 }) }, { grpc: false });
  a.one('refresh/client-session', 'refresh', { user: 'u1', client: 'c', session: 's' });
  a.one('refresh/expire-at-negative', 'refresh', { user: 'u1', expire_at: -1 });

  // presence, presence_stats
  a.one('presence/empty', 'presence', { channel: 'hist:pr1' });
  a.one('presence/not-enabled', 'presence', { channel: 'rx:pr' });
  a.one('presence/unknown-namespace', 'presence', { channel: 'nope:pr' });
  a.one('presence/no-channel', 'presence', {});
  a.one('presence/top-level', 'presence', { channel: 'plain-pr2' });
  a.one('presence-stats/empty', 'presence_stats', { channel: 'hist:ps1' });
  a.one('presence-stats/not-enabled', 'presence_stats', { channel: 'rx:ps' });
  a.one('presence-stats/unknown-namespace', 'presence_stats', { channel: 'nope:ps' });
  a.one('presence-stats/no-channel', 'presence_stats', {});
  a.one('presence-stats/channel-number', 'presence_stats', { channel: 5 }, { grpc: false });
  return a;
}
