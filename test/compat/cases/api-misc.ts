// Server API: channels, info, rpc, batch, and the methods of Centrifugo PRO and of v6.8+
// features (map, shared poll) that an OSS server still routes.
import { ApiCases, type ApiGroups, DEFAULT_GROUPS } from './api-builder.ts';

export function miscCases(groups: ApiGroups = DEFAULT_GROUPS): ApiCases {
  const a = new ApiCases(groups);
  // info first: nothing has happened on these servers yet, so its counts are exact
  a.one('info/first', 'info', {});
  a.one('info/unknown-field', 'info', { x: 1 }, { grpc: false });
  a.one('channels/none', 'channels', {});
  a.one('channels/pattern', 'channels', { pattern: 'hist:*' });
  a.one('channels/pattern-number', 'channels', { pattern: 5 }, { grpc: false });

  // rpc: OSS Centrifugo has no built-in methods and here no proxy
  a.one('rpc/method', 'rpc', { method: 'x', params: { p: 1 } });
  a.one('rpc/no-method', 'rpc', {});
  a.one('rpc/empty-method', 'rpc', { method: '' });
  a.one('rpc/getUserStatus', 'rpc', { method: 'getUserStatus', params: {} });

  // batch
  a.one('batch/two', 'batch', {
    commands: [
      { publish: { channel: 'hist:bt1', data: { n: 1 } } },
      { history: { channel: 'hist:bt1', limit: 10 } },
    ],
  });
  a.one('batch/errors-inside', 'batch', {
    commands: [
      { publish: { channel: 'nope:bt2', data: {} } },
      { publish: { channel: '', data: {} } },
      { presence: { channel: 'rx:bt2' } },
      { presence_stats: { channel: 'hist:bt2' } },
    ],
  });
  a.one('batch/parallel', 'batch', {
    parallel: true,
    commands: [
      { publish: { channel: 'hist:bt3', data: { n: 1 } } },
      { publish: { channel: 'hist:bt4', data: { n: 1 } } },
    ],
  });
  a.one('batch/empty-list', 'batch', { commands: [] });
  a.one('batch/no-commands', 'batch', {});
  a.one('batch/null-command', 'batch', { commands: [null] }, { grpc: false });
  a.one('batch/empty-command', 'batch', { commands: [{}] });
  a.one('batch/two-methods-in-one', 'batch', {
    commands: [{ publish: { channel: 'hist:bt5', data: {} }, presence: { channel: 'hist:bt5' } }],
  });
  a.one('batch/unknown-method', 'batch', { commands: [{ nothing: {} }] }, { grpc: false });
  a.one('batch/commands-object', 'batch', { commands: {} }, { grpc: false });
  a.one(
    'batch/nested-batch',
    'batch',
    { commands: [{ batch: { commands: [] } }] },
    { grpc: false },
  );
  a.one('batch/all-methods', 'batch', {
    commands: [
      { broadcast: { channels: ['hist:bt6'], data: { b: 1 } } },
      { subscribe: { user: 'u1', channel: 'hist:bt6' } },
      { unsubscribe: { user: 'u1', channel: 'hist:bt6' } },
      { disconnect: { user: 'u1' } },
      { presence_stats: { channel: 'hist:bt6' } },
      { history_remove: { channel: 'hist:bt6' } },
      { refresh: { user: 'u1' } },
      { rpc: { method: 'm' } },
      { channels: { pattern: 'none:*' } },
    ],
  });

  // Methods of Centrifugo PRO and of features this OSS line gained in v6.8+
  a.one('pro/connections', 'connections', { user: 'u1' });
  a.one('pro/update-user-status', 'update_user_status', { users: ['u1'] });
  a.one('pro/get-user-status', 'get_user_status', { users: ['u1'] });
  a.one('pro/delete-user-status', 'delete_user_status', { users: ['u1'] });
  a.one('pro/block-user', 'block_user', { user: 'u1' });
  a.one('pro/unblock-user', 'unblock_user', { user: 'u1' });
  a.one('pro/revoke-token', 'revoke_token', { uid: 'x' });
  a.one('pro/invalidate-user-tokens', 'invalidate_user_tokens', { user: 'u1' });
  a.one('pro/device-list', 'device_list', {});
  a.one('pro/send-push-notification', 'send_push_notification', {});
  a.one('map/publish', 'map_publish', { channel: 'hist:m1', key: 'k', data: { v: 1 } });
  a.one('map/read-state', 'map_read_state', { channel: 'hist:m2' });
  a.one('map/stats', 'map_stats', { channel: 'hist:m3' });
  a.one('shared-poll/publish', 'shared_poll_publish', { channel: 'hist:sp1', key: 'k', data: {} });
  return a;
}
