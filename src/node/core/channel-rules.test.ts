import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateConfig } from '../config/index.ts';
import { ChannelRules } from './channel-rules.ts';

const rules = new ChannelRules(
  validateConfig({
    channel: {
      max_length: 10,
      without_namespace: { presence: true },
      namespaces: [
        { name: 'chat', history_size: 10, history_ttl: '300s' },
        { name: 'ttl', history_size: 0, history_ttl: '0s' },
        { name: 'rx', channel_regex: '^[a-z]+$' },
      ],
    },
  }).channel,
);

describe('ChannelRules', () => {
  it('takes top-level options for channels without a namespace', () => {
    const r = rules.resolve('news');
    assert.equal(r?.namespace, '');
    assert.equal(r?.options.presence, true);
  });

  it('finds a namespace by the text before the boundary, after the private prefix', () => {
    assert.equal(rules.resolve('chat:room')?.namespace, 'chat');
    assert.equal(rules.resolve('$chat:room')?.namespace, 'chat');
    assert.equal(rules.resolve('chat:a:b')?.namespace, 'chat');
  });

  it('returns undefined for an unknown namespace', () => {
    assert.equal(rules.resolve('nope:room'), undefined);
  });

  it('enables history only where size and ttl are both set', () => {
    const chat = rules.resolve('chat:x');
    assert.equal(chat?.historyEnabled, true);
    assert.equal(chat?.historyTtlMs, 300_000);
    assert.equal(chat?.historyMetaTtlMs, 720 * 3_600_000);
    assert.equal(rules.resolve('ttl:x')?.historyEnabled, false);
    assert.equal(rules.resolve('news')?.historyEnabled, false);
  });

  it('flags names longer than channel.max_length', () => {
    assert.equal(rules.tooLong('a'.repeat(10)), false);
    assert.equal(rules.tooLong('a'.repeat(11)), true);
    // UTF-8 bytes, as Centrifugo counts: five two-byte letters are ten bytes.
    assert.equal(rules.tooLong('é'.repeat(5)), false);
    assert.equal(rules.tooLong('é'.repeat(6)), true);
  });

  it('accepts names by channel_regex after the namespace, else ASCII only', () => {
    const valid = (channel: string) => {
      const r = rules.resolve(channel);
      assert.ok(r, channel);
      return rules.validName(channel, r);
    };
    assert.equal(valid('rx:abc'), true);
    assert.equal(valid('$rx:abc'), true);
    assert.equal(valid('rx:ABC'), false);
    assert.equal(valid('rx:'), false);
    assert.equal(valid('news'), true);
    assert.equal(valid('chat:комната'), false);
    assert.equal(valid('naïve'), false);
  });
});
