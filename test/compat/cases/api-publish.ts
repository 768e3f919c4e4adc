// Server API: publish, broadcast, history, history_remove. Valid calls, missing fields,
// wrong types, edge values; each case on channels of its own.
import { ApiCases, type ApiGroups, b64, DEFAULT_GROUPS, ref } from './api-builder.ts';

const binary = { $b64: Buffer.from([0xff, 0x00, 0xfe, 0x01]).toString('base64') };

export function publishCases(groups: ApiGroups = DEFAULT_GROUPS): ApiCases {
  const a = new ApiCases(groups);
  // publish: data shapes
  a.one('publish/object', 'publish', { channel: 'plain-p1', data: { text: 'hi' } });
  a.one('publish/history', 'publish', { channel: 'hist:p2', data: { n: 1 } });
  a.one('publish/string', 'publish', { channel: 'plain-p3', data: 'text' });
  a.one('publish/number', 'publish', { channel: 'plain-p4', data: 42 });
  a.one('publish/array', 'publish', { channel: 'plain-p5', data: [1, 'two', { three: 3 }] });
  a.one('publish/false', 'publish', { channel: 'plain-p6', data: false });
  a.one('publish/null-data', 'publish', { channel: 'plain-p7', data: null }, { grpc: false });
  a.one('publish/no-data', 'publish', { channel: 'plain-p8' });
  a.one('publish/empty-object', 'publish', { channel: 'plain-p9', data: {} });
  a.one('publish/unicode', 'publish', { channel: 'hist:p10', data: { s: 'héllo ✓ 日本' } });
  a.one('publish/nested', 'publish', { channel: 'plain-p11', data: { a: { b: { c: [[[1]]] } } } });
  a.one('publish/10k', 'publish', { channel: 'hist:p12', data: { s: 'x'.repeat(10_000) } });
  // publish: b64data
  a.one('publish/b64data', 'publish', { channel: 'hist:p13', b64data: b64({ b: 1 }) });
  a.one('publish/b64data-empty', 'publish', { channel: 'plain-p14', b64data: '' });
  a.one('publish/b64data-invalid', 'publish', { channel: 'plain-p15', b64data: '***' });
  a.one('publish/b64data-and-data', 'publish', {
    channel: 'hist:p16',
    data: { d: 1 },
    b64data: b64({ b: 2 }),
  });
  a.add('publish/b64data-binary-then-history', [
    ['publish', { channel: 'hist:p17', b64data: Buffer.from([0xff, 0xfe]).toString('base64') }],
    ['history', { channel: 'hist:p17', limit: 10 }],
  ]);
  a.add('publish/b64data-text-then-history', [
    ['publish', { channel: 'hist:p18', b64data: Buffer.from('not json').toString('base64') }],
    ['history', { channel: 'hist:p18', limit: 10 }],
  ]);
  // publish: channel
  a.one('publish/no-channel', 'publish', { data: {} });
  a.one('publish/empty-channel', 'publish', { channel: '', data: {} });
  a.one('publish/channel-number', 'publish', { channel: 123, data: {} }, { grpc: false });
  a.one('publish/channel-null', 'publish', { channel: null, data: {} }, { grpc: false });
  a.one('publish/unknown-namespace', 'publish', { channel: 'nope:x', data: {} });
  a.one('publish/channel-255', 'publish', { channel: `hist:${'a'.repeat(250)}`, data: {} });
  a.one('publish/channel-256', 'publish', { channel: `hist:${'b'.repeat(251)}`, data: {} });
  a.one('publish/channel-300', 'publish', { channel: `plain${'c'.repeat(295)}`, data: {} });
  a.one('publish/channel-non-ascii', 'publish', { channel: 'hist:héllo', data: {} });
  a.one('publish/channel-space', 'publish', { channel: 'plain p', data: {} });
  a.one('publish/channel-ns-only', 'publish', { channel: 'hist:', data: {} });
  a.one('publish/channel-leading-colon', 'publish', { channel: ':x', data: {} });
  a.one('publish/channel-private', 'publish', { channel: '$hist:p19', data: {} });
  a.one('publish/channel-user-limited', 'publish', { channel: 'user:p20#42', data: {} });
  a.one('publish/channel-regex-match', 'publish', { channel: 'rx:abc', data: {} });
  a.one('publish/channel-regex-miss', 'publish', { channel: 'rx:ABC1', data: {} });
  // publish: options
  a.add('publish/skip-history', [
    ['publish', { channel: 'hist:p21', data: { a: 1 }, skip_history: true }],
    ['history', { channel: 'hist:p21', limit: 10 }],
  ]);
  a.add('publish/tags', [
    ['publish', { channel: 'hist:p22', data: { a: 1 }, tags: { t: '1', u: '' } }],
    ['history', { channel: 'hist:p22', limit: 10 }],
  ]);
  a.one(
    'publish/tags-number',
    'publish',
    { channel: 'hist:p23', data: {}, tags: { t: 1 } },
    { grpc: false },
  );
  a.one(
    'publish/tags-array',
    'publish',
    { channel: 'hist:p24', data: {}, tags: ['a'] },
    { grpc: false },
  );
  a.add('publish/idempotency-key', [
    ['publish', { channel: 'hist:p25', data: { a: 1 }, idempotency_key: 'k1' }],
    ['publish', { channel: 'hist:p25', data: { a: 2 }, idempotency_key: 'k1' }],
    ['publish', { channel: 'hist:p25', data: { a: 3 }, idempotency_key: 'k2' }],
    ['history', { channel: 'hist:p25', limit: 10 }],
  ]);
  a.add('publish/idempotency-key-no-history', [
    ['publish', { channel: 'plain-p26', data: { a: 1 }, idempotency_key: 'k1' }],
    ['publish', { channel: 'plain-p26', data: { a: 1 }, idempotency_key: 'k1' }],
  ]);
  a.one('publish/delta', 'publish', { channel: 'delta:p27', data: { a: 1 }, delta: true });
  a.one('publish/version', 'publish', {
    channel: 'hist:p28',
    data: {},
    version: 5,
    version_epoch: 'v',
  });
  a.one(
    'publish/unknown-field',
    'publish',
    { channel: 'plain-p29', data: {}, surprise: 1 },
    { grpc: false },
  );
  a.one('publish/json-object-ok', 'publish', { channel: 'obj:p30', data: { ok: 1 } });
  a.one('publish/json-object-array', 'publish', { channel: 'obj:p31', data: [1, 2] });
  a.one('publish/json-object-string', 'publish', { channel: 'obj:p32', data: 'text' });
  a.one('publish/json-object-b64-binary', 'publish', { channel: 'obj:p33', b64data: binary.$b64 });
  a.one(
    'publish/data-wrong-type-channel-bool',
    'publish',
    { channel: true, data: {} },
    { grpc: false },
  );
  a.one(
    'publish/skip-history-string',
    'publish',
    { channel: 'hist:p34', data: {}, skip_history: 'yes' },
    { grpc: false },
  );

  // broadcast
  a.one('broadcast/two', 'broadcast', { channels: ['hist:b1', 'plain-b1'], data: { x: 1 } });
  a.one('broadcast/empty-list', 'broadcast', { channels: [], data: {} });
  a.one('broadcast/no-channels', 'broadcast', { data: {} });
  a.one('broadcast/unknown-namespace-inside', 'broadcast', {
    channels: ['hist:b2', 'nope:b', 'plain-b2'],
    data: { x: 1 },
  });
  a.one('broadcast/empty-channel-inside', 'broadcast', { channels: ['plain-b3', ''], data: {} });
  a.one('broadcast/no-data', 'broadcast', { channels: ['plain-b4'] });
  a.one('broadcast/b64data', 'broadcast', { channels: ['hist:b5'], b64data: b64({ b: 1 }) });
  a.one('broadcast/b64data-empty', 'broadcast', { channels: ['plain-b6'], b64data: '' });
  a.one(
    'broadcast/channels-string',
    'broadcast',
    { channels: 'plain-b7', data: {} },
    { grpc: false },
  );
  a.one('broadcast/channels-null', 'broadcast', { channels: null, data: {} }, { grpc: false });
  // no history: Centrifugo publishes to each channel concurrently, offsets would race
  a.one('broadcast/duplicate', 'broadcast', { channels: ['plain-b8', 'plain-b8'], data: { d: 1 } });
  a.add('broadcast/idempotency-key', [
    ['broadcast', { channels: ['hist:b9'], data: { a: 1 }, idempotency_key: 'k' }],
    ['broadcast', { channels: ['hist:b9'], data: { a: 2 }, idempotency_key: 'k' }],
    ['history', { channel: 'hist:b9', limit: 10 }],
  ]);
  a.one('broadcast/channel-256', 'broadcast', { channels: [`hist:${'d'.repeat(251)}`], data: {} });
  a.one('broadcast/json-object-mixed', 'broadcast', {
    channels: ['obj:b10', 'plain-b10'],
    data: [1],
  });

  // history
  a.add('history/after-publishes', [
    ['publish', { channel: 'hist:h1', data: { n: 1 } }],
    ['publish', { channel: 'hist:h1', data: { n: 2 } }],
    ['publish', { channel: 'hist:h1', data: { n: 3 } }],
    ['history', { channel: 'hist:h1', limit: 10 }],
    ['history', { channel: 'hist:h1', limit: 2 }],
    ['history', { channel: 'hist:h1', limit: 2, reverse: true }],
    ['history', { channel: 'hist:h1' }],
    ['history', { channel: 'hist:h1', limit: 0 }],
    ['history', { channel: 'hist:h1', limit: -1 }],
  ]);
  a.add('history/since', [
    ['publish', { channel: 'hist:h2', data: { n: 1 } }],
    ['publish', { channel: 'hist:h2', data: { n: 2 } }],
    [
      'history',
      { channel: 'hist:h2', limit: 10, since: { offset: 1, epoch: ref('step:0:result.epoch') } },
    ],
    [
      'history',
      { channel: 'hist:h2', limit: 10, since: { offset: 2, epoch: ref('step:0:result.epoch') } },
    ],
    [
      'history',
      { channel: 'hist:h2', limit: 10, since: { offset: 0, epoch: ref('step:0:result.epoch') } },
    ],
    [
      'history',
      {
        channel: 'hist:h2',
        limit: 10,
        since: { offset: 2, epoch: ref('step:0:result.epoch') },
        reverse: true,
      },
    ],
  ]);
  a.add('history/since-beyond-top', [
    ['publish', { channel: 'hist:h3', data: { n: 1 } }],
    [
      'history',
      { channel: 'hist:h3', limit: 10, since: { offset: 5, epoch: ref('step:0:result.epoch') } },
    ],
  ]);
  a.add('history/since-wrong-epoch', [
    ['publish', { channel: 'hist:h4', data: { n: 1 } }],
    ['history', { channel: 'hist:h4', limit: 10, since: { offset: 1, epoch: 'not-the-epoch' } }],
  ]);
  a.add('history/since-no-epoch', [
    ['publish', { channel: 'hist:h5', data: { n: 1 } }],
    ['history', { channel: 'hist:h5', limit: 10, since: { offset: 0 } }],
  ]);
  a.one('history/empty-channel-with-history', 'history', { channel: 'hist:h6', limit: 10 });
  a.one('history/no-history-namespace', 'history', { channel: 'plain-h7' });
  a.one('history/unknown-namespace', 'history', { channel: 'nope:h8' });
  a.one('history/no-channel', 'history', {});
  a.one('history/limit-string', 'history', { channel: 'hist:h9', limit: '10' }, { grpc: false });
  a.one('history/limit-2^31', 'history', { channel: 'hist:h10', limit: 2 ** 31 }, { grpc: false });
  a.one('history/limit-float', 'history', { channel: 'hist:h11', limit: 1.5 }, { grpc: false });
  a.one(
    'history/since-offset-2^64',
    'history',
    { channel: 'hist:h12', since: { offset: 2 ** 64 } },
    { grpc: false },
  );
  a.one(
    'history/since-offset-negative',
    'history',
    { channel: 'hist:h13', since: { offset: -1 } },
    { grpc: false },
  );
  a.one('history/since-null', 'history', { channel: 'hist:h14', since: null }, { grpc: false });
  a.add('history/size-trim', [
    ...Array.from({ length: 12 }, (_, n): [string, { channel: string; data: { n: number } }] => [
      'publish',
      { channel: 'hist:h15', data: { n } },
    ]),
    ['history', { channel: 'hist:h15', limit: 100 }],
  ]);

  // history_remove
  a.add('history-remove/then-history', [
    ['publish', { channel: 'hist:r1', data: { n: 1 } }],
    ['history_remove', { channel: 'hist:r1' }],
    ['history', { channel: 'hist:r1', limit: 10 }],
    ['publish', { channel: 'hist:r1', data: { n: 2 } }],
    ['history', { channel: 'hist:r1', limit: 10 }],
  ]);
  a.one('history-remove/no-history', 'history_remove', { channel: 'plain-r2' });
  a.one('history-remove/unknown-namespace', 'history_remove', { channel: 'nope:r3' });
  a.one('history-remove/no-channel', 'history_remove', {});
  a.one('history-remove/never-published', 'history_remove', { channel: 'hist:r4' });
  return a;
}
