import assert from 'node:assert/strict';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import {
  InvalidTokenError,
  TokenConfigError,
  TokenExpiredError,
  TokenKeysUnavailableError,
} from './errors.ts';
import type { JwksOptions } from './jwks.ts';
import { type TokenKeys, TokenVerifier } from './jwt.ts';
import { signHs256 } from './sign.ts';

const NOW_S = 1_700_000_000;
const MiB = 1024 * 1024;

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

interface Signer {
  jwk: JWK;
  sign: (claims: Record<string, unknown>, header?: Record<string, unknown>) => Promise<string>;
}

/** A key pair whose public half is published as `kid`, with `alg` unless `publish` says. */
async function signer(alg: string, kid: string, publish: Partial<JWK> = {}): Promise<Signer> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig', ...publish };
  const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    new SignJWT(claims).setProtectedHeader({ alg, kid, ...header }).sign(privateKey as CryptoKey);
  return { jwk, sign };
}

// One local JWKS endpoint for the whole file; each test sets what it serves.
let handler: RequestListener = (_req, res) => res.end();
let requests = 0;
const server = createServer((req, res) => {
  requests += 1;
  handler(req, res);
});
let url = '';

const serveJson = (body: unknown): RequestListener => {
  const text = JSON.stringify(body);
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(text);
  };
};
const serveKeys = (...signers: Signer[]) => serveJson({ keys: signers.map((s) => s.jwk) });

/** A verifier with its own cache and a clock the test steps by hand. */
function jwksVerifier(options: JwksOptions = {}, keys: Partial<TokenKeys> = {}) {
  let clockMs = 0;
  const verifier = new TokenVerifier(
    { ...noKeys, jwksPublicEndpoint: url, ...keys },
    { now: () => NOW_S * 1000, jwks: { clock: () => clockMs, ...options } },
  );
  const advance = (ms: number) => {
    clockMs += ms;
  };
  return { verifier, advance };
}

/** Requests the endpoint received while `run` ran. */
async function countRequests(run: () => Promise<unknown>): Promise<number> {
  const start = requests;
  await run();
  return requests - start;
}

let rsa: Signer;
let ec: Signer;
let ed: Signer;

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  [rsa, ec, ed] = await Promise.all([
    signer('RS256', 'rsa-1'),
    signer('ES256', 'ec-1'),
    signer('EdDSA', 'ed-1'),
  ]);
});

after(() => {
  server.closeAllConnections();
  server.close();
});

describe('TokenVerifier with a JWKS endpoint', () => {
  it('accepts RS256, ES256 and EdDSA tokens by kid', async () => {
    handler = serveKeys(rsa, ec, ed);
    const { verifier } = jwksVerifier();
    for (const s of [rsa, ec, ed]) {
      const claims = await verifier.verifyConnectToken(await s.sign({ sub: String(s.jwk.kid) }));
      assert.equal(claims.sub, s.jwk.kid);
      const sub = await verifier.verifySubscribeToken(await s.sign({ sub: 'u', channel: 'c' }));
      assert.equal(sub.channel, 'c');
    }
  });

  it('still checks the claims of a JWKS-verified token', async () => {
    handler = serveKeys(rsa);
    const { verifier } = jwksVerifier();
    const expired = await rsa.sign({ sub: 'u', exp: NOW_S - 1 });
    await assert.rejects(verifier.verifyConnectToken(expired), TokenExpiredError);
  });

  it('fetches the set once for many verifications', async () => {
    handler = serveKeys(rsa, ec);
    const { verifier } = jwksVerifier();
    const token = await rsa.sign({ sub: 'u' });
    const other = await ec.sign({ sub: 'u' });
    const fetches = await countRequests(async () => {
      // Concurrent first lookups share one fetch; later ones hit the cache.
      await Promise.all(Array.from({ length: 10 }, () => verifier.verifyConnectToken(token)));
      for (let i = 0; i < 10; i++) await verifier.verifyConnectToken(other);
    });
    assert.equal(fetches, 1);
  });

  it('refetches on an unknown kid and picks up a rotated key', async () => {
    const rotated = await signer('RS256', 'rsa-2');
    handler = serveKeys(rsa);
    const { verifier, advance } = jwksVerifier();
    await verifier.verifyConnectToken(await rsa.sign({ sub: 'old' }));
    handler = serveKeys(rsa, rotated);
    advance(6_000);
    let claims: { sub: string } = { sub: '' };
    const fetches = await countRequests(async () => {
      claims = await verifier.verifyConnectToken(await rotated.sign({ sub: 'new' }));
    });
    assert.equal(fetches, 1);
    assert.equal(claims.sub, 'new');
  });

  it('refetches for unknown kids at most once per cooldown', async () => {
    handler = serveKeys(rsa);
    const { verifier, advance } = jwksVerifier();
    const unknown = await rsa.sign({ sub: 'u' }, { kid: 'nope' });
    // The first lookup fetches; the set lacks the kid.
    assert.equal(
      await countRequests(() =>
        assert.rejects(verifier.verifyConnectToken(unknown), InvalidTokenError),
      ),
      1,
    );
    advance(4_000);
    const inCooldown = await countRequests(async () => {
      for (let i = 0; i < 5; i++) {
        await assert.rejects(verifier.verifyConnectToken(unknown), InvalidTokenError);
      }
    });
    assert.equal(inCooldown, 0);
    advance(2_000);
    const afterCooldown = await countRequests(() =>
      assert.rejects(verifier.verifyConnectToken(unknown), InvalidTokenError),
    );
    assert.equal(afterCooldown, 1);
  });

  it('refetches the set once it is older than the cache TTL', async () => {
    handler = serveKeys(rsa);
    const { verifier, advance } = jwksVerifier({ cacheTtlMs: 60_000 });
    const token = await rsa.sign({ sub: 'u' });
    await verifier.verifyConnectToken(token);
    advance(59_000);
    assert.equal(await countRequests(() => verifier.verifyConnectToken(token)), 0);
    advance(1_000);
    assert.equal(await countRequests(() => verifier.verifyConnectToken(token)), 1);
  });

  it('rejects a kid that is not in the set', async () => {
    handler = serveKeys(rsa);
    const { verifier } = jwksVerifier();
    const token = await rsa.sign({ sub: 'u' }, { kid: 'rsa-unknown' });
    await assert.rejects(verifier.verifyConnectToken(token), InvalidTokenError);
  });

  it('rejects HS256, alg none and kid-less tokens without fetching, static keys ignored', async () => {
    handler = serveKeys(rsa);
    const secret = 'static-secret';
    const { verifier } = jwksVerifier({}, { hmacSecretKey: secret });
    const hs256 = await new SignJWT({ sub: 'u' })
      .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
      .sign(new TextEncoder().encode(secret));
    const noneHeader = Buffer.from('{"alg":"none","kid":"rsa-1"}').toString('base64url');
    const none = `${noneHeader}.${Buffer.from('{"sub":"u"}').toString('base64url')}.`;
    const noKid = await rsa.sign({ sub: 'u' }, { kid: undefined });
    const fetches = await countRequests(async () => {
      for (const token of [hs256, await signHs256({ sub: 'u' }, secret), none, noKid]) {
        await assert.rejects(verifier.verifyConnectToken(token), InvalidTokenError, token);
      }
    });
    assert.equal(fetches, 0);
  });

  it('never turns an oct member of the set into an HMAC key', async () => {
    const secret = new TextEncoder().encode('published-secret');
    const oct = {
      kty: 'oct',
      k: Buffer.from(secret).toString('base64url'),
      kid: 'h',
      alg: 'HS256',
    };
    handler = serveJson({ keys: [oct, rsa.jwk] });
    const { verifier } = jwksVerifier();
    const token = await new SignJWT({ sub: 'u' })
      .setProtectedHeader({ alg: 'HS256', kid: 'h' })
      .sign(secret);
    await assert.rejects(verifier.verifyConnectToken(token), InvalidTokenError);
  });

  it('holds each key to its own alg and curve', async () => {
    // A PS256 key published as RS256: its PS256 tokens must not pass.
    const pinned = await signer('PS256', 'pinned', { alg: 'RS256' });
    // An RSA key published without alg allows every RSA algorithm.
    const open = await signer('PS384', 'open', { alg: undefined });
    const p384 = await signer('ES384', 'ec-1');
    handler = serveKeys(pinned, open, ec);
    const { verifier } = jwksVerifier();
    await assert.rejects(
      verifier.verifyConnectToken(await pinned.sign({ sub: 'u' })),
      InvalidTokenError,
    );
    assert.equal((await verifier.verifyConnectToken(await open.sign({ sub: 'o' }))).sub, 'o');
    // ES384 under the kid of a P-256 key.
    await assert.rejects(
      verifier.verifyConnectToken(await p384.sign({ sub: 'u' })),
      InvalidTokenError,
    );
  });

  it('skips members it can not use and keeps the others', async () => {
    const enc = { ...ec.jwk, kid: 'enc', use: 'enc' };
    handler = serveJson({
      keys: [null, 'x', { kty: 'RSA', kid: 'broken', n: 'AA' }, enc, rsa.jwk],
    });
    const { verifier } = jwksVerifier();
    assert.equal((await verifier.verifyConnectToken(await rsa.sign({ sub: 'r' }))).sub, 'r');
    const encToken = await ec.sign({ sub: 'u' }, { kid: 'enc' });
    await assert.rejects(verifier.verifyConnectToken(encToken), InvalidTokenError);
  });
});

describe('TokenVerifier when the JWKS endpoint fails', () => {
  const unavailable = async (serve: RequestListener, options: JwksOptions = {}) => {
    handler = serve;
    const { verifier } = jwksVerifier(options);
    const token = await rsa.sign({ sub: 'u' });
    await assert.rejects(verifier.verifyConnectToken(token), TokenKeysUnavailableError);
  };

  it('reports an endpoint that is down as unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const verifier = new TokenVerifier({
      ...noKeys,
      jwksPublicEndpoint: `http://127.0.0.1:${port}/jwks`,
    });
    const token = await rsa.sign({ sub: 'u' });
    const err = await verifier.verifyConnectToken(token).catch((e: unknown) => e);
    assert.ok(err instanceof TokenKeysUnavailableError, String(err));
    assert.ok(!(err instanceof InvalidTokenError));
  });

  it('reports an HTTP error status as unavailable', async () => {
    await unavailable((_req, res) => {
      res.writeHead(500);
      res.end('{"keys":[]}');
    });
  });

  it('reports a non-JSON or key-less body as unavailable', async () => {
    await unavailable((_req, res) => res.end('<html>not json</html>'));
    await unavailable(serveJson({ nokeys: [] }));
    await unavailable(serveJson([rsa.jwk]));
  });

  it('reports a body over 1 MiB as unavailable, declared or streamed', async () => {
    const big = Buffer.alloc(MiB + 1, 0x20);
    await unavailable((_req, res) => {
      res.writeHead(200, { 'content-length': String(big.length) });
      res.end(big);
    });
    // Chunked: no length up front, so the cap must hold while reading.
    await unavailable((_req, res) => {
      res.write(Buffer.from('{"keys":['));
      res.end(big);
    });
  });

  it('reports a hanging endpoint as unavailable after the timeout', async () => {
    const started = performance.now();
    await unavailable(() => {}, { fetchTimeoutMs: 200 });
    assert.ok(performance.now() - started < 2_000);
  });

  it('does not ask a failing endpoint again within the cooldown, then recovers', async () => {
    handler = (_req, res) => {
      res.writeHead(503);
      res.end();
    };
    const { verifier, advance } = jwksVerifier();
    const token = await rsa.sign({ sub: 'u' });
    await assert.rejects(verifier.verifyConnectToken(token), TokenKeysUnavailableError);
    advance(1_000);
    const retried = await countRequests(() =>
      assert.rejects(verifier.verifyConnectToken(token), TokenKeysUnavailableError),
    );
    assert.equal(retried, 0);
    handler = serveKeys(rsa);
    advance(5_000);
    assert.equal((await verifier.verifyConnectToken(token)).sub, 'u');
  });

  it('keeps known keys while a refetch for an unknown kid fails', async () => {
    handler = serveKeys(rsa);
    const { verifier, advance } = jwksVerifier();
    const token = await rsa.sign({ sub: 'u' });
    await verifier.verifyConnectToken(token);
    handler = (_req, res) => {
      res.writeHead(502);
      res.end();
    };
    advance(6_000);
    const unknown = await rsa.sign({ sub: 'u' }, { kid: 'rsa-next' });
    await assert.rejects(verifier.verifyConnectToken(unknown), TokenKeysUnavailableError);
    assert.equal((await verifier.verifyConnectToken(token)).sub, 'u');
  });
});

describe('JWKS endpoint configuration', () => {
  it('accepts only plain http(s) URLs', () => {
    const make = (endpoint: string) =>
      new TokenVerifier({ ...noKeys, jwksPublicEndpoint: endpoint });
    for (const bad of ['ftp://example.com/jwks', 'file:///etc/jwks', 'not a url']) {
      assert.throws(() => make(bad), TokenConfigError, bad);
    }
    assert.throws(() => make('https://example.com/{{tenant}}/jwks'), TokenConfigError);
    make('https://example.com/.well-known/jwks.json');
  });

  it('ignores the static keys, even broken ones, when the endpoint is set', () => {
    new TokenVerifier({ ...noKeys, rsaPublicKey: 'not a pem', jwksPublicEndpoint: url });
  });
});
