// Startup checks of channel options, as Centrifugo v6.9.1's config validation makes them
// (its messages quoted where it was run with the same config).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateConfig } from './load.ts';

const ns = (options: Record<string, unknown>) => ({
  channel: { namespaces: [{ name: 'aa', ...options }] },
});

describe('channel options', () => {
  it('needs history_size and history_ttl together', () => {
    // Centrifugo: "namespace aa: both history size and history ttl required for history".
    assert.throws(
      () => validateConfig(ns({ history_size: 5 })),
      /both history_size and history_ttl/,
    );
    assert.throws(
      () => validateConfig(ns({ history_ttl: '5s' })),
      /both history_size and history_ttl/,
    );
    validateConfig(ns({ history_size: 5, history_ttl: '5s' }));
  });

  it('takes history durations in whole seconds, the ttl within the meta ttl', () => {
    assert.throws(
      () => validateConfig(ns({ history_size: 5, history_ttl: '1500ms' })),
      /sub-second precision/,
    );
    assert.throws(
      () => validateConfig(ns({ history_size: 5, history_ttl: '2h', history_meta_ttl: '1h' })),
      /can not be greater than the history meta ttl/,
    );
    const channel = {
      history_meta_ttl: '1s',
      namespaces: [{ name: 'aa', history_size: 1, history_ttl: '2s' }],
    };
    assert.throws(() => validateConfig({ channel }), /can not be greater/);
  });

  it('needs history for force_recovery', () => {
    assert.throws(() => validateConfig(ns({ force_recovery: true })), /required for recovery/);
    validateConfig(ns({ force_recovery: true, history_size: 5, history_ttl: '5s' }));
  });

  it('needs cache-mode recovery for auto_cache_recover', () => {
    const history = { history_size: 5, history_ttl: '5s' };
    // Centrifugo: "auto_cache_recover requires force_recovery and force_recovery_mode set to cache".
    for (const options of [
      { auto_cache_recover: true, ...history },
      { auto_cache_recover: true, force_recovery: true, ...history },
      { auto_cache_recover: true, force_recovery_mode: 'cache', ...history },
    ]) {
      assert.throws(
        () => validateConfig(ns(options)),
        /auto_cache_recover requires force_recovery and force_recovery_mode set to cache/,
      );
    }
    const ok = { auto_cache_recover: true, force_recovery: true, force_recovery_mode: 'cache' };
    const c = validateConfig(ns({ ...ok, ...history }));
    assert.equal(c.channel.namespaces[0]?.auto_cache_recover, true);
  });

  it('knows fossil as the only delta type', () => {
    // Centrifugo: `unknown allowed delta type: "xdelta"`.
    assert.throws(
      () => validateConfig(ns({ allowed_delta_types: ['fossil', 'xdelta'] })),
      /unknown allowed delta type: "xdelta"/,
    );
    validateConfig(ns({ allowed_delta_types: ['fossil'], delta_publish: true }));
  });
});

describe('client pings', () => {
  // Centrifugo: "ping_interval must be greater than pong_timeout" (fatal at startup).
  it('needs ping_interval above pong_timeout, unless the WebSocket is off', () => {
    const client = (ping_interval: string, pong_timeout: string) => ({
      client: { ping_interval, pong_timeout },
    });
    assert.throws(() => validateConfig(client('5s', '5s')), /must be greater than/);
    assert.throws(() => validateConfig(client('1s', '2s')), /client\.ping_interval/);
    validateConfig(client('1s', '900ms'));
    validateConfig({ ...client('5s', '5s'), websocket: { disabled: true } });
  });
});
