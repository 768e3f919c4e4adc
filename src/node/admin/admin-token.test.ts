import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdminTokens } from './admin-token.ts';

// Issued by Centrifugo v6.9.1 (POST /admin/auth) with admin.secret "sec" at unix 1796165285.
const CENTRIFUGO_TOKEN =
  'MTc5NjE2NTI4NXxEUXdBQ21GMWRHaHZjbWw2WldRPXwcNnUF9VBISPkPxCIzR6UzK8aCZ2k1iyZDIlcu0IQ3uQ==';
const ISSUED_MS = 1796165285_000;
const DAY_MS = 86_400_000;

describe('AdminTokens', () => {
  it("accepts Centrifugo's token for the same secret, until 30 days after its issue", () => {
    assert.equal(new AdminTokens('sec', () => ISSUED_MS + 60_000).valid(CENTRIFUGO_TOKEN), true);
    assert.equal(
      new AdminTokens('sec', () => ISSUED_MS + 30 * DAY_MS).valid(CENTRIFUGO_TOKEN),
      true,
    );
    assert.equal(
      new AdminTokens('sec', () => ISSUED_MS + 30 * DAY_MS + 1000).valid(CENTRIFUGO_TOKEN),
      false,
    );
    assert.equal(new AdminTokens('other', () => ISSUED_MS).valid(CENTRIFUGO_TOKEN), false);
  });

  it('issues byte for byte what Centrifugo issues at the same second', () => {
    assert.equal(new AdminTokens('sec', () => ISSUED_MS + 999).issue(), CENTRIFUGO_TOKEN);
  });

  it('refuses tampered, unpadded, oversized and empty-secret tokens', () => {
    const tokens = new AdminTokens('sec', () => ISSUED_MS);
    const raw = Buffer.from(CENTRIFUGO_TOKEN, 'base64');
    const later = Buffer.concat([Buffer.from('1796165286'), raw.subarray(10)]);
    assert.equal(tokens.valid(later.toString('base64')), false, 'a changed timestamp');
    assert.equal(tokens.valid(CENTRIFUGO_TOKEN.replace(/=+$/, '')), false, 'no padding');
    assert.equal(tokens.valid(`${CENTRIFUGO_TOKEN.slice(0, -4)}AAA=`), false, 'another MAC');
    assert.equal(tokens.valid(''), false);
    assert.equal(tokens.valid('x'.repeat(5000)), false);
    assert.equal(new AdminTokens('', () => ISSUED_MS).valid(CENTRIFUGO_TOKEN), false);
    assert.throws(() => new AdminTokens('').issue(), /admin.secret is empty/);
  });

  it('round-trips its own tokens', () => {
    let now = Date.now();
    const tokens = new AdminTokens('s3cret', () => now);
    const token = tokens.issue();
    assert.equal(tokens.valid(token), true);
    now += 31 * DAY_MS;
    assert.equal(tokens.valid(token), false);
  });
});
