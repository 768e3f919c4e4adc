// gRPC server API specifics: where the key goes in metadata, the per-call error mode, and
// the PRO and v6.8+ methods of the service.
import type { Step } from '../case.ts';
import { API_KEY } from '../configs.ts';
import { ApiCases } from './api-builder.ts';

const call = (
  rpc: string,
  request: Record<string, unknown>,
  metadata?: Record<string, string>,
): Step =>
  metadata === undefined
    ? { grpc: rpc, request: request as never }
    : { grpc: rpc, request: request as never, metadata };

// The key checks, on a call whose answer is small and fixed.
const STATS = { channel: 'hist:g0' };

export function grpcEdgeCases(): ApiCases {
  const a = new ApiCases();
  a.grpc('auth/none', [call('PresenceStats', STATS, {})]);
  a.grpc('auth/wrong', [call('PresenceStats', STATS, { authorization: 'apikey wrong' })]);
  a.grpc('auth/upper-scheme', [
    call('PresenceStats', STATS, { authorization: `APIKEY ${API_KEY}` }),
  ]);
  a.grpc('auth/bearer', [call('PresenceStats', STATS, { authorization: `Bearer ${API_KEY}` })]);
  a.grpc('auth/bare-key', [call('PresenceStats', STATS, { authorization: API_KEY })]);
  a.grpc('auth/spaces', [call('PresenceStats', STATS, { authorization: `apikey  ${API_KEY}` })]);
  a.grpc('auth/x-api-key', [call('PresenceStats', STATS, { 'x-api-key': API_KEY })]);
  a.grpc('auth/api-key-entry', [call('PresenceStats', STATS, { api_key: API_KEY })]);
  a.grpc('error-mode/metadata-transport', [
    call(
      'Publish',
      { channel: 'nope:g1', data: {} },
      { authorization: `apikey ${API_KEY}`, 'x-centrifugo-error-mode': 'transport' },
    ),
  ]);
  a.grpc('error-mode/metadata-other', [
    call(
      'Publish',
      { channel: 'nope:g2', data: {} },
      { authorization: `apikey ${API_KEY}`, 'x-centrifugo-error-mode': 'nonsense' },
    ),
  ]);
  a.grpc('publish/binary-data-then-http-history', [
    call('Publish', {
      channel: 'hist:g3',
      data: { $b64: Buffer.from([0xff, 0xfe, 0x00]).toString('base64') },
    }),
    { api: 'history', body: { channel: 'hist:g3', limit: 5 } },
    call('History', { channel: 'hist:g3', limit: 5 }),
  ]);
  a.grpc('publish/text-data-json-channel', [
    call('Publish', {
      channel: 'obj:g4',
      data: { $b64: Buffer.from('plain text').toString('base64') },
    }),
  ]);
  a.grpc('publish/empty-bytes', [call('Publish', { channel: 'hist:g5', data: { $b64: '' } })]);
  for (const rpc of [
    'Connections',
    'UpdateUserStatus',
    'GetUserStatus',
    'DeleteUserStatus',
    'BlockUser',
    'UnblockUser',
    'RevokeToken',
    'InvalidateUserTokens',
    'DeviceRegister',
    'DeviceUpdate',
    'DeviceRemove',
    'DeviceList',
    'DeviceTopicList',
    'DeviceTopicUpdate',
    'UserTopicList',
    'UserTopicUpdate',
    'SendPushNotification',
    'UpdatePushStatus',
    'CancelPush',
    'MapPublish',
    'MapRemove',
    'MapReadState',
    'MapReadStream',
    'MapStats',
    'MapClear',
    'SharedPollPublish',
  ]) {
    a.grpc(`method/${rpc}`, [call(rpc, {})]);
  }
  return a;
}
