// CENTRIFUGO_* variables as Centrifugo v6.9.1 reads them. The named-list cases were run
// through the real binary (`centrifugo defaultconfig -b base.json -d` with the same env and
// a base file holding namespace "xx"); the comments give what it printed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { goParseInt } from './env.ts';
import { loadConfig } from './load.ts';

const dir = mkdtempSync(join(tmpdir(), 'centrifugo-ts-env-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** Loads with these variables over a config file holding `raw` (when given). */
const load = (env: Record<string, string>, raw?: object) => {
  if (raw === undefined) return loadConfig({ env });
  const file = join(dir, `config-${files++}.json`);
  writeFileSync(file, JSON.stringify(raw));
  return loadConfig({ file, env });
};

const namespaces = (r: ReturnType<typeof loadConfig>) =>
  r.config.channel.namespaces.map((n) => ({
    name: n.name,
    presence: n.presence,
    join_leave: n.join_leave,
    history_size: n.history_size,
  }));
const BASE = { channel: { namespaces: [{ name: 'xx', presence: true }] } };

describe('named lists from env', () => {
  it('appends space-separated names to the file list, then applies per-item variables', () => {
    const r = load(
      {
        CENTRIFUGO_CHANNEL_NAMESPACES: 'aa bb',
        CENTRIFUGO_CHANNEL_NAMESPACES_AA_HISTORY_SIZE: '10',
        CENTRIFUGO_CHANNEL_NAMESPACES_AA_HISTORY_TTL: '10s',
        CENTRIFUGO_CHANNEL_NAMESPACES_XX_JOIN_LEAVE: 'true',
      },
      BASE,
    );
    // Centrifugo: [{xx, presence, join_leave}, {aa, history_size 10}, {bb}].
    assert.deepEqual(namespaces(r), [
      { name: 'xx', presence: true, join_leave: true, history_size: 0 },
      { name: 'aa', presence: false, join_leave: false, history_size: 10 },
      { name: 'bb', presence: false, join_leave: false, history_size: 0 },
    ]);
    assert.deepEqual(r.warnings, []);
  });

  it('replaces the file list with a JSON array, whose items take per-item variables too', () => {
    const r = load(
      {
        CENTRIFUGO_CHANNEL_NAMESPACES: '[{"name":"cc","history_ttl":"10s","history_size":3}]',
        CENTRIFUGO_CHANNEL_NAMESPACES_CC_PRESENCE: '1',
      },
      BASE,
    );
    // Centrifugo: [{cc, presence, history_size 3}].
    assert.deepEqual(namespaces(r), [
      { name: 'cc', presence: true, join_leave: false, history_size: 3 },
    ]);
  });

  it('spells an item name upper-case with . and - as _, and can rename an item', () => {
    const r = load({
      CENTRIFUGO_CHANNEL_NAMESPACES: 'a-b.c',
      CENTRIFUGO_CHANNEL_NAMESPACES_A_B_C_PRESENCE: 'true',
    });
    assert.deepEqual(namespaces(r), [
      { name: 'a-b.c', presence: true, join_leave: false, history_size: 0 },
    ]);
    // Centrifugo: [{yy, presence}].
    const renamed = load({ CENTRIFUGO_CHANNEL_NAMESPACES_XX_NAME: 'yy' }, BASE);
    assert.equal(renamed.config.channel.namespaces[0]?.name, 'yy');
  });

  it('refuses what Centrifugo refuses: a JSON array with a leading space, two spaces, a duplicate', () => {
    // Centrifugo: "invalid namespace name" for the first two, "must be unique" for the last.
    assert.throws(
      () => load({ CENTRIFUGO_CHANNEL_NAMESPACES: ' [{"name":"cc"}]' }),
      /namespace name/,
    );
    assert.throws(() => load({ CENTRIFUGO_CHANNEL_NAMESPACES: 'aa  bb' }), /namespace name/);
    assert.throws(() => load({ CENTRIFUGO_CHANNEL_NAMESPACES: 'xx' }, BASE), /defined twice/);
  });

  it('keeps the file list for an empty value, empties it for []', () => {
    assert.equal(
      load({ CENTRIFUGO_CHANNEL_NAMESPACES: '' }, BASE).config.channel.namespaces.length,
      1,
    );
    assert.equal(
      load({ CENTRIFUGO_CHANNEL_NAMESPACES: '[]' }, BASE).config.channel.namespaces.length,
      0,
    );
  });

  it('builds proxies and rpc namespaces from their variables, as Centrifugo does', () => {
    const { config, warnings } = load({
      CENTRIFUGO_PROXIES: 'auth my-rpc',
      CENTRIFUGO_PROXIES_AUTH_ENDPOINT: 'http://127.0.0.1:3000/auth',
      CENTRIFUGO_PROXIES_AUTH_TIMEOUT: '2s',
      CENTRIFUGO_PROXIES_AUTH_HTTP_HEADERS: 'Cookie X-Real-Ip',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder Centrifugo expands
      CENTRIFUGO_PROXIES_AUTH_HTTP_STATIC_HEADERS: '{"X-Secret":"${CENTRIFUGO_VAR_SECRET}"}',
      CENTRIFUGO_VAR_SECRET: 's3',
      CENTRIFUGO_PROXIES_MY_RPC_ENDPOINT: 'grpc://127.0.0.1:3001',
      CENTRIFUGO_PROXIES_MY_RPC_GRPC_COMPRESSION: 'true',
      CENTRIFUGO_RPC_NAMESPACES: 'calls',
      CENTRIFUGO_RPC_NAMESPACES_CALLS_PROXY_ENABLED: 'true',
      CENTRIFUGO_RPC_NAMESPACES_CALLS_PROXY_NAME: 'my-rpc',
    });
    assert.deepEqual(warnings, []);
    const [auth, rpc] = config.proxies;
    assert.equal(auth?.endpoint, 'http://127.0.0.1:3000/auth');
    assert.equal(auth?.timeout, '2s');
    assert.deepEqual(auth?.http_headers, ['Cookie', 'X-Real-Ip']);
    assert.deepEqual(auth?.http.static_headers, { 'X-Secret': 's3' });
    assert.equal(rpc?.name, 'my-rpc');
    assert.equal(rpc?.grpc.compression, true);
    assert.deepEqual(config.rpc.namespaces, [
      { name: 'calls', proxy_enabled: true, proxy_name: 'my-rpc' },
    ]);
    // An item that only has a name has no endpoint: refused as Centrifugo refuses it.
    assert.throws(
      () => load({ CENTRIFUGO_PROXIES: 'pp' }),
      /proxies\.0\.endpoint.*endpoint not set/,
    );
    assert.deepEqual(load({ CENTRIFUGO_PROXIES: '[]' }).warnings, []);
  });

  it('builds consumers from CENTRIFUGO_CONSUMERS and CENTRIFUGO_CONSUMERS_<NAME>_*', () => {
    const { config, warnings } = load({
      CENTRIFUGO_CONSUMERS: 'outbox my_kafka',
      CENTRIFUGO_CONSUMERS_OUTBOX_TYPE: 'postgresql',
      CENTRIFUGO_CONSUMERS_OUTBOX_ENABLED: 'true',
      CENTRIFUGO_CONSUMERS_OUTBOX_POSTGRESQL_DSN: 'postgres://u@127.0.0.1/db',
      CENTRIFUGO_CONSUMERS_OUTBOX_POSTGRESQL_OUTBOX_TABLE_NAME: 'outbox',
      CENTRIFUGO_CONSUMERS_OUTBOX_POSTGRESQL_NUM_PARTITIONS: '0x4',
      CENTRIFUGO_CONSUMERS_OUTBOX_POSTGRESQL_PARTITION_POLL_INTERVAL: '1s',
      CENTRIFUGO_CONSUMERS_MY_KAFKA_TYPE: 'kafka',
      CENTRIFUGO_CONSUMERS_MY_KAFKA_KAFKA_BROKERS: 'a:9092 b:9092',
      CENTRIFUGO_CONSUMERS_MY_KAFKA_KAFKA_PARTITION_QUEUE_MAX_SIZE: '-1',
    });
    assert.deepEqual(warnings, []);
    const [outbox, kafka] = config.consumers;
    assert.equal(outbox?.name, 'outbox');
    assert.equal(outbox?.enabled, true);
    assert.equal(outbox?.postgresql.num_partitions, 4);
    assert.equal(outbox?.postgresql.partition_poll_interval, '1s');
    assert.equal(outbox?.postgresql.partition_select_limit, 100);
    assert.deepEqual(kafka?.kafka.brokers, ['a:9092', 'b:9092']);
    assert.equal(kafka?.kafka.partition_queue_max_size, -1);
    assert.equal(kafka?.enabled, false);
    // The name must be one Centrifugo takes, which `my-kafka` is not.
    assert.throws(
      () => load({ CENTRIFUGO_CONSUMERS: '[{"name":"my-kafka","type":"kafka"}]' }),
      /invalid consumer name: my-kafka/,
    );
    assert.throws(() => load({ CENTRIFUGO_CONSUMERS: 'pp' }), /consumers\.0\.type" is required/);
    assert.deepEqual(load({ CENTRIFUGO_CONSUMERS: '[]' }).warnings, []);
  });

  it('reads Centrifugo-only keys inside a namespace, refusing a non-default one by name', () => {
    assert.throws(
      () =>
        load({
          CENTRIFUGO_CHANNEL_NAMESPACES: 'mm',
          CENTRIFUGO_CHANNEL_NAMESPACES_MM_SUBSCRIPTION_TYPE: 'map',
        }),
      /not supported yet: channel\.namespaces\.0\.subscription_type/,
    );
    const ok = load({
      CENTRIFUGO_CHANNEL_NAMESPACES: 'mm',
      CENTRIFUGO_CHANNEL_NAMESPACES_MM_SUBSCRIPTION_TYPE: 'stream',
    });
    assert.deepEqual(ok.warnings, []);
  });
});

describe('values from env', () => {
  it('takes booleans as Go strconv.ParseBool does, and nothing else', () => {
    for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) {
      assert.equal(load({ CENTRIFUGO_HEALTH_ENABLED: t }).config.health.enabled, true, t);
    }
    for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) {
      assert.equal(load({ CENTRIFUGO_HEALTH_ENABLED: f }).config.health.enabled, false, f);
    }
    // Centrifugo: "converting 'yes' to type bool ... invalid syntax", startup stops.
    for (const bad of ['yes', 'on', 'tRUE', ' true']) {
      assert.throws(
        () => load({ CENTRIFUGO_HEALTH_ENABLED: bad }),
        /CENTRIFUGO_HEALTH_ENABLED must be a boolean/,
      );
    }
  });

  it('takes integers as Go strconv.ParseInt with base 0 does', () => {
    const port = (v: string) => load({ CENTRIFUGO_HTTP_SERVER_PORT: v }).config.http_server.port;
    assert.equal(port('9000'), 9000);
    assert.equal(port('0x2328'), 9000);
    assert.equal(port('0o21450'), 9000);
    assert.equal(port('021450'), 9000, 'a leading 0 is octal');
    assert.equal(port('9_000'), 9000);
    for (const bad of ['9000.0', '1e3', '08', '9__000', '_9000', ' 9000']) {
      assert.throws(() => port(bad), /must be an integer/, bad);
    }
    const sig = { signed: true, bits: 32n };
    assert.equal(goParseInt('-2147483648', sig), -(2 ** 31));
    assert.equal(goParseInt('2147483648', sig), undefined);
    assert.equal(goParseInt('+7', sig), 7);
    assert.equal(goParseInt('+7', { signed: false, bits: 32n }), undefined, 'no sign on uint');
  });

  it('takes durations as Go time.ParseDuration does: a unit is required', () => {
    assert.equal(
      load({ CENTRIFUGO_CLIENT_PING_INTERVAL: '1m30s' }).config.client.ping_interval,
      '1m30s',
    );
    assert.throws(() => load({ CENTRIFUGO_CLIENT_PING_INTERVAL: '30' }), /must be a duration/);
  });

  it('splits lists of strings on single spaces, never as JSON or on commas', () => {
    const origins = (v: string) =>
      load({ CENTRIFUGO_CLIENT_ALLOWED_ORIGINS: v }).config.client.allowed_origins;
    assert.deepEqual(origins('http://a http://b'), ['http://a', 'http://b']);
    assert.deepEqual(origins('http://a,http://b'), ['http://a,http://b']);
    assert.deepEqual(origins('["http://a"]'), ['["http://a"]']);
  });

  it('changes nothing for an empty value', () => {
    const r = load({ CENTRIFUGO_HTTP_API_KEY: '' }, { http_api: { key: 'from-file' } });
    assert.equal(r.config.http_api.key, 'from-file');
  });

  it('refuses a Centrifugo-only key set to a non-default value, takes its default', () => {
    assert.throws(
      () => load({ CENTRIFUGO_WEBTRANSPORT_ENABLED: 'true' }),
      /not supported yet: webtransport\.enabled/,
    );
    assert.deepEqual(load({ CENTRIFUGO_WEBTRANSPORT_ENABLED: 'false' }).warnings, []);
    assert.throws(
      () => load({ CENTRIFUGO_ADMIN_WEB_PROXY_ADDRESS: 'http://127.0.0.1:3000' }),
      /not supported yet: admin\.web_proxy_address/,
    );
    assert.equal(load({ CENTRIFUGO_CLIENT_CONCURRENCY: '4' }).config.client.concurrency, 4);
  });

  it('warns about unknown variables, but not about those Kubernetes injects for a Service', () => {
    const r = load({
      CENTRIFUGO_NOPE: '1',
      CENTRIFUGO_PORT: 'tcp://10.0.0.1:8000',
      CENTRIFUGO_PORT_8000_TCP_ADDR: '10.0.0.1',
      CENTRIFUGO_SERVICE_HOST: '10.0.0.1',
      CENTRIFUGO_VAR_TOKEN: 'x',
    });
    assert.deepEqual(r.warnings, ['unknown environment variable CENTRIFUGO_NOPE ignored']);
  });

  it('never shows a secret in its error', () => {
    assert.throws(
      () => load({ CENTRIFUGO_CLIENT_TOKEN_HMAC_PREVIOUS_SECRET_KEY_VALID_UNTIL: 'secret-ish' }),
      (err: Error) => !err.message.includes('secret-ish'),
    );
  });
});
