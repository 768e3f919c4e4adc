// The server API with errors as transport statuses (http_api.error_mode and
// grpc_api.error_mode "transport"): each error code's status, and successes unchanged.
import { API_KEY } from '../configs.ts';
import { ApiCases } from './api-builder.ts';

export function transportCases(): ApiCases {
  const a = new ApiCases({
    http: 'api-transport',
    grpc: 'grpc-transport',
    httpPrefix: 'api-transport',
    grpcPrefix: 'grpc-transport',
  });
  a.one('publish-ok', 'publish', { channel: 'hist:t1', data: { a: 1 } });
  a.one('publish-no-channel', 'publish', { data: {} });
  a.one('publish-unknown-namespace', 'publish', { channel: 'nope:t2', data: {} });
  a.one('publish-no-data', 'publish', { channel: 'hist:t3' });
  a.one('publish-json-object', 'publish', { channel: 'obj:t4', data: [1] });
  a.one('presence-not-enabled', 'presence', { channel: 'rx:t' });
  a.one('history-no-history', 'history', { channel: 'plain-t5' });
  a.add('history-wrong-epoch', [
    ['publish', { channel: 'hist:t6', data: {} }],
    ['history', { channel: 'hist:t6', since: { offset: 1, epoch: 'wrong' } }],
  ]);
  a.one('broadcast-partial', 'broadcast', { channels: ['hist:t7', 'nope:t7'], data: {} });
  a.one('broadcast-empty', 'broadcast', { channels: [], data: {} });
  a.one('batch-errors', 'batch', {
    commands: [
      { publish: { channel: 'nope:t8', data: {} } },
      { presence_stats: { channel: 'hist:t8' } },
    ],
  });
  a.one('subscribe-no-user', 'subscribe', { channel: 'hist:t9' });
  a.one('disconnect-no-user', 'disconnect', {});
  a.one('rpc', 'rpc', { method: 'x' });
  a.one('info', 'info', {});
  a.one('pro-connections', 'connections', { user: 'u' });
  a.http('body-null', [{ api: 'publish', raw: 'null' }]);
  a.http('body-invalid', [{ api: 'publish', raw: '{' }]);
  a.http('header-mode-on-default', [
    {
      api: 'publish',
      body: { channel: 'nope:t10', data: {} },
      headers: { 'X-Centrifugo-Error-Mode': 'transport' },
    },
  ]);
  // The key checks, on a call whose answer is small and fixed.
  const stats = { channel: 'hist:t11' };
  a.http('no-key', [{ api: 'presence_stats', body: stats, noKey: true }]);
  a.grpc('no-key', [{ grpc: 'PresenceStats', request: stats, metadata: {} }]);
  a.grpc('wrong-key', [
    { grpc: 'PresenceStats', request: stats, metadata: { authorization: 'apikey wrong' } },
  ]);
  a.grpc('key-ok', [
    { grpc: 'PresenceStats', request: stats, metadata: { authorization: `apikey ${API_KEY}` } },
  ]);
  return a;
}
