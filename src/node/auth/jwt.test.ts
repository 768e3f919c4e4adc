import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { type CryptoKey, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { InvalidTokenError, TokenConfigError, TokenExpiredError } from './errors.ts';
import { type TokenKeys, TokenVerifier } from './jwt.ts';
import { signHs256 } from './sign.ts';

const SECRET = 'test-hmac-secret';
const NOW_S = 1_700_000_000;
const now = () => NOW_S * 1000;

const noKeys: TokenKeys = {
  hmacSecretKey: '',
  rsaPublicKey: '',
  ecdsaPublicKey: '',
  jwksPublicEndpoint: '',
  audience: '',
  audienceRegex: '',
  issuer: '',
  issuerRegex: '',
};

const verifier = (keys: Partial<TokenKeys>, skip = false) =>
  new TokenVerifier({ ...noKeys, ...keys }, { now, insecureSkipSignatureVerify: skip });

const hmacVerifier = (keys: Partial<TokenKeys> = {}) =>
  verifier({ hmacSecretKey: SECRET, ...keys });

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** Builds a compact JWS by hand, for tokens no well-behaved library would sign. */
function handMade(header: object, claims: object | string, sign: (input: string) => string) {
  const payload = typeof claims === 'string' ? claims : JSON.stringify(claims);
  const input = `${b64url(JSON.stringify(header))}.${b64url(payload)}`;
  return `${input}.${sign(input)}`;
}

const hmacWith = (secret: string) => (input: string) =>
  createHmac('sha256', secret).update(input).digest('base64url');

const hmacSign = (alg: 'HS256' | 'HS384' | 'HS512', claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg }).sign(new TextEncoder().encode(SECRET));

describe('TokenVerifier with HMAC', () => {
  for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
    it(`accepts ${alg}`, async () => {
      const token = await hmacSign(alg, { sub: '42', exp: NOW_S + 60 });
      const claims = await hmacVerifier().verifyConnectToken(token);
      assert.equal(claims.sub, '42');
      assert.equal(claims.exp, NOW_S + 60);
    });
  }

  it('returns the Centrifugo connection claims', async () => {
    const payload = {
      sub: 'u',
      expire_at: NOW_S + 10,
      info: { name: 'x' },
      b64info: 'AQI=',
      channels: ['a', 'b'],
      subs: { c: { override: { presence: { value: true } } } },
      meta: { role: 'admin' },
    };
    const claims = await hmacVerifier().verifyConnectToken(await hmacSign('HS256', payload));
    assert.deepEqual(claims, {
      sub: 'u',
      expireAt: NOW_S + 10,
      info: { name: 'x' },
      b64info: 'AQI=',
      channels: ['a', 'b'],
      subs: payload.subs,
      meta: { role: 'admin' },
      raw: payload,
    });
  });

  it('treats a token without sub as anonymous', async () => {
    const claims = await hmacVerifier().verifyConnectToken(await hmacSign('HS256', {}));
    assert.equal(claims.sub, '');
  });

  it('rejects an expired token with TokenExpiredError', async () => {
    const token = await hmacSign('HS256', { sub: '42', exp: NOW_S - 1 });
    await assert.rejects(hmacVerifier().verifyConnectToken(token), TokenExpiredError);
    const atNow = await hmacSign('HS256', { sub: '42', exp: NOW_S });
    await assert.rejects(hmacVerifier().verifyConnectToken(atNow), TokenExpiredError);
  });

  it('reports a not-yet-valid token as expired, as Centrifugo does', async () => {
    const token = await hmacSign('HS256', { sub: '42', nbf: NOW_S + 60 });
    await assert.rejects(hmacVerifier().verifyConnectToken(token), TokenExpiredError);
  });

  it('reports an expired token with a bad signature as invalid, not expired', async () => {
    const token = await signHs256({ sub: '42', exp: NOW_S - 1 }, 'other');
    await assert.rejects(hmacVerifier().verifyConnectToken(token), InvalidTokenError);
  });

  it('rejects a token signed with another secret', async () => {
    const token = await signHs256({ sub: '42' }, 'wrong-secret');
    await assert.rejects(hmacVerifier().verifyConnectToken(token), InvalidTokenError);
  });

  it('rejects malformed tokens', async () => {
    const v = hmacVerifier();
    for (const token of ['', 'abc', 'a.b.c', 'a.b', `${b64url('{}')}.${b64url('x')}.sig`]) {
      await assert.rejects(v.verifyConnectToken(token), InvalidTokenError, token);
    }
    // Correctly signed, but the payload is not a JSON object.
    for (const payload of ['not json', '[1]', '"s"']) {
      const token = handMade({ alg: 'HS256' }, payload, hmacWith(SECRET));
      await assert.rejects(v.verifyConnectToken(token), InvalidTokenError, payload);
    }
  });

  it('rejects claims of the wrong type', async () => {
    const v = hmacVerifier();
    const bad = [{ sub: 42 }, { exp: 'soon' }, { channels: 'a' }, { expire_at: 1.5 }, { aud: 1 }];
    for (const payload of bad) {
      const token = await hmacSign('HS256', payload);
      await assert.rejects(v.verifyConnectToken(token), InvalidTokenError, JSON.stringify(payload));
    }
  });

  it('rejects a connection token that carries a channel claim', async () => {
    const token = await hmacSign('HS256', { sub: '42', channel: 'news' });
    await assert.rejects(hmacVerifier().verifyConnectToken(token), InvalidTokenError);
  });

  it('rejects alg none', async () => {
    const token = handMade({ alg: 'none', typ: 'JWT' }, { sub: '42' }, () => '');
    await assert.rejects(hmacVerifier().verifyConnectToken(token), InvalidTokenError);
  });

  it('decodes without verifying when insecureSkipSignatureVerify is on', async () => {
    const token = handMade({ alg: 'none' }, { sub: '42' }, () => '');
    const claims = await verifier({}, true).verifyConnectToken(token);
    assert.equal(claims.sub, '42');
    const expired = handMade({ alg: 'none' }, { sub: '42', exp: NOW_S - 1 }, () => '');
    await assert.rejects(verifier({}, true).verifyConnectToken(expired), TokenExpiredError);
  });

  it('rejects every token when no key is configured', async () => {
    const token = await signHs256({ sub: '42' }, SECRET);
    await assert.rejects(verifier({}).verifyConnectToken(token), InvalidTokenError);
  });
});

describe('TokenVerifier during an HMAC secret rotation', () => {
  const oldToken = () =>
    handMade({ alg: 'HS256', typ: 'JWT' }, { sub: 'u', exp: NOW_S + 60 }, hmacWith('old-secret'));

  it('accepts a token of the previous secret until its valid_until', async () => {
    const rotating = hmacVerifier({
      hmacPreviousSecretKey: 'old-secret',
      hmacPreviousSecretKeyValidUntil: NOW_S + 10,
    });
    assert.equal((await rotating.verifyConnectToken(oldToken())).sub, 'u');
    const current = await hmacSign('HS256', { sub: 'v', exp: NOW_S + 60 });
    assert.equal((await rotating.verifyConnectToken(current)).sub, 'v');
  });

  it('refuses it once valid_until has passed, and without a previous secret', async () => {
    const expired = hmacVerifier({
      hmacPreviousSecretKey: 'old-secret',
      hmacPreviousSecretKeyValidUntil: NOW_S - 1,
    });
    await assert.rejects(expired.verifyConnectToken(oldToken()), InvalidTokenError);
    await assert.rejects(hmacVerifier().verifyConnectToken(oldToken()), InvalidTokenError);
  });
});

describe('TokenVerifier with RSA and ECDSA', () => {
  let rsaPem = '';
  let rsaPrivate: CryptoKey;
  let ecPem = '';
  let ecPrivate: CryptoKey;

  before(async () => {
    const rsa = await generateKeyPair('RS256', { extractable: true });
    rsaPem = await exportSPKI(rsa.publicKey);
    rsaPrivate = rsa.privateKey;
    const ec = await generateKeyPair('ES256', { extractable: true });
    ecPem = await exportSPKI(ec.publicKey);
    ecPrivate = ec.privateKey;
  });

  it('accepts RS256', async () => {
    const token = await new SignJWT({ sub: 'r' })
      .setProtectedHeader({ alg: 'RS256' })
      .sign(rsaPrivate);
    assert.equal((await verifier({ rsaPublicKey: rsaPem }).verifyConnectToken(token)).sub, 'r');
  });

  it('accepts ES256', async () => {
    const token = await new SignJWT({ sub: 'e' })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(ecPrivate);
    assert.equal((await verifier({ ecdsaPublicKey: ecPem }).verifyConnectToken(token)).sub, 'e');
  });

  it('rejects an RS256 token when only HMAC is configured', async () => {
    const token = await new SignJWT({ sub: 'r' })
      .setProtectedHeader({ alg: 'RS256' })
      .sign(rsaPrivate);
    await assert.rejects(hmacVerifier().verifyConnectToken(token), InvalidTokenError);
  });

  it('rejects an ES384 header for a P-256 key', async () => {
    const token = handMade({ alg: 'ES384' }, { sub: 'e' }, () => b64url(Buffer.alloc(96)));
    await assert.rejects(
      verifier({ ecdsaPublicKey: ecPem }).verifyConnectToken(token),
      InvalidTokenError,
    );
  });

  it('refuses alg confusion: HS256 signed with the RSA public key text', async () => {
    const token = handMade({ alg: 'HS256', typ: 'JWT' }, { sub: 'admin' }, hmacWith(rsaPem));
    // Control: the forgery is a well-formed HS256 token for a verifier keyed with that text.
    const naive = verifier({ hmacSecretKey: rsaPem });
    assert.equal((await naive.verifyConnectToken(token)).sub, 'admin');
    const v = verifier({ rsaPublicKey: rsaPem });
    await assert.rejects(v.verifyConnectToken(token), InvalidTokenError);
    await assert.rejects(v.verifySubscribeToken(token), InvalidTokenError);
  });

  it('fails at construction for a key of the wrong kind or a broken PEM', () => {
    assert.throws(() => verifier({ rsaPublicKey: ecPem }), TokenConfigError);
    assert.throws(() => verifier({ ecdsaPublicKey: rsaPem }), TokenConfigError);
    assert.throws(() => verifier({ rsaPublicKey: 'not a pem' }), TokenConfigError);
  });
});

describe('TokenVerifier audience and issuer', () => {
  const check = async (keys: Partial<TokenKeys>, payload: Record<string, unknown>) =>
    hmacVerifier(keys).verifyConnectToken(await signHs256({ sub: '1', ...payload }, SECRET));

  it('checks the exact audience against a string or an array', async () => {
    await check({ audience: 'app' }, { aud: 'app' });
    await check({ audience: 'app' }, { aud: ['other', 'app'] });
    await assert.rejects(check({ audience: 'app' }, { aud: 'other' }), InvalidTokenError);
    await assert.rejects(check({ audience: 'app' }, {}), InvalidTokenError);
  });

  it('checks the audience regex against any aud', async () => {
    await check({ audienceRegex: '^app-\\d+$' }, { aud: ['x', 'app-12'] });
    await assert.rejects(
      check({ audienceRegex: '^app-\\d+$' }, { aud: 'app-x' }),
      InvalidTokenError,
    );
  });

  it('checks the exact issuer and the issuer regex', async () => {
    await check({ issuer: 'auth' }, { iss: 'auth' });
    await assert.rejects(check({ issuer: 'auth' }, { iss: 'auth2' }), InvalidTokenError);
    await assert.rejects(check({ issuer: 'auth' }, {}), InvalidTokenError);
    await check({ issuerRegex: '^https://(eu|us)\\.example$' }, { iss: 'https://eu.example' });
    const bad = check({ issuerRegex: '^https://(eu|us)\\.example$' }, { iss: 'https://x.example' });
    await assert.rejects(bad, InvalidTokenError);
  });

  it('refuses both exact and regex forms, and broken regexes, at construction', () => {
    assert.throws(() => hmacVerifier({ audience: 'a', audienceRegex: 'a' }), TokenConfigError);
    assert.throws(() => hmacVerifier({ issuer: 'a', issuerRegex: 'a' }), TokenConfigError);
    assert.throws(() => hmacVerifier({ issuerRegex: '(' }), TokenConfigError);
  });
});

describe('TokenVerifier subscription tokens', () => {
  it('returns the subscription claims', async () => {
    const payload = { sub: 'u', channel: 'news', exp: NOW_S + 5, override: { presence: {} } };
    const claims = await hmacVerifier().verifySubscribeToken(await signHs256(payload, SECRET));
    assert.deepEqual(claims, {
      sub: 'u',
      channel: 'news',
      exp: NOW_S + 5,
      override: { presence: {} },
      raw: payload,
    });
  });

  it('rejects a token without a channel claim', async () => {
    const token = await signHs256({ sub: 'u' }, SECRET);
    await assert.rejects(hmacVerifier().verifySubscribeToken(token), InvalidTokenError);
    const empty = await signHs256({ sub: 'u', channel: '' }, SECRET);
    await assert.rejects(hmacVerifier().verifySubscribeToken(empty), InvalidTokenError);
  });

  it('rejects an expired subscription token with TokenExpiredError', async () => {
    const token = await signHs256({ sub: 'u', channel: 'c', exp: NOW_S - 5 }, SECRET);
    await assert.rejects(hmacVerifier().verifySubscribeToken(token), TokenExpiredError);
  });
});

describe('signHs256', () => {
  it('round-trips through TokenVerifier with a JWT HS256 header', async () => {
    const token = await signHs256({ sub: '7', exp: NOW_S + 3600, info: { a: 1 } }, SECRET);
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString());
    assert.deepEqual(header, { alg: 'HS256', typ: 'JWT' });
    const claims = await hmacVerifier().verifyConnectToken(token);
    assert.equal(claims.sub, '7');
    assert.deepEqual(claims.info, { a: 1 });
  });
});
