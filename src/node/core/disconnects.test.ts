import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Disconnects,
  disconnectReconnects,
  Unsubscribes,
  unsubscribeResubscribes,
} from './disconnects.ts';

describe('disconnect catalogue', () => {
  it('has unique codes and reasons a close frame can carry', () => {
    const all = Object.values(Disconnects);
    assert.equal(new Set(all.map((x) => x.code)).size, all.length);
    for (const x of all) assert.ok(Buffer.byteLength(x.reason) <= 123, x.reason);
  });

  it('keeps every built-in code in the 3000-3999 range the server owns', () => {
    for (const x of Object.values(Disconnects)) {
      assert.ok(x.code >= 3000 && x.code <= 3999, `${x.code}`);
    }
  });

  it('marks each code reconnecting or terminal as its range says', () => {
    for (const [name, x] of Object.entries(Disconnects)) {
      assert.equal(x.reconnect, disconnectReconnects(x.code), name);
    }
    assert.equal(disconnectReconnects(3499), true);
    assert.equal(disconnectReconnects(3500), false);
    assert.equal(disconnectReconnects(3999), false);
    assert.equal(disconnectReconnects(4000), true);
    assert.equal(disconnectReconnects(4499), true);
    assert.equal(disconnectReconnects(4500), false);
    assert.equal(disconnectReconnects(4999), false);
    assert.equal(disconnectReconnects(5000), true);
  });
});

describe('unsubscribe catalogue', () => {
  it('has unique codes in 2000-2999, resubscribing as the range says', () => {
    const all = Object.values(Unsubscribes);
    assert.equal(new Set(all.map((x) => x.code)).size, all.length);
    for (const [name, x] of Object.entries(Unsubscribes)) {
      assert.ok(x.code >= 2000 && x.code <= 2999, name);
      assert.equal(x.resubscribe, unsubscribeResubscribes(x.code), name);
    }
    assert.equal(unsubscribeResubscribes(2499), false);
    assert.equal(unsubscribeResubscribes(2500), true);
  });
});
