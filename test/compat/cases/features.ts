// Features this node has not built yet, each in a group of its own whose config uses it:
// Centrifugo starts with that config, this node refuses it by name ("not supported yet:
// <key> (<feature>)"), so every other group starts on both. Each feature's cases run on
// Centrifugo and its twin as any case does (the twin check keeps them sound) and are listed
// in pending.ts with the feature's reason; the startup case `startup/feature-<id>` (first
// in the feature's JSON group) compares the refusal itself. When the feature lands the group starts here too, its cases are
// compared for real, and pending.ts must lose the feature's entry.
import type { ClientCase, CompatCase, Step } from '../case.ts';
import {
  baseConfig,
  CLIENT_SUBSCRIBE,
  type Group,
  HISTORY,
  TOKEN_SECRET,
  uniClientConfig,
  withNamespaces,
} from '../configs.ts';
import type { Json } from '../proto.ts';
import { connectToken } from '../tokens.ts';
import { api, cmd, connected, replyRef, sub } from './client-steps.ts';
import { UNI_GRPC } from './uni-grpc.ts';

export interface Feature {
  /** Group `feature-<id>`, case ids `<id>/...`. */
  id: string;
  /** What is missing, as the pending reason names it. */
  feature: string;
  /** The issue that builds it ("issue 17"), or "no issue yet". */
  issue: string;
  /** Built: its cases are compared like any other, and pending.ts lists none of them. */
  built?: boolean;
  config: Record<string, Json>;
  cases: Array<Omit<ClientCase, 'group' | 'id'> & { id: string }>;
}

const user = (name: string, id: string, claims: Record<string, unknown> = {}) =>
  connected(name, connectToken(id, claims));
/** API-only cases need no second encoding. */
const JSON_ONLY = { encodings: ['json' as const] };
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
const grpc = (method: string, request: Json): Step => ({ grpc: method, request });

/** A document long enough that the delta of a small change is shorter than the data. */
const doc = (n: number, note = 'plain') => ({
  text: 'the quick brown fox jumps over the lazy dog, '.repeat(3),
  note,
  n,
});
const binary = Buffer.from([0xff, 0x00, 0xfe, 0x41]).toString('base64');

const DELTA: Feature = {
  id: 'delta',
  feature: 'delta compression',
  issue: 'issue 17',
  built: true,
  config: withNamespaces(baseConfig(), [
    {
      name: 'delta',
      allowed_delta_types: ['fossil'],
      ...HISTORY,
      ...CLIENT_SUBSCRIBE,
      allow_positioning: true,
      allow_recovery: true,
    },
    {
      name: 'deltapub',
      allowed_delta_types: ['fossil'],
      delta_publish: true,
      ...HISTORY,
      ...CLIENT_SUBSCRIBE,
      allow_recovery: true,
      allow_positioning: true,
      allow_publish_for_subscriber: true,
    },
    // no history: publications without offsets
    { name: 'deltaplain', allowed_delta_types: ['fossil'], ...CLIENT_SUBSCRIBE },
    {
      name: 'deltatags',
      allowed_delta_types: ['fossil'],
      allow_tags_filter: true,
      ...HISTORY,
      ...CLIENT_SUBSCRIBE,
      allow_positioning: true,
      allow_recovery: true,
    },
    {
      name: 'deltacache',
      allowed_delta_types: ['fossil'],
      delta_publish: true,
      force_recovery_mode: 'cache',
      ...HISTORY,
      ...CLIENT_SUBSCRIBE,
      allow_recovery: true,
    },
  ]),
  cases: [
    {
      id: 'subscribe-fossil',
      steps: [...user('c', 'du1'), sub('c', 2, 'delta:d1', { delta: 'fossil' })],
    },
    {
      id: 'subscribe-unknown',
      steps: [...user('c', 'du2'), sub('c', 2, 'delta:d2', { delta: 'xdelta' })],
    },
    { id: 'subscribe-no-delta', steps: [...user('c', 'du3'), sub('c', 2, 'delta:d3')] },
    {
      id: 'subscribe-namespace-without-delta',
      steps: [...user('c', 'du11'), sub('c', 2, 'hist:d11', { delta: 'fossil' })],
    },
    {
      id: 'publish-delta-subscriber',
      steps: [
        ...user('c', 'du4'),
        sub('c', 2, 'delta:d4', { delta: 'fossil' }),
        api('publish', { channel: 'delta:d4', data: { text: 'hello world' }, delta: true }),
        api('publish', { channel: 'delta:d4', data: { text: 'hello world!' }, delta: true }),
        api('publish', { channel: 'delta:d4', data: { text: 'hello world!?' }, delta: true }),
      ],
    },
    {
      id: 'publish-delta-not-negotiated',
      steps: [
        ...user('c', 'du5'),
        sub('c', 2, 'delta:d5'),
        api('publish', { channel: 'delta:d5', data: { text: 'hello world' }, delta: true }),
        api('publish', { channel: 'delta:d5', data: { text: 'hello world!' }, delta: true }),
      ],
    },
    {
      id: 'publish-without-delta-flag',
      steps: [
        ...user('c', 'du6'),
        sub('c', 2, 'delta:d6', { delta: 'fossil', positioned: true }),
        api('publish', { channel: 'delta:d6', data: doc(1) }),
        api('publish', { channel: 'delta:d6', data: doc(2) }),
      ],
    },
    {
      id: 'namespace-delta-publish',
      steps: [
        ...user('c', 'du7'),
        sub('c', 2, 'deltapub:d7', { delta: 'fossil', positioned: true }),
        api('publish', { channel: 'deltapub:d7', data: doc(1) }),
        api('publish', { channel: 'deltapub:d7', data: doc(2) }),
        api('publish', { channel: 'deltapub:d7', data: doc(3) }),
      ],
    },
    {
      id: 'broadcast-delta',
      steps: [
        ...user('c', 'du8'),
        sub('c', 2, 'delta:d8', { delta: 'fossil', positioned: true }),
        api('broadcast', { channels: ['delta:d8'], data: doc(1), delta: true }),
        api('broadcast', { channels: ['delta:d8'], data: doc(2), delta: true }),
      ],
    },
    {
      id: 'positioned-chain',
      steps: [
        ...user('a', 'du12a'),
        ...user('b', 'du12b'),
        sub('a', 2, 'delta:d12', { delta: 'fossil', positioned: true }),
        sub('b', 2, 'delta:d12', { positioned: true }),
        api('publish', { channel: 'delta:d12', data: doc(1), delta: true }),
        api('publish', { channel: 'delta:d12', data: doc(2), delta: true }),
        api('publish', { channel: 'delta:d12', data: doc(3), delta: true }),
        api('publish', { channel: 'delta:d12', data: { other: true }, delta: true }),
      ],
    },
    {
      // The second delta cuts "è" in two: not UTF-8 (see README, Differences).
      id: 'positioned-utf8-cut',
      steps: [
        ...user('c', 'du13'),
        sub('c', 2, 'delta:d13', { delta: 'fossil', positioned: true }),
        api('publish', { channel: 'delta:d13', data: doc(1, 'héllo'), delta: true }),
        api('publish', { channel: 'delta:d13', data: doc(1, 'hèllo'), delta: true }),
        api('publish', { channel: 'delta:d13', data: doc(2, 'hèllo'), delta: true }),
      ],
    },
    {
      id: 'positioned-binary',
      steps: [
        ...user('c', 'du14'),
        sub('c', 2, 'delta:d14', { delta: 'fossil', positioned: true }),
        api('publish', { channel: 'delta:d14', b64data: binary, delta: true }),
      ],
    },
    {
      id: 'no-history',
      steps: [
        ...user('c', 'du15'),
        sub('c', 2, 'deltaplain:d15', { delta: 'fossil' }),
        api('publish', { channel: 'deltaplain:d15', data: doc(1), delta: true }),
        api('publish', { channel: 'deltaplain:d15', data: doc(2), delta: true }),
      ],
    },
    {
      id: 'recover-with-delta',
      steps: [
        ...user('c', 'du9'),
        sub('c', 2, 'deltapub:d9', { delta: 'fossil', recoverable: true }),
        cmd('c', 3, 'unsubscribe', { channel: 'deltapub:d9' }),
        api('publish', { channel: 'deltapub:d9', data: { text: 'one two three' } }),
        api('publish', { channel: 'deltapub:d9', data: { text: 'one two three four' } }),
        sub('c', 4, 'deltapub:d9', {
          delta: 'fossil',
          recoverable: true,
          recover: true,
          epoch: replyRef('c', 2, 'subscribe.epoch'),
          offset: 0,
        }),
      ],
    },
    {
      id: 'recover-then-live',
      steps: [
        ...user('c', 'du16'),
        sub('c', 2, 'deltapub:d16', { delta: 'fossil', recoverable: true }),
        cmd('c', 3, 'unsubscribe', { channel: 'deltapub:d16' }),
        api('publish', { channel: 'deltapub:d16', data: doc(1) }),
        api('publish', { channel: 'deltapub:d16', data: doc(2) }),
        api('publish', { channel: 'deltapub:d16', data: doc(3) }),
        sub('c', 4, 'deltapub:d16', {
          delta: 'fossil',
          recoverable: true,
          recover: true,
          epoch: replyRef('c', 2, 'subscribe.epoch'),
          offset: 0,
        }),
        api('publish', { channel: 'deltapub:d16', data: doc(4) }),
      ],
    },
    {
      id: 'client-publish-delta-namespace',
      steps: [
        ...user('c', 'du10'),
        sub('c', 2, 'deltapub:d10', { delta: 'fossil', positioned: true }),
        cmd('c', 3, 'publish', { channel: 'deltapub:d10', data: doc(1) }),
        cmd('c', 4, 'publish', { channel: 'deltapub:d10', data: doc(2) }),
        api('history', { channel: 'deltapub:d10', limit: 5 }),
      ],
    },
    {
      id: 'connect-subs-delta',
      steps: [
        ...connected('c', connectToken('du17'), {
          subs: { 'delta:d17': { delta: 'fossil' } },
        }),
        api('publish', { channel: 'delta:d17', data: doc(1), delta: true }),
        api('publish', { channel: 'delta:d17', data: doc(2), delta: true }),
      ],
    },
    {
      // A delta subscriber gets every publication, its tags filter notwithstanding.
      id: 'with-tags-filter',
      steps: [
        ...user('c', 'du18'),
        sub('c', 2, 'deltatags:d18', {
          delta: 'fossil',
          positioned: true,
          tf: { key: 'k', cmp: 'eq', val: 'y' },
        }),
        api('publish', { channel: 'deltatags:d18', data: doc(1), tags: { k: 'y' }, delta: true }),
        api('publish', { channel: 'deltatags:d18', data: doc(2), tags: { k: 'n' }, delta: true }),
        api('publish', { channel: 'deltatags:d18', data: doc(3), tags: { k: 'y' }, delta: true }),
      ],
    },
    {
      // Recovery filters by tags; the stream's last publication is one filtered out.
      id: 'recover-tags-filter-then-live',
      steps: [
        ...user('c', 'du19'),
        sub('c', 2, 'deltatags:d19', { delta: 'fossil', recoverable: true }),
        cmd('c', 3, 'unsubscribe', { channel: 'deltatags:d19' }),
        api('publish', { channel: 'deltatags:d19', data: doc(1), tags: { k: 'y' }, delta: true }),
        api('publish', { channel: 'deltatags:d19', data: doc(2), tags: { k: 'n' }, delta: true }),
        sub('c', 4, 'deltatags:d19', {
          delta: 'fossil',
          recoverable: true,
          recover: true,
          epoch: replyRef('c', 2, 'subscribe.epoch'),
          offset: 0,
          tf: { key: 'k', cmp: 'eq', val: 'y' },
        }),
        api('publish', { channel: 'deltatags:d19', data: doc(3), tags: { k: 'y' }, delta: true }),
      ],
    },
    {
      id: 'cache-recover-then-live',
      steps: [
        ...user('c', 'du20'),
        api('publish', { channel: 'deltacache:d20', data: doc(1) }),
        api('publish', { channel: 'deltacache:d20', data: doc(2) }),
        sub('c', 2, 'deltacache:d20', {
          delta: 'fossil',
          recoverable: true,
          recover: true,
          epoch: { $ref: 'step:0:result.epoch' },
          offset: 0,
        }),
        api('publish', { channel: 'deltacache:d20', data: doc(3) }),
      ],
    },
  ],
};

const TAGS: Feature = {
  id: 'tags',
  feature: 'publication tags filter',
  issue: 'issue 17',
  built: true,
  config: withNamespaces(baseConfig(), [
    {
      name: 'tags',
      allow_tags_filter: true,
      ...HISTORY,
      ...CLIENT_SUBSCRIBE,
      allow_recovery: true,
      allow_positioning: true,
      allow_history_for_subscriber: true,
    },
    {
      name: 'tagscache',
      allow_tags_filter: true,
      force_recovery_mode: 'cache',
      ...HISTORY,
      ...CLIENT_SUBSCRIBE,
      allow_recovery: true,
    },
  ]),
  cases: [
    {
      id: 'subscribe-filter',
      steps: [
        ...user('c', 'tu1'),
        sub('c', 2, 'tags:t1', { tf: { op: '', key: 't', cmp: 'eq', val: '1' } }),
      ],
    },
    {
      id: 'subscribe-filter-not-allowed',
      steps: [
        ...user('c', 'tu10'),
        sub('c', 2, 'hist:t10', { tf: { key: 't', cmp: 'eq', val: '1' } }),
      ],
    },
    {
      id: 'filter-eq',
      steps: [
        ...user('c', 'tu2'),
        sub('c', 2, 'tags:t2', { tf: { key: 'k', cmp: 'eq', val: 'yes' } }),
        api('publish', { channel: 'tags:t2', data: { n: 1 }, tags: { k: 'no' } }),
        api('publish', { channel: 'tags:t2', data: { n: 2 }, tags: { k: 'yes' } }),
        api('publish', { channel: 'tags:t2', data: { n: 3 } }),
      ],
    },
    {
      id: 'filter-in',
      steps: [
        ...user('c', 'tu3'),
        sub('c', 2, 'tags:t3', { tf: { key: 'k', cmp: 'in', vals: ['a', 'b'] } }),
        api('publish', { channel: 'tags:t3', data: { n: 1 }, tags: { k: 'a' } }),
        api('publish', { channel: 'tags:t3', data: { n: 2 }, tags: { k: 'c' } }),
        api('publish', { channel: 'tags:t3', data: { n: 3 }, tags: { k: 'b' } }),
      ],
    },
    {
      id: 'filter-and-or',
      steps: [
        ...user('c', 'tu4'),
        sub('c', 2, 'tags:t4', {
          tf: {
            op: 'or',
            nodes: [
              { key: 'x', cmp: 'ex' },
              {
                op: 'and',
                nodes: [
                  { key: 'k', cmp: 'sw', val: 'ab' },
                  { key: 'k', cmp: 'neq', val: 'abc' },
                ],
              },
            ],
          },
        }),
        api('publish', { channel: 'tags:t4', data: { n: 1 }, tags: { k: 'abd' } }),
        api('publish', { channel: 'tags:t4', data: { n: 2 }, tags: { k: 'abc' } }),
        api('publish', { channel: 'tags:t4', data: { n: 3 }, tags: { x: '' } }),
      ],
    },
    {
      id: 'filter-not',
      steps: [
        ...user('c', 'tu5'),
        sub('c', 2, 'tags:t5', { tf: { op: 'not', nodes: [{ key: 'k', cmp: 'eq', val: 'a' }] } }),
        api('publish', { channel: 'tags:t5', data: { n: 1 }, tags: { k: 'a' } }),
        api('publish', { channel: 'tags:t5', data: { n: 2 }, tags: { k: 'b' } }),
      ],
    },
    {
      id: 'filter-bad-cmp',
      steps: [
        ...user('c', 'tu6'),
        sub('c', 2, 'tags:t6', { tf: { key: 'k', cmp: 'like', val: 'a' } }),
      ],
    },
    {
      id: 'filter-recovery',
      steps: [
        ...user('c', 'tu7'),
        sub('c', 2, 'tags:t7', { recoverable: true, tf: { key: 'k', cmp: 'eq', val: 'y' } }),
        cmd('c', 3, 'unsubscribe', { channel: 'tags:t7' }),
        api('publish', { channel: 'tags:t7', data: { n: 1 }, tags: { k: 'y' } }),
        api('publish', { channel: 'tags:t7', data: { n: 2 }, tags: { k: 'n' } }),
        api('publish', { channel: 'tags:t7', data: { n: 3 }, tags: { k: 'y' } }),
        sub('c', 4, 'tags:t7', {
          recoverable: true,
          recover: true,
          epoch: replyRef('c', 2, 'subscribe.epoch'),
          offset: 0,
          tf: { key: 'k', cmp: 'eq', val: 'y' },
        }),
      ],
    },
    {
      id: 'filter-recovery-all-filtered',
      steps: [
        ...user('c', 'tu8'),
        sub('c', 2, 'tags:t8', { recoverable: true, tf: { key: 'k', cmp: 'eq', val: 'y' } }),
        cmd('c', 3, 'unsubscribe', { channel: 'tags:t8' }),
        api('publish', { channel: 'tags:t8', data: { n: 1 }, tags: { k: 'n' } }),
        sub('c', 4, 'tags:t8', {
          recoverable: true,
          recover: true,
          epoch: replyRef('c', 2, 'subscribe.epoch'),
          offset: 0,
          tf: { key: 'k', cmp: 'eq', val: 'y' },
        }),
        api('publish', { channel: 'tags:t8', data: { n: 2 }, tags: { k: 'y' } }),
      ],
    },
    {
      // Filtered publications move a positioned subscriber's offset: no insufficient state.
      id: 'filter-positioned',
      steps: [
        ...user('c', 'tu9'),
        sub('c', 2, 'tags:t9', { positioned: true, tf: { key: 'k', cmp: 'eq', val: 'y' } }),
        api('publish', { channel: 'tags:t9', data: { n: 1 }, tags: { k: 'n' } }),
        api('publish', { channel: 'tags:t9', data: { n: 2 }, tags: { k: 'y' } }),
        api('publish', { channel: 'tags:t9', data: { n: 3 }, tags: { k: 'n' } }),
        api('publish', { channel: 'tags:t9', data: { n: 4 }, tags: { k: 'y' } }),
      ],
    },
    {
      // History is not filtered.
      id: 'filter-history',
      steps: [
        ...user('c', 'tu11'),
        sub('c', 2, 'tags:t11', { tf: { key: 'k', cmp: 'eq', val: 'y' } }),
        api('publish', { channel: 'tags:t11', data: { n: 1 }, tags: { k: 'n' } }),
        cmd('c', 3, 'history', { channel: 'tags:t11', limit: 10 }),
      ],
    },
    {
      id: 'filter-cache-recovery',
      steps: [
        ...user('c', 'tu12'),
        api('publish', { channel: 'tagscache:t12', data: { n: 1 }, tags: { k: 'y' } }),
        api('publish', { channel: 'tagscache:t12', data: { n: 2 }, tags: { k: 'n' } }),
        sub('c', 2, 'tagscache:t12', {
          recoverable: true,
          recover: true,
          epoch: { $ref: 'step:0:result.epoch' },
          offset: 0,
          tf: { key: 'k', cmp: 'eq', val: 'y' },
        }),
      ],
    },
    {
      id: 'filter-cache-recovery-none-match',
      steps: [
        ...user('c', 'tu13'),
        api('publish', { channel: 'tagscache:t13', data: { n: 1 }, tags: { k: 'n' } }),
        sub('c', 2, 'tagscache:t13', {
          recoverable: true,
          recover: true,
          epoch: { $ref: 'step:0:result.epoch' },
          offset: 0,
          tf: { key: 'k', cmp: 'eq', val: 'y' },
        }),
      ],
    },
  ],
};

const CACHE: Feature = {
  id: 'cache',
  feature: 'cache recovery mode',
  issue: 'issue 17',
  built: true,
  config: withNamespaces(baseConfig(), [
    {
      name: 'cache',
      ...HISTORY,
      ...CLIENT_SUBSCRIBE,
      allow_recovery: true,
      force_recovery_mode: 'cache',
    },
    {
      name: 'autocache',
      ...HISTORY,
      ...CLIENT_SUBSCRIBE,
      force_recovery: true,
      force_recovery_mode: 'cache',
      auto_cache_recover: true,
    },
  ]),
  cases: [
    {
      id: 'recover-latest',
      steps: [
        ...user('c', 'cu1'),
        api('publish', { channel: 'cache:c1', data: { n: 1 } }),
        api('publish', { channel: 'cache:c1', data: { n: 2 } }),
        sub('c', 2, 'cache:c1', {
          recoverable: true,
          recover: true,
          epoch: { $ref: 'step:0:result.epoch' },
          offset: 0,
        }),
      ],
    },
    {
      id: 'recover-empty-channel',
      steps: [
        ...user('c', 'cu2'),
        sub('c', 2, 'cache:c2', { recoverable: true, recover: true, epoch: '', offset: 0 }),
      ],
    },
    {
      id: 'subscribe-recoverable',
      steps: [
        ...user('c', 'cu3'),
        api('publish', { channel: 'cache:c3', data: { n: 1 } }),
        sub('c', 2, 'cache:c3', { recoverable: true }),
      ],
    },
    {
      id: 'recover-same-state',
      steps: [
        ...user('c', 'cu6'),
        api('publish', { channel: 'cache:c6', data: { n: 1 } }),
        sub('c', 2, 'cache:c6', {
          recoverable: true,
          recover: true,
          epoch: { $ref: 'step:0:result.epoch' },
          offset: 1,
        }),
      ],
    },
    {
      id: 'recover-other-epoch',
      steps: [
        ...user('c', 'cu7'),
        api('publish', { channel: 'cache:c7', data: { n: 1 } }),
        sub('c', 2, 'cache:c7', { recoverable: true, recover: true, epoch: 'xyz', offset: 1 }),
      ],
    },
    {
      id: 'recover-ahead',
      steps: [
        ...user('c', 'cu8'),
        api('publish', { channel: 'cache:c8', data: { n: 1 } }),
        sub('c', 2, 'cache:c8', {
          recoverable: true,
          recover: true,
          epoch: { $ref: 'step:0:result.epoch' },
          offset: 5,
        }),
      ],
    },
    {
      id: 'recover-then-live',
      steps: [
        ...user('c', 'cu9'),
        api('publish', { channel: 'cache:c9', data: { n: 1 } }),
        sub('c', 2, 'cache:c9', { recoverable: true, recover: true, epoch: '', offset: 0 }),
        api('publish', { channel: 'cache:c9', data: { n: 2 } }),
      ],
    },
    {
      id: 'auto-cache-recover',
      steps: [
        ...user('c', 'cu4'),
        api('publish', { channel: 'autocache:c4', data: { n: 1 } }),
        api('publish', { channel: 'autocache:c4', data: { n: 2 } }),
        sub('c', 2, 'autocache:c4'),
      ],
    },
    {
      id: 'auto-cache-recover-empty',
      steps: [...user('c', 'cu10'), sub('c', 2, 'autocache:c10')],
    },
    {
      id: 'auto-cache-recover-same-state',
      steps: [
        ...user('c', 'cu11'),
        api('publish', { channel: 'autocache:c11', data: { n: 1 } }),
        sub('c', 2, 'autocache:c11', {
          recover: true,
          epoch: { $ref: 'step:0:result.epoch' },
          offset: 1,
        }),
      ],
    },
    {
      id: 'server-side-auto-cache-recover',
      steps: [
        api('publish', { channel: 'autocache:c5', data: { n: 1 } }),
        ...user('c', 'cu5', { channels: ['autocache:c5'] }),
      ],
    },
    {
      id: 'server-side-token-subs',
      steps: [
        api('publish', { channel: 'autocache:c12', data: { n: 1 } }),
        api('publish', { channel: 'cache:c12', data: { n: 1 } }),
        // One channel per connection: Centrifugo subscribes a token's channels concurrently.
        ...user('a', 'cu12', { subs: { 'autocache:c12': {} } }),
        ...user('b', 'cu12', {
          subs: { 'cache:c12': { override: { force_recovery: { value: true } } } },
        }),
      ],
    },
    {
      id: 'connect-subs-recover',
      steps: [
        api('publish', { channel: 'cache:c13', data: { n: 1 } }),
        api('publish', { channel: 'cache:c13', data: { n: 2 } }),
        ...connected('c', connectToken('cu13', { channels: ['cache:c13'] }), {
          subs: { 'cache:c13': { recover: true, epoch: '', offset: 0 } },
        }),
      ],
    },
    {
      // The server API subscribes in stream mode whatever the namespace says.
      id: 'api-subscribe',
      steps: [
        ...user('c', 'cu14'),
        api('publish', { channel: 'autocache:c14', data: { n: 1 } }),
        api('subscribe', { user: 'cu14', channel: 'autocache:c14' }),
        api('publish', { channel: 'autocache:c14', data: { n: 2 } }),
      ],
    },
    {
      id: 'api-subscribe-recover-since',
      steps: [
        ...user('c', 'cu15'),
        api('publish', { channel: 'autocache:c15', data: { n: 1 } }),
        api('publish', { channel: 'autocache:c15', data: { n: 2 } }),
        api('subscribe', {
          user: 'cu15',
          channel: 'autocache:c15',
          recover_since: { offset: 0, epoch: { $ref: 'step:0:result.epoch' } },
        }),
      ],
    },
  ],
};

const MAP: Feature = {
  id: 'map',
  feature: 'map subscriptions',
  issue: 'no issue yet',
  config: withNamespaces(baseConfig(), [
    {
      name: 'kv',
      subscription_type: 'map',
      ...CLIENT_SUBSCRIBE,
      map: {
        mode: 'recoverable',
        key_ttl: '60s',
        stream_size: 10,
        stream_ttl: '60s',
        allow_publish_for_subscriber: true,
      },
    },
  ]),
  cases: [
    {
      id: 'api-publish-read',
      ...JSON_ONLY,
      steps: [
        api('map_publish', { channel: 'kv:m1', key: 'a', data: { v: 1 } }),
        api('map_publish', { channel: 'kv:m1', key: 'b', data: { v: 2 } }),
        api('map_read_state', { channel: 'kv:m1', limit: 10 }),
        api('map_stats', { channel: 'kv:m1' }),
        api('map_read_stream', { channel: 'kv:m1', limit: 10 }),
      ],
    },
    {
      id: 'api-remove-clear',
      ...JSON_ONLY,
      steps: [
        api('map_publish', { channel: 'kv:m2', key: 'a', data: { v: 1 } }),
        api('map_publish', { channel: 'kv:m2', key: 'b', b64data: b64({ v: 2 }) }),
        api('map_remove', { channel: 'kv:m2', key: 'a' }),
        api('map_read_state', { channel: 'kv:m2', limit: 10 }),
        api('map_clear', { channel: 'kv:m2' }),
        api('map_stats', { channel: 'kv:m2' }),
      ],
    },
    {
      id: 'api-edges',
      ...JSON_ONLY,
      steps: [
        api('map_publish', { channel: 'kv:m3', data: { v: 1 } }),
        api('map_publish', { channel: 'kv:m3', key: 'a' }),
        api('map_read_state', { channel: '' }),
        api('map_publish', { channel: 'hist:m3', key: 'a', data: {} }),
      ],
    },
    {
      id: 'grpc-publish-read',
      ...JSON_ONLY,
      steps: [
        grpc('MapPublish', { channel: 'kv:m4', key: 'a', data: b64({ v: 1 }) }),
        grpc('MapReadState', { channel: 'kv:m4', limit: 10 }),
        grpc('MapStats', { channel: 'kv:m4' }),
      ],
    },
    {
      id: 'client-subscribe',
      steps: [
        ...user('c', 'mu5'),
        api('map_publish', { channel: 'kv:m5', key: 'a', data: { v: 1 } }),
        sub('c', 2, 'kv:m5', { type: 1 }),
      ],
    },
    {
      id: 'client-subscribe-as-stream',
      steps: [...user('c', 'mu6'), sub('c', 2, 'kv:m6')],
    },
  ],
};

const PERSONAL: Feature = {
  id: 'personal',
  feature: 'personal channel subscription',
  issue: 'issue 17',
  built: true,
  config: withNamespaces(
    baseConfig({
      client: {
        ...(baseConfig().client as Record<string, Json>),
        subscribe_to_user_personal_channel: {
          enabled: true,
          personal_channel_namespace: 'me',
        },
      },
    }),
    [{ name: 'me', presence: true, ...HISTORY }],
  ),
  cases: [
    { id: 'connect', steps: [...user('c', 'pu1')] },
    { id: 'anonymous', steps: [...connected('c')] },
    {
      id: 'publish-to-personal',
      steps: [...user('c', 'pu2'), api('publish', { channel: 'me:#pu2', data: { n: 1 } })],
    },
    {
      id: 'presence',
      steps: [
        ...user('a', 'pu3'),
        ...user('b', 'pu3'),
        api('presence_stats', { channel: 'me:#pu3' }),
      ],
    },
    // Already subscribed server-side: the client's own subscribe to it.
    { id: 'subscribe-personal', steps: [...user('c', 'pu4'), sub('c', 2, 'me:#pu4')] },
    {
      id: 'unsubscribe-personal',
      steps: [
        ...user('c', 'pu5'),
        cmd('c', 2, 'unsubscribe', { channel: 'me:#pu5' }),
        api('presence_stats', { channel: 'me:#pu5' }),
      ],
    },
    // The token's own entry for the personal channel gives way to the channel's options.
    {
      id: 'token-subs-personal',
      steps: [
        ...user('c', 'pu6', { subs: { 'me:#pu6': { data: { from: 'token' } } } }),
        api('publish', { channel: 'me:#pu6', data: { n: 6 } }),
      ],
    },
    // Both: the channel limit counts the personal channel.
    {
      id: 'with-connect-subs',
      steps: [
        ...connected('c', connectToken('pu7'), { subs: { 'hist:pu7': {} } }),
        api('presence_stats', { channel: 'me:#pu7' }),
      ],
    },
  ],
};

/** Personal channels with one connection per user (presence in the personal namespace). */
const SINGLE_CONNECTION: Feature = {
  id: 'single-connection',
  feature: 'one connection per user',
  issue: 'issue 17',
  built: true,
  config: withNamespaces(
    baseConfig({
      client: {
        ...(baseConfig().client as Record<string, Json>),
        subscribe_to_user_personal_channel: {
          enabled: true,
          personal_channel_namespace: 'one',
          single_connection: true,
        },
      },
    }),
    // No join/leave: Centrifugo closes the older connection from another goroutine, so
    // whether the new one sees its leave, and before or after its own join, is timing.
    [{ name: 'one', presence: true }],
  ),
  cases: [
    {
      id: 'second-connection',
      steps: [
        ...user('a', 'su1'),
        ...user('b', 'su1'),
        { sleep: 300 },
        api('presence_stats', { channel: 'one:#su1' }),
      ],
      settle: 500,
    },
    {
      id: 'other-users',
      steps: [
        ...user('a', 'su2'),
        ...user('b', 'su3'),
        api('presence_stats', { channel: 'one:#su2' }),
        api('presence_stats', { channel: 'one:#su3' }),
      ],
    },
    { id: 'anonymous-twice', steps: [...connected('a'), ...connected('b')] },
    {
      id: 'api-disconnect-after',
      steps: [
        ...user('a', 'su4'),
        ...user('b', 'su4'),
        { sleep: 300 },
        api('disconnect', { user: 'su4' }),
      ],
      settle: 500,
    },
  ],
};

/** client.user_id_http_header where no anonymous access is allowed: the header is the user. */
const headerConfig = (anonymous: boolean) => {
  const client: Record<string, Json> = {
    ...(baseConfig().client as Record<string, Json>),
    user_id_http_header: 'X-Compat-User',
    subscribe_to_user_personal_channel: { enabled: true },
  };
  if (!anonymous) delete client.allow_anonymous_connect_without_token;
  // Set whole: baseConfig's extra is merged into its own section, which allows anonymous.
  return { ...baseConfig(), client };
};
const openWith = (name: string, headers: Record<string, string>, token?: string): Step[] => [
  { open: name, headers },
  { send: name, commands: [{ id: 1, connect: token ? { token } : {} }] },
];

const USER_ID_HEADER: Feature = {
  id: 'user-id-header',
  feature: 'user ID from an HTTP header',
  issue: 'issue 17',
  built: true,
  config: headerConfig(false),
  cases: [
    {
      id: 'header-user',
      steps: [
        ...openWith('c', { 'X-Compat-User': 'hu1' }),
        sub('c', 2, 'hist:hu1'),
        api('presence', { channel: 'hist:hu1' }),
        api('presence_stats', { channel: '#hu1' }),
      ],
    },
    { id: 'no-header', steps: [...openWith('c', {})] },
    { id: 'empty-header', steps: [...openWith('c', { 'X-Compat-User': '' })] },
    {
      id: 'token-wins',
      steps: [
        ...openWith('c', { 'X-Compat-User': 'hu2' }, connectToken('tu2')),
        sub('c', 2, 'hist:hu2'),
        api('presence', { channel: 'hist:hu2' }),
      ],
    },
    {
      id: 'connect-subs-ignored',
      steps: [
        { open: 'c', headers: { 'X-Compat-User': 'hu3' } },
        { send: 'c', commands: [{ id: 1, connect: { subs: { 'hist:hu3': {} } } }] },
        api('presence_stats', { channel: 'hist:hu3' }),
      ],
    },
  ],
};

/** The same header where anonymous connections are allowed: anonymous access wins. */
const USER_ID_HEADER_ANONYMOUS: Feature = {
  id: 'user-id-header-anonymous',
  feature: 'user ID from an HTTP header',
  issue: 'issue 17',
  built: true,
  config: headerConfig(true),
  cases: [
    {
      id: 'anonymous-wins',
      steps: [
        ...openWith('c', { 'X-Compat-User': 'ha1' }),
        sub('c', 2, 'anon:ha1'),
        api('presence', { channel: 'anon:ha1' }),
      ],
    },
  ],
};

/** client.concurrency: sequential exchanges answer as without it. */
const CONCURRENCY: Feature = {
  id: 'concurrency',
  feature: 'concurrent command processing',
  issue: 'issue 17',
  built: true,
  config: baseConfig({
    client: { ...(baseConfig().client as Record<string, Json>), concurrency: 8 },
  }),
  cases: [
    {
      id: 'sequential',
      steps: [
        ...user('c', 'cu1'),
        sub('c', 2, 'hist:cc1'),
        cmd('c', 3, 'publish', { channel: 'hist:cc1', data: { n: 1 } }),
        cmd('c', 4, 'history', { channel: 'hist:cc1', limit: 5 }),
        cmd('c', 5, 'presence_stats', { channel: 'hist:cc1' }),
        cmd('c', 6, 'unsubscribe', { channel: 'hist:cc1' }),
      ],
    },
    // Two subscribes in one frame would answer in either order on Centrifugo (each runs on
    // its own goroutine): one after the other instead.
    {
      id: 'subscribe-twice',
      steps: [...user('c', 'cu2'), sub('c', 2, 'hist:cc2'), sub('c', 3, 'hist:cc2')],
    },
    { id: 'rpc-not-available', steps: [...user('c', 'cu3'), cmd('c', 2, 'rpc', { method: 'x' })] },
  ],
};

/** A position lag limit no publication reaches here: positioned delivery as usual. */
const POSITION_LAG: Feature = {
  id: 'position-lag',
  feature: 'position lag check',
  issue: 'issue 17',
  built: true,
  config: baseConfig({
    client: {
      ...(baseConfig().client as Record<string, Json>),
      channel_position_max_time_lag: '30s',
    },
  }),
  cases: [
    {
      id: 'positioned-delivery',
      steps: [
        ...user('c', 'lu1'),
        sub('c', 2, 'hist:lag1', { positioned: true }),
        api('publish', { channel: 'hist:lag1', data: { n: 1 } }),
        api('publish', { channel: 'hist:lag1', data: { n: 2 } }),
      ],
    },
  ],
};

/**
 * client.presence_update_interval: the refreshed connection info shows in presence after the
 * next update (the first within one interval of connect), not at the refresh.
 */
const PRESENCE_UPDATE: Feature = {
  id: 'presence-update',
  feature: 'presence update interval',
  issue: 'issue 17',
  built: true,
  config: baseConfig({
    client: {
      ...(baseConfig().client as Record<string, Json>),
      presence_update_interval: '1s',
    },
  }),
  cases: [
    {
      id: 'refreshed-info',
      steps: [
        ...user('c', 'pr1', { info: { v: 1 } }),
        sub('c', 2, 'hist:pr1'),
        cmd('c', 3, 'refresh', { token: connectToken('pr1', { info: { v: 2 } }) }),
        api('presence', { channel: 'hist:pr1' }),
        { sleep: 1500 },
        api('presence', { channel: 'hist:pr1' }),
      ],
    },
  ],
};

const USER_ID_CLAIM: Feature = {
  id: 'user-id-claim',
  feature: 'user ID from a custom claim',
  issue: 'issue 17',
  built: true,
  config: baseConfig({
    client: {
      ...(baseConfig().client as Record<string, Json>),
      token: { hmac_secret_key: TOKEN_SECRET, user_id_claim: 'uid' },
    },
  }),
  cases: [
    {
      id: 'claim',
      steps: [
        ...connected('c', connectToken('sub-ignored', { uid: 'uu1' })),
        sub('c', 2, 'hist:u1'),
        api('presence', { channel: 'hist:u1' }),
      ],
    },
    {
      id: 'claim-missing',
      steps: [
        ...connected('c', connectToken('uu2')),
        sub('c', 2, 'hist:u2'),
        api('presence', { channel: 'hist:u2' }),
      ],
    },
  ],
};

const RPC_PING: Feature = {
  id: 'rpc-ping',
  feature: 'the built-in rpc ping method',
  issue: 'issue 17',
  built: true,
  config: { ...baseConfig(), rpc: { ping: { enabled: true, method: 'ping' } } },
  cases: [
    { id: 'ping', steps: [...user('c', 'ru1'), cmd('c', 2, 'rpc', { method: 'ping', data: {} })] },
    {
      id: 'other-method',
      steps: [...user('c', 'ru2'), cmd('c', 2, 'rpc', { method: 'pong', data: {} })],
    },
    { id: 'anonymous', steps: [...connected('c'), cmd('c', 2, 'rpc', { method: 'ping' })] },
    { id: 'empty-method', steps: [...user('c', 'ru3'), cmd('c', 2, 'rpc', { data: {} })] },
    { id: 'not-connected', steps: [{ open: 'c' }, cmd('c', 1, 'rpc', { method: 'ping' })] },
  ],
};

/** rpc.ping under another name: "ping" is then an unknown method. */
const RPC_PING_RENAMED: Feature = {
  id: 'rpc-ping-renamed',
  feature: 'the built-in rpc ping method',
  issue: 'issue 17',
  built: true,
  config: { ...baseConfig(), rpc: { ping: { enabled: true, method: 'health' } } },
  cases: [
    { id: 'renamed', steps: [...user('c', 'rr1'), cmd('c', 2, 'rpc', { method: 'health' })] },
    { id: 'old-name', steps: [...user('c', 'rr2'), cmd('c', 2, 'rpc', { method: 'ping' })] },
  ],
};

/** A proxy endpoint nothing listens on: every proxy call fails at once (connection refused). */
const DEAD_ENDPOINT = 'http://127.0.0.1:9/proxy';

const PROXY: Feature = {
  id: 'proxy',
  feature: 'proxies',
  issue: 'issue 18',
  built: true,
  config: withNamespaces(
    {
      ...baseConfig(),
      proxies: [{ name: 'dead', endpoint: DEAD_ENDPOINT, timeout: '1s' }],
      rpc: {
        without_namespace: { proxy_enabled: true, proxy_name: 'dead' },
        namespaces: [{ name: 'plain' }],
      },
    },
    [
      { name: 'subp', subscribe_proxy_enabled: true, subscribe_proxy_name: 'dead' },
      {
        name: 'pubp',
        publish_proxy_enabled: true,
        publish_proxy_name: 'dead',
        ...CLIENT_SUBSCRIBE,
      },
    ],
  ),
  cases: [
    {
      id: 'rpc-unreachable',
      steps: [...user('c', 'xu1'), cmd('c', 2, 'rpc', { method: 'm', data: {} })],
    },
    { id: 'subscribe-unreachable', steps: [...user('c', 'xu2'), sub('c', 2, 'subp:x2')] },
    {
      id: 'publish-unreachable',
      steps: [
        ...user('c', 'xu3'),
        sub('c', 2, 'pubp:x3'),
        cmd('c', 3, 'publish', { channel: 'pubp:x3', data: {} }),
      ],
    },
    {
      id: 'rpc-namespaces',
      steps: [
        ...user('c', 'xu5'),
        // A namespace without proxy_enabled (108), an unknown one (104).
        cmd('c', 2, 'rpc', { method: 'plain:m', data: {} }),
        cmd('c', 3, 'rpc', { method: 'nope:m', data: {} }),
      ],
    },
    {
      id: 'connect-subs-skip-proxied-channel',
      steps: [
        // A channel the subscribe proxy decides is never subscribed from connect `subs`.
        ...connected('c', connectToken('xu6'), { subs: { 'subp:x6': {}, 'pubp:x6': {} } }),
      ],
    },
    {
      id: 'api-publish-bypasses-proxy',
      steps: [
        ...user('c', 'xu4'),
        sub('c', 2, 'pubp:x4'),
        api('publish', { channel: 'pubp:x4', data: { n: 1 } }),
      ],
    },
  ],
};

const CONNECT_PROXY: Feature = {
  id: 'connect-proxy',
  feature: 'connect proxy',
  issue: 'issue 18',
  built: true,
  config: baseConfig({
    client: {
      ...(baseConfig().client as Record<string, Json>),
      proxy: { connect: { enabled: true, endpoint: DEAD_ENDPOINT, timeout: '1s' } },
    },
  }),
  cases: [
    { id: 'no-token-unreachable', steps: [...connected('c')] },
    { id: 'token-skips-proxy', steps: [...user('c', 'yu1')] },
  ],
};

const TRANSPORTS: Feature = {
  id: 'transports',
  feature: 'the SSE, HTTP-streaming and unidirectional transports',
  issue: 'issue 19',
  built: true,
  config: {
    ...baseConfig({
      client: uniClientConfig(),
    }),
    uni_websocket: { enabled: true },
    // uni_http_stream answers failed connects with HTTP statuses instead.
    uni_http_stream: {
      enabled: true,
      connect_code_to_http_response: {
        enabled: true,
        transforms: [
          { code: 109, to: { status_code: 401, body: '' } },
          { code: 3500, to: { status_code: 403, body: 'bad token' } },
        ],
      },
    },
    uni_sse: { enabled: true },
    http_stream: { enabled: true },
    sse: { enabled: true },
    init: { enabled: true },
  },
  cases: [
    {
      id: 'uni-websocket',
      encodings: ['json'],
      steps: [
        { open: 'c', path: '/connection/uni_websocket', uni: true },
        { sendText: 'c', text: JSON.stringify({ token: connectToken('wu1') }) },
        { sleep: 300 },
        api('subscribe', { user: 'wu1', channel: 'hist:w1' }),
        api('publish', { channel: 'hist:w1', data: { n: 1 } }),
        { sleep: 300 },
      ],
    },
    {
      id: 'uni-websocket-bad-token',
      encodings: ['json'],
      steps: [
        { open: 'c', path: '/connection/uni_websocket', uni: true },
        { sendText: 'c', text: JSON.stringify({ token: 'x.y.z' }) },
        { sleep: 300 },
      ],
    },
    {
      id: 'uni-http-stream-methods',
      ...JSON_ONLY,
      steps: [
        { http: { method: 'GET', path: '/connection/uni_http_stream' } },
        { http: { method: 'POST', path: '/connection/uni_http_stream', body: 'not json' } },
        { http: { method: 'OPTIONS', path: '/connection/uni_http_stream' } },
      ],
    },
    {
      id: 'uni-sse-bad-connect',
      ...JSON_ONLY,
      steps: [
        { http: { method: 'GET', path: '/connection/uni_sse?cf_connect=not-json' } },
        { http: { method: 'PUT', path: '/connection/uni_sse' } },
      ],
    },
    {
      id: 'uni-websocket-query',
      encodings: ['json'],
      steps: [
        {
          open: 'c',
          path: `/connection/uni_websocket?cf_connect=${encodeURIComponent(JSON.stringify({ token: connectToken('wq1', { channels: ['hist:wq'] }) }))}`,
          uni: true,
        },
        { sleep: 300 },
        api('publish', { channel: 'hist:wq', data: { q: 1 } }),
        { sleep: 300 },
      ],
    },
    {
      id: 'uni-sse-streams',
      ...JSON_ONLY,
      steps: [
        {
          http: {
            method: 'GET',
            path: `/connection/uni_sse?cf_connect=${encodeURIComponent(JSON.stringify({ token: connectToken('su1', { channels: ['hist:s1'] }) }))}`,
            readMs: 400,
          },
        },
        {
          http: {
            method: 'POST',
            path: '/connection/uni_sse',
            body: JSON.stringify({ token: connectToken('su2') }),
            readMs: 400,
          },
        },
        { http: { method: 'GET', path: '/connection/uni_sse', readMs: 400 } },
        { http: { method: 'GET', path: '/connection/uni_sse?cf_connect={"token":"x.y.z"}' } },
        {
          http: {
            method: 'GET',
            path: `/connection/uni_sse?cf_connect=${encodeURIComponent(JSON.stringify({ token: connectToken('su3', { exp: 1000 }) }))}`,
          },
        },
      ],
    },
    {
      id: 'uni-http-stream-streams',
      ...JSON_ONLY,
      steps: [
        {
          http: {
            method: 'POST',
            path: '/connection/uni_http_stream',
            body: JSON.stringify({ token: connectToken('hu1', { channels: ['hist:h1'] }) }),
            readMs: 400,
          },
        },
        {
          http: { method: 'POST', path: '/connection/uni_http_stream', body: 'null', readMs: 400 },
        },
        {
          http: {
            method: 'POST',
            path: '/connection/uni_http_stream',
            body: JSON.stringify({ token: 'x.y.z' }),
          },
        },
        {
          http: {
            method: 'POST',
            path: '/connection/uni_http_stream',
            body: JSON.stringify({ token: connectToken('hu3', { exp: 1000 }) }),
          },
        },
      ],
    },
    {
      id: 'emulated-connects',
      ...JSON_ONLY,
      steps: [
        {
          http: {
            method: 'POST',
            path: '/connection/http_stream',
            body: JSON.stringify({ id: 1, connect: { token: connectToken('eu1') } }),
            readMs: 400,
          },
        },
        {
          http: {
            method: 'GET',
            path: `/connection/sse?cf_connect=${encodeURIComponent(JSON.stringify({ id: 1, connect: {} }))}`,
            readMs: 400,
          },
        },
        {
          http: {
            method: 'POST',
            path: '/connection/http_stream',
            body: JSON.stringify({ id: 1, connect: { token: 'x.y.z' } }),
            readMs: 400,
          },
        },
        {
          http: {
            method: 'POST',
            path: '/emulation',
            body: JSON.stringify({ node: 'nope', session: 's', data: '"{}"' }),
          },
        },
        { http: { method: 'POST', path: '/emulation', body: 'not json' } },
        { http: { method: 'OPTIONS', path: '/emulation' } },
        { http: { method: 'GET', path: '/connection/init' } },
        { http: { method: 'POST', path: '/connection/init' } },
      ],
    },
    {
      id: 'emulation-endpoints',
      ...JSON_ONLY,
      steps: [
        { http: { method: 'GET', path: '/connection/http_stream' } },
        { http: { method: 'POST', path: '/connection/http_stream', body: '' } },
        { http: { method: 'GET', path: '/connection/sse' } },
        { http: { method: 'GET', path: '/emulation' } },
      ],
    },
  ],
};

export const FEATURES: Feature[] = [
  DELTA,
  TAGS,
  CACHE,
  MAP,
  PERSONAL,
  SINGLE_CONNECTION,
  USER_ID_HEADER,
  USER_ID_HEADER_ANONYMOUS,
  CONCURRENCY,
  POSITION_LAG,
  PRESENCE_UPDATE,
  USER_ID_CLAIM,
  RPC_PING,
  RPC_PING_RENAMED,
  PROXY,
  CONNECT_PROXY,
  TRANSPORTS,
  UNI_GRPC,
];

const groupOf = (f: Feature) => `feature-${f.id}`;

/** Client-case groups (one per encoding, as for CLIENT_GROUPS). */
export const FEATURE_GROUPS: Group[] = FEATURES.map((f) => ({
  name: groupOf(f),
  config: f.config,
}));

export const FEATURE_CASES: ClientCase[] = FEATURES.flatMap((f) =>
  f.cases.map((c) => ({ ...c, id: `${f.id}/${c.id}`, group: groupOf(f) })),
);

/**
 * Whether each server starts with the feature's config at all: a case of the feature's JSON
 * group, answered from that group's own servers (no servers of its own).
 */
export const FEATURE_STARTUP_CASES: CompatCase[] = FEATURES.map((f) => ({
  id: `startup/feature-${f.id}`,
  group: `${groupOf(f)}/json`,
  steps: [],
  probeStartup: true,
}));

export const featureReason = (f: Feature): string =>
  `feature not built yet: ${f.feature} (${f.issue}): Centrifugo starts with the config and serves it; this node refuses the config by name`;

/** pending.ts entries: every case of each feature, and its startup case. */
export function featurePending(): Record<string, string[]> {
  return Object.fromEntries(
    FEATURES.filter((f) => !f.built).map((f) => [
      featureReason(f),
      [
        `startup/feature-${f.id}`,
        ...FEATURE_CASES.filter((c) => c.group === groupOf(f)).flatMap((c) =>
          (c.encodings ?? ['json', 'protobuf']).map((e) => `${c.id}/${e}`),
        ),
      ],
    ]),
  );
}
