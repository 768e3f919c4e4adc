// Every key either works or is refused by name: the schema's leaves against the registry of
// what is implemented, and every key of Centrifugo v6.9.1 against the loader.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { CENTRIFUGO_LEAVES, CENTRIFUGO_LISTS, isDefaultValue } from './centrifugo-keys.ts';
import { ConfigError } from './errors.ts';
import { LEAF_PATTERNS, type LeafPattern } from './leaves.ts';
import { validateConfig } from './load.ts';
import { ConfigSchema } from './schema.ts';
import { IMPLEMENTED, NO_EFFECT, NOT_SUPPORTED } from './support.ts';

// The node and the CLI above it (serve reads pid_file): every reader of the node's config.
const SRC = fileURLToPath(new URL('../../', import.meta.url));
const SCHEMA = new Set(LEAF_PATTERNS.map((l) => l.pattern));
/** Keys with no default, given by each item. */
const NAMES = new Set([
  'channel.namespaces[].name',
  'consumers[].name',
  'consumers[].type',
  'proxies[].name',
  'rpc.namespaces[].name',
]);
const CONSUMER_SECTIONS: Record<string, true> = {
  postgresql: true,
  kafka: true,
  nats_jetstream: true,
  redis_stream: true,
  google_pub_sub: true,
  aws_sqs: true,
  azure_service_bus: true,
};

/** A config with `value` at `pattern`, inside a namespace for `channel.namespaces[]` keys. */
function configWith(pattern: string, value: unknown): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const [head, tail] = pattern.split('[].', 2) as [string, string | undefined];
  let node = raw;
  const path = head.split('.');
  for (const key of path.slice(0, -1)) {
    node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1] as string;
  if (tail === undefined) {
    node[last] = value;
    return raw;
  }
  // A consumer needs a type: the one its section names (consumers[].kafka.x), else kafka.
  const section = tail.split('.')[0] as string;
  const item: Record<string, unknown> =
    head === 'consumers'
      ? { name: 'cc', type: section in CONSUMER_SECTIONS ? section : 'kafka' }
      : { name: 'ns' };
  node[last] = [item];
  let inner = item;
  const rest = tail.split('.');
  for (const key of rest.slice(0, -1)) {
    inner[key] = {};
    inner = inner[key] as Record<string, unknown>;
  }
  inner[rest[rest.length - 1] as string] = value;
  return raw;
}

function refusedAs(raw: Record<string, unknown>, key: string) {
  assert.throws(
    () => validateConfig(raw),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.match(
        err.message,
        new RegExp(`^not supported yet: ${key.replaceAll('.', '\\.')} \\(`),
      );
      return true;
    },
    `${key}: ${JSON.stringify(raw)}`,
  );
}

/** A value of the leaf's type that is not its default (nor its zero). */
function nonDefault(type: string, def: unknown): unknown {
  switch (type) {
    case 'bool':
      return true;
    case 'int':
    case 'int32':
    case 'int64':
    case 'uint32':
      return Number(def) === 7 ? 8 : 7;
    case 'Duration':
      return def === '7s' ? '8s' : '7s';
    case '[]string':
    case '[]centrifuge.DeltaType':
      return ['fossil', 'x'];
    case 'MapStringString':
      return { x: 'y' };
    default:
      return def === 'cache' ? 'stream-x' : 'cache';
  }
}

const schemaType = (l: LeafPattern) =>
  (
    ({
      boolean: 'bool',
      integer: 'int',
      duration: 'Duration',
      'string[]': '[]string',
      map: 'MapStringString',
    }) as Record<string, string>
  )[l.kind] ?? 'string';

describe('the schema against what the node implements', () => {
  it('puts every leaf of the schema on exactly one list: implemented, not supported, no effect', () => {
    const lists = (p: string) =>
      [IMPLEMENTED.has(p), p in NOT_SUPPORTED, p in NO_EFFECT].filter(Boolean).length;
    const missing = [...SCHEMA].filter((p) => lists(p) === 0);
    assert.deepEqual(missing, [], 'leaves with no reader that are not refused either');
    assert.deepEqual(
      [...SCHEMA].filter((p) => lists(p) > 1),
      [],
      'leaves on two lists',
    );
    const registered = [...IMPLEMENTED, ...Object.keys(NOT_SUPPORTED), ...Object.keys(NO_EFFECT)];
    const stale = registered.filter((p) => !SCHEMA.has(p));
    assert.deepEqual(stale, [], 'registry entries the schema no longer has');
  });

  it('names every implemented leaf somewhere outside the config folder (its reader)', () => {
    const sources: string[] = [];
    const read = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) {
          if (name !== 'config' && name !== 'operator') read(path);
        } else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) {
          sources.push(readFileSync(path, 'utf8'));
        }
      }
    };
    read(SRC);
    const text = sources.join('\n');
    // client/commands/permissions.ts reads these as o[`allow_${action}_for_${who}`].
    const templated = /^allow_(publish|presence|history)_for_(client|subscriber|anonymous)$/;
    const unread = [...IMPLEMENTED].filter((p) => {
      const last = p.split('.').pop() as string;
      return !templated.test(last) && !new RegExp(`\\b${last}\\b`).test(text);
    });
    assert.deepEqual(unread, [], 'implemented leaves no code names');
  });

  it('refuses every not-supported leaf by name unless it holds its default', () => {
    for (const leaf of LEAF_PATTERNS.filter((l) => l.pattern in NOT_SUPPORTED)) {
      validateConfig(configWith(leaf.pattern, leaf.schema.default));
      refusedAs(
        configWith(leaf.pattern, nonDefault(schemaType(leaf), leaf.schema.default)),
        leaf.pattern.replace('[]', '.0'),
      );
    }
  });

  it('refuses the keys of features not supported yet, naming each', () => {
    for (const [pattern, value] of [
      ['admin.web_proxy_address', 'http://127.0.0.1:3000'],
    ] as const) {
      refusedAs(configWith(pattern, value), pattern.replace('[]', '.0'));
    }
  });

  it('names the feature of keys outside the schema, so the refusal says what is missing', () => {
    for (const [pattern, value, feature] of [
      ['channel.proxy.map_publish.endpoint', 'http://x', 'map subscriptions'],
      ['channel.namespaces[].map.publish_proxy_enabled', true, 'map subscriptions'],
    ] as const) {
      assert.throws(
        () => validateConfig(configWith(pattern, value)),
        (err: unknown) => err instanceof ConfigError && err.message.includes(`(${feature})`),
        pattern,
      );
    }
  });
});

describe('every Centrifugo v6.9.1 key', () => {
  const outside = [...CENTRIFUGO_LEAVES].filter(
    ([k]) => !SCHEMA.has(k) && !k.replace(/^channel\.namespaces\[\]\./, '').includes('[]'),
  );

  it('passes at its default and is refused by name otherwise, when the node lacks it', () => {
    // Hundreds remain (map and shared-poll subscriptions, WebTransport, the brokers, ...): a
    // walk over a handful would mean the key list failed to load.
    assert.ok(outside.length > 200, `${outside.length} keys outside the schema`);
    for (const [key, { type, default: def }] of outside) {
      if (key.startsWith('proxies[]') || key.startsWith('rpc.namespaces[]')) continue;
      validateConfig(configWith(key, def));
      refusedAs(configWith(key, nonDefault(type, def)), key.replace('[]', '.0'));
    }
  });

  it('refuses a non-empty list of objects the schema lacks (map proxy and uni transforms)', () => {
    const inSchema = (list: string) => LEAF_PATTERNS.some((l) => l.pattern.startsWith(`${list}[]`));
    for (const list of CENTRIFUGO_LISTS) {
      // Schema lists (namespaces, consumers, proxies, transforms) check their items.
      if (inSchema(list) || list.includes('[]')) continue;
      // A list the node implements (the connect code transforms) checks its items itself.
      if ([...IMPLEMENTED].some((key) => key.startsWith(`${list}[]`))) continue;
      validateConfig(configWith(list, []));
      refusedAs(configWith(list, [{ name: 'xx' }]), list);
    }
  });

  it('takes a whole `centrifugo defaultconfig` (every key at its default) and starts on it', () => {
    const full: Record<string, unknown> = {};
    const put = (key: string, value: unknown) => {
      const path = key.split('.');
      let node = full;
      for (const p of path.slice(0, -1)) {
        node[p] ??= {};
        node = node[p] as Record<string, unknown>;
      }
      node[path[path.length - 1] as string] = value;
    };
    for (const [key, { default: def }] of CENTRIFUGO_LEAVES) if (!key.includes('[]')) put(key, def);
    for (const list of CENTRIFUGO_LISTS) if (!list.includes('[]')) put(list, []);
    const config = validateConfig(full);
    assert.equal(config.http_server.port, 8000);
  });

  it('has the defaults Centrifugo has, where the schema holds the same key', () => {
    const defaults = Value.Default(ConfigSchema, {
      consumers: [{ name: 'cc', type: 'kafka' }],
      proxies: [{ name: 'pp' }],
      rpc: { namespaces: [{ name: 'rr' }] },
    }) as Record<string, unknown>;
    const at = (pattern: string) =>
      pattern
        .replace('channel.namespaces[].', 'channel.without_namespace.')
        .replace('consumers[].', 'consumers.0.')
        .replace('proxies[].', 'proxies.0.')
        .replace('rpc.namespaces[].', 'rpc.namespaces.0.')
        .split('.')
        .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], defaults);
    const differ: string[] = [];
    for (const leaf of LEAF_PATTERNS) {
      const c = CENTRIFUGO_LEAVES.get(leaf.pattern);
      if (c === undefined || NAMES.has(leaf.pattern)) continue;
      const ours = at(leaf.pattern);
      const same =
        isDefaultValue(c.type, c.default, ours) &&
        isDefaultValue(schemaType(leaf), ours, c.default);
      if (!same)
        differ.push(`${leaf.pattern}: ${JSON.stringify(ours)} vs ${JSON.stringify(c.default)}`);
    }
    assert.deepEqual(differ, []);
  });

  it('refuses the v6.8-v6.9 features by name, not as unknown', () => {
    for (const [raw, key] of [
      [{ webtransport: { enabled: true } }, 'webtransport.enabled'],
      [{ map_broker: { type: 'redis' } }, 'map_broker.type'],
      [{ shared_poll: { hmac_secret_key: 's' } }, 'shared_poll.hmac_secret_key'],
      [
        { channel: { namespaces: [{ name: 'mm', subscription_type: 'map' }] } },
        'channel.namespaces.0.subscription_type',
      ],
      [
        { channel: { namespaces: [{ name: 'mm', map: { mode: 'persistent' } }] } },
        'channel.namespaces.0.map.mode',
      ],
      [
        { channel: { namespaces: [{ name: 'mm', shared_poll: { refresh_interval: '5s' } }] } },
        'channel.namespaces.0.shared_poll.refresh_interval',
      ],
      [{ engine: { type: 'redis' } }, 'engine.type'],
    ] as const) {
      refusedAs(raw as Record<string, unknown>, key);
    }
  });

  it('refuses an enabled consumer of a type this node does not run, by name', () => {
    for (const type of ['google_pub_sub', 'aws_sqs', 'azure_service_bus']) {
      validateConfig({ consumers: [{ name: 'cc', type }] });
      refusedAs({ consumers: [{ name: 'cc', type, enabled: true }] }, 'consumers.0.type');
    }
    refusedAs(
      {
        consumers: [
          {
            name: 'kk',
            type: 'kafka',
            enabled: true,
            kafka: { brokers: ['b:9092'], topics: ['t'], consumer_group: 'g' },
          },
          {
            name: 'k2',
            type: 'kafka',
            enabled: true,
            kafka: {
              brokers: ['b:9092'],
              topics: ['t'],
              consumer_group: 'g',
              sasl_mechanism: 'aws-msk-iam',
            },
          },
        ],
      },
      'consumers.1.kafka.sasl_mechanism',
    );
  });

  it('checks an enabled consumer as Centrifugo does, with its words', () => {
    const enabled = (type: string, section: Record<string, unknown>) => ({
      consumers: [{ name: 'cc', type, enabled: true, [type]: section }],
    });
    for (const [raw, message] of [
      [enabled('postgresql', {}), /consumers\.0\.postgresql\.dsn.*no Postgres DSN provided/],
      [enabled('postgresql', { dsn: 'postgres://x' }), /no Postgres outbox table name provided/],
      [enabled('kafka', {}), /no Kafka brokers provided/],
      [enabled('kafka', { brokers: ['b'], topics: ['t'] }), /no Kafka consumer group provided/],
      [enabled('nats_jetstream', {}), /stream_name is required/],
      [enabled('nats_jetstream', { stream_name: 's' }), /durable_consumer_name is required/],
      [enabled('redis_stream', {}), /streams can't be empty/],
      [enabled('redis_stream', { streams: ['s'] }), /consumer_group is required/],
      [{ consumers: [{ name: 'c', type: 'kafka' }] }, /invalid consumer name: c, must match/],
      [
        {
          consumers: [
            { name: 'cc', type: 'kafka' },
            { name: 'cc', type: 'kafka' },
          ],
        },
        /invalid consumer name: cc, must be unique/,
      ],
      [{ consumers: [{ name: 'cc', type: 'rabbitmq' }] }, /consumers\.0\.type" must be one of/],
    ] as const) {
      assert.throws(() => validateConfig(raw), message);
    }
    // Disabled, a consumer needs nothing more, as in Centrifugo.
    validateConfig({ consumers: [{ name: 'cc', type: 'postgresql' }] });
    // A zero value runs as the key's default, as Centrifugo's env pass fills it.
    const [zeroed] = validateConfig({
      consumers: [
        {
          name: 'cc',
          type: 'redis_stream',
          redis_stream: { num_workers: 0, method_value: '', visibility_timeout: '0s' },
        },
      ],
    }).consumers;
    assert.deepEqual(zeroed?.redis_stream.address, ['redis://127.0.0.1:6379']);
    assert.equal(zeroed?.redis_stream.num_workers, 1);
    assert.equal(zeroed?.redis_stream.method_value, 'method');
    assert.equal(zeroed?.redis_stream.visibility_timeout, '30s');
    // A list given empty stays so: Centrifugo's "redis address is required".
    assert.throws(
      () =>
        validateConfig({
          consumers: [
            {
              name: 'rr',
              type: 'redis_stream',
              enabled: true,
              redis_stream: { address: [], streams: ['s'], consumer_group: 'g' },
            },
          ],
        }),
      /in consumer rr \(redis_stream\): redis address is required/,
    );
  });

  it('still calls a key no Centrifugo has unknown', () => {
    assert.throws(() => validateConfig({ sse: { nope: 1 } }), /unknown config key "sse.nope"/);
    assert.throws(
      () => validateConfig({ client: { publish_debounce_interval: '1s' } }),
      /unknown config key "client.publish_debounce_interval"/,
    );
  });
});

describe('values Go reads differently', () => {
  it('takes null as the default and a number for a duration as nanoseconds', () => {
    const c = validateConfig({
      client: { ping_interval: 10_000_000_000, allowed_origins: null },
      http_api: { handler_prefix: null },
    });
    assert.equal(c.client.ping_interval, '10s');
    assert.deepEqual(c.client.allowed_origins, []);
    assert.equal(c.http_api.handler_prefix, '/api');
  });

  it('takes stream as the default of force_recovery_mode, but nowhere else', () => {
    validateConfig(configWith('channel.namespaces[].force_recovery_mode', 'stream'));
    refusedAs(configWith('admin.web_proxy_address', 'stream'), 'admin.web_proxy_address');
  });
});
