// Edge values of every server API method (HTTP and gRPC, the same calls): the empty
// request, zeros and limits of each integer, lists empty and long, and over gRPC the values
// only protobuf can carry (largest unsigned integers, empty bytes).
import type { Step } from '../case.ts';
import { ApiCases, b64, ref } from './api-builder.ts';

const grpcCall = (rpc: string, request: Record<string, unknown>): Step => ({
  grpc: rpc,
  request: request as never,
});

/** OSS methods of CentrifugoApi with the HTTP name of each. */
const METHODS: Array<[http: string, rpc: string]> = [
  ['publish', 'Publish'],
  ['broadcast', 'Broadcast'],
  ['subscribe', 'Subscribe'],
  ['unsubscribe', 'Unsubscribe'],
  ['disconnect', 'Disconnect'],
  ['presence', 'Presence'],
  ['presence_stats', 'PresenceStats'],
  ['history', 'History'],
  ['history_remove', 'HistoryRemove'],
  ['channels', 'Channels'],
  ['info', 'Info'],
  ['rpc', 'RPC'],
  ['refresh', 'Refresh'],
  ['batch', 'Batch'],
];

export function edgeCases(): ApiCases {
  const a = new ApiCases();
  // every method with an empty request
  for (const [method] of METHODS) a.one(`edge/empty/${method}`, method, {});

  // publish
  a.one('edge/publish/tags-empty-key', 'publish', {
    channel: 'hist:e1',
    data: {},
    tags: { '': 'v', k: '' },
  });
  a.one('edge/publish/idempotency-key-long', 'publish', {
    channel: 'hist:e2',
    data: {},
    idempotency_key: 'k'.repeat(300),
  });
  a.add('edge/publish/version-order', [
    ['publish', { channel: 'hist:e3', data: { v: 2 }, version: 2 }],
    ['publish', { channel: 'hist:e3', data: { v: 1 }, version: 1 }],
    ['history', { channel: 'hist:e3', limit: 10 }],
  ]);
  a.one('edge/publish/version-epoch', 'publish', {
    channel: 'hist:e4',
    data: {},
    version: 1,
    version_epoch: 'x',
  });
  a.one('edge/publish/top-level-history', 'publish', { channel: 'plain-e5', data: { a: 1 } });
  a.one('edge/publish/user-limited-not-allowed', 'publish', { channel: 'hist:e6#u1', data: {} });
  a.one('edge/publish/delta-no-namespace-delta', 'publish', {
    channel: 'hist:e7',
    data: { t: 'x' },
    delta: true,
  });
  a.one('edge/publish/skip-history-no-history', 'publish', {
    channel: 'plain-e8',
    data: {},
    skip_history: true,
  });

  // broadcast
  a.one('edge/broadcast/one', 'broadcast', { channels: ['hist:e10'], data: { b: 1 } });
  a.one('edge/broadcast/many', 'broadcast', {
    channels: Array.from({ length: 20 }, (_, i) => `hist:e11-${i}`),
    data: { b: 1 },
  });
  a.one('edge/broadcast/private-and-user-limited', 'broadcast', {
    channels: ['$hist:e12', 'user:e12#u1'],
    data: {},
  });
  a.one('edge/broadcast/tags-skip-history', 'broadcast', {
    channels: ['hist:e13'],
    data: {},
    tags: { t: '1' },
    skip_history: true,
  });
  a.one('edge/broadcast/json-object-b64', 'broadcast', {
    channels: ['obj:e14', 'hist:e14'],
    b64data: b64({ o: 1 }),
  });

  // history
  a.add('edge/history/limits', [
    ['publish', { channel: 'hist:e20', data: { n: 1 } }],
    ['publish', { channel: 'hist:e20', data: { n: 2 } }],
    ['history', { channel: 'hist:e20', limit: 0 }],
    ['history', { channel: 'hist:e20', limit: -1 }],
    ['history', { channel: 'hist:e20', limit: 1 }],
    ['history', { channel: 'hist:e20', limit: 1, reverse: true }],
    ['history', { channel: 'hist:e20', limit: 2147483647 }],
  ]);
  a.add('edge/history/since-zero', [
    ['publish', { channel: 'hist:e21', data: { n: 1 } }],
    [
      'history',
      { channel: 'hist:e21', limit: 5, since: { offset: 0, epoch: ref('step:0:result.epoch') } },
    ],
    ['history', { channel: 'hist:e21', limit: 5, since: { offset: 0, epoch: '' } }],
    [
      'history',
      {
        channel: 'hist:e21',
        limit: 5,
        since: { offset: 1, epoch: ref('step:0:result.epoch') },
        reverse: true,
      },
    ],
  ]);
  a.add('edge/history/reverse-since-zero', [
    ['publish', { channel: 'hist:e24', data: { n: 1 } }],
    [
      'history',
      {
        channel: 'hist:e24',
        limit: 5,
        reverse: true,
        since: { offset: 0, epoch: ref('step:0:result.epoch') },
      },
    ],
  ]);
  a.one('edge/history/channel-non-ascii', 'history', { channel: 'hist:ë', limit: 1 });
  a.one('edge/history/private', 'history', { channel: '$hist:e22', limit: 1 });
  a.one('edge/history/user-limited', 'history', { channel: 'user:e23#u1', limit: 1 });

  // history_remove
  a.add('edge/history-remove/twice', [
    ['publish', { channel: 'hist:e30', data: {} }],
    ['history_remove', { channel: 'hist:e30' }],
    ['history_remove', { channel: 'hist:e30' }],
    ['publish', { channel: 'hist:e30', data: {} }],
  ]);
  a.one('edge/history-remove/top-level', 'history_remove', { channel: 'plain-e31' });

  // presence, presence_stats
  a.one('edge/presence/private', 'presence', { channel: '$hist:e40' });
  a.one('edge/presence/user-limited', 'presence', { channel: 'user:e41#u1' });
  a.one('edge/presence-stats/top-level', 'presence_stats', { channel: 'plain-e42' });
  a.one('edge/presence-stats/non-ascii', 'presence_stats', { channel: 'hist:ü' });

  // channels
  for (const [name, pattern] of [
    ['star', '*'],
    ['double-star', '**'],
    ['question', 'hist:e5?'],
    ['class', 'hist:[ab]*'],
    ['alternatives', '{hist,open}:*'],
    ['unclosed-class', 'hist:['],
    ['escape', 'hist\\:*'],
    ['non-ascii', 'hist:ü*'],
  ] as const) {
    a.one(`edge/channels/${name}`, 'channels', { pattern });
  }

  // subscribe, unsubscribe, disconnect, refresh without connections: their answers
  a.one('edge/subscribe/expire-at-past', 'subscribe', {
    user: 'eu1',
    channel: 'hist:e60',
    expire_at: 1,
  });
  a.one('edge/subscribe/override-all', 'subscribe', {
    user: 'eu2',
    channel: 'hist:e61',
    override: {
      presence: { value: true },
      join_leave: { value: true },
      force_recovery: { value: true },
      force_positioning: { value: true },
      force_push_join_leave: { value: true },
    },
  });
  a.one('edge/subscribe/private', 'subscribe', { user: 'eu3', channel: '$hist:e62' });
  a.one('edge/unsubscribe/client-only', 'unsubscribe', {
    user: 'eu4',
    channel: 'hist:e63',
    client: 'c',
  });
  a.one('edge/disconnect/whitelist-empty', 'disconnect', { user: 'eu5', whitelist: [] });
  a.one('edge/disconnect/code-4999', 'disconnect', {
    user: 'eu6',
    disconnect: { code: 4999, reason: '' },
  });
  a.one('edge/refresh/expire-at-zero', 'refresh', { user: 'eu7', expire_at: 0 });
  a.one('edge/refresh/expired-and-expire-at', 'refresh', {
    user: 'eu8',
    expired: true,
    expire_at: 4_102_444_800,
  });

  // rpc
  a.one('edge/rpc/params-array', 'rpc', { method: 'x', params: [1, 2] });
  a.one('edge/rpc/method-non-ascii', 'rpc', { method: 'méthode' });

  // batch
  a.one('edge/batch/one-of-each', 'batch', {
    commands: [
      { publish: { channel: 'hist:e80', data: { n: 1 } } },
      { broadcast: { channels: ['hist:e80'], data: { n: 2 } } },
      { history: { channel: 'hist:e80', limit: 5 } },
      { presence_stats: { channel: 'hist:e80' } },
      { history_remove: { channel: 'hist:e80' } },
      { channels: { pattern: 'hist:e80' } },
    ],
  });
  a.one('edge/batch/parallel-errors', 'batch', {
    parallel: true,
    commands: [
      { publish: { channel: 'nope:e81', data: {} } },
      { publish: { channel: 'hist:e81', data: {} } },
      { presence: { channel: 'rx:e81' } },
    ],
  });
  a.one('edge/batch/many', 'batch', {
    commands: Array.from({ length: 50 }, (_, n) => ({
      publish: { channel: 'hist:e82', data: { n } },
    })),
  });

  // gRPC only: values protobuf carries and JSON numbers cannot
  a.grpc('edge/history/since-offset-max', [
    grpcCall('History', {
      channel: 'hist:e90',
      limit: 1,
      since: { offset: '18446744073709551615', epoch: 'x' },
    }),
  ]);
  a.grpc('edge/history/limit-min', [
    grpcCall('History', { channel: 'hist:e91', limit: -2147483648 }),
  ]);
  a.grpc('edge/disconnect/code-max', [
    grpcCall('Disconnect', { user: 'eu9', disconnect: { code: 4294967295, reason: 'x' } }),
  ]);
  a.grpc('edge/refresh/expire-at-max', [
    grpcCall('Refresh', { user: 'eu10', expire_at: '9223372036854775807' }),
  ]);
  a.grpc('edge/subscribe/recover-since-max', [
    grpcCall('Subscribe', {
      user: 'eu11',
      channel: 'hist:e92',
      recover_since: { offset: '18446744073709551615', epoch: 'e' },
    }),
  ]);
  a.grpc('edge/publish/data-and-b64data-empty', [
    grpcCall('Publish', { channel: 'hist:e93', data: { $b64: '' }, b64data: '' }),
  ]);
  a.grpc('edge/broadcast/binary-data', [
    grpcCall('Broadcast', {
      channels: ['hist:e94', 'obj:e94'],
      data: { $b64: Buffer.from([0x01, 0x02]).toString('base64') },
    }),
  ]);
  a.grpc('edge/batch/nested-binary', [
    grpcCall('Batch', {
      commands: [
        {
          publish: { channel: 'hist:e95', data: { $b64: Buffer.from([0xff]).toString('base64') } },
        },
        { history: { channel: 'hist:e95', limit: 1 } },
      ],
    }),
  ]);
  return a;
}
