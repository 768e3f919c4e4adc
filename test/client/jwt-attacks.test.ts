// Tokens a client may forge or replay, each rejected with Centrifugo's code; and each
// supported algorithm accepted, over a real WebSocket.
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, importPKCS8, SignJWT } from 'jose';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { RawClient } from './raw.ts';
import { FORMATS, newClient, wsUrl } from './sdk.ts';

const SECRET = 'attack-test-secret';
const now = () => Math.floor(Date.now() / 1000);
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A compact JWS signed with HMAC over whatever key text is given (used for forgeries). */
function hmacToken(alg: 'HS256' | 'HS384' | 'HS512', claims: object, key: string): string {
  const body = `${b64url({ alg, typ: 'JWT' })}.${b64url(claims)}`;
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg];
  return `${body}.${createHmac(hash, key).update(body).digest('base64url')}`;
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const ecPem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();

async function signWith(alg: 'RS256' | 'ES256', claims: Record<string, unknown>) {
  const pair = alg === 'RS256' ? rsa : ec;
  const pkcs8 = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return new SignJWT(claims).setProtectedHeader({ alg }).sign(await importPKCS8(pkcs8, alg));
}

let node: TestNode;
before(async () => {
  node = await startTestNode({
    client: {
      token: {
        hmac_secret_key: SECRET,
        rsa_public_key: rsaPem,
        ecdsa_public_key: ecPem,
        audience: 'chat-app',
        issuer: 'auth.example',
      },
    },
    channel: { without_namespace: { allow_subscribe_for_client: true } },
  });
});
after(async () => {
  await node?.close();
});

const valid = (extra: Record<string, unknown> = {}) => ({
  sub: 'mallory',
  exp: now() + 600,
  aud: 'chat-app',
  iss: 'auth.example',
  ...extra,
});

/** Connects with the token: the connect reply, or the close code when the server closes. */
async function connectWith(
  token: string,
): Promise<{ reply?: Record<string, unknown>; code?: number; client: RawClient }> {
  const client = await RawClient.open(wsUrl(node));
  client.send(JSON.stringify({ id: 1, connect: { token } }));
  const outcome = await Promise.race([
    client.reply(1).then((reply) => ({ reply })),
    client.closed.then(({ code }) => ({ code })),
  ]);
  return { ...outcome, client };
}

describe('connection token attacks', () => {
  it('accepts each configured algorithm (HS256/384/512, RS256, ES256)', async () => {
    const tokens = [
      hmacToken('HS256', valid(), SECRET),
      hmacToken('HS384', valid(), SECRET),
      hmacToken('HS512', valid(), SECRET),
      await signWith('RS256', valid()),
      await signWith('ES256', valid()),
    ];
    for (const token of tokens) {
      const { reply, client } = await connectWith(token);
      assert.ok(reply?.connect, `connected with ${token.split('.')[0]}: ${JSON.stringify(reply)}`);
      client.terminate();
    }
  });

  for (const format of FORMATS) {
    it(`connects the SDK with each algorithm (${format})`, async () => {
      const tokens: Array<[string, string]> = [
        ['HS256', hmacToken('HS256', valid(), SECRET)],
        ['HS512', hmacToken('HS512', valid(), SECRET)],
        ['RS256', await signWith('RS256', valid())],
        ['ES256', await signWith('ES256', valid())],
      ];
      for (const [alg, token] of tokens) {
        const c = newClient(node, format, { token });
        c.connect();
        await c.ready(3000).catch((err: unknown) => {
          throw new Error(`${alg}: ${String(err)}`);
        });
        c.disconnect();
      }
    });
  }

  it('closes 3500 for alg none', async () => {
    const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(valid())}.`;
    assert.equal((await connectWith(none)).code, 3500);
  });

  it('closes 3500 for HS256 signed with the RSA public key (algorithm confusion)', async () => {
    assert.equal((await connectWith(hmacToken('HS256', valid(), rsaPem))).code, 3500);
  });

  it('closes 3500 for a wrong secret, audience or issuer', async () => {
    assert.equal((await connectWith(hmacToken('HS256', valid(), 'guess'))).code, 3500);
    assert.equal(
      (await connectWith(hmacToken('HS256', valid({ aud: 'other' }), SECRET))).code,
      3500,
    );
    assert.equal(
      (await connectWith(hmacToken('HS256', valid({ iss: 'evil' }), SECRET))).code,
      3500,
    );
  });

  it('answers 109 to an expired token and keeps the socket for a retry', async () => {
    const { reply, client } = await connectWith(
      hmacToken('HS256', valid({ exp: now() - 10 }), SECRET),
    );
    assert.deepEqual(reply?.error, { code: 109, message: 'token expired' });
    client.terminate();
  });
});

describe('subscription token attacks', () => {
  async function subscribeWith(claims: Record<string, unknown>, channel: string) {
    const { client } = await connectWith(hmacToken('HS256', valid(), SECRET));
    client.send(
      JSON.stringify({ id: 2, subscribe: { channel, token: hmacToken('HS256', claims, SECRET) } }),
    );
    const outcome = await Promise.race([
      client.reply(2).then((reply) => ({ reply, code: undefined })),
      client.closed.then(({ code }) => ({ reply: undefined, code })),
    ]);
    client.terminate();
    return outcome;
  }
  const subClaims = (extra: Record<string, unknown>) => ({
    sub: 'mallory',
    channel: '$secret',
    exp: now() + 600,
    aud: 'chat-app',
    iss: 'auth.example',
    ...extra,
  });

  it('subscribes with a token for this user and channel', async () => {
    const { reply } = await subscribeWith(subClaims({}), '$secret');
    assert.ok(reply?.subscribe, JSON.stringify(reply));
  });

  it('closes 3500 for a token of another user or another channel', async () => {
    assert.equal((await subscribeWith(subClaims({ sub: 'alice' }), '$secret')).code, 3500);
    assert.equal((await subscribeWith(subClaims({ channel: '$other' }), '$secret')).code, 3500);
  });

  it('answers 103 to a badly signed token and 109 to an expired one', async () => {
    const { client } = await connectWith(hmacToken('HS256', valid(), SECRET));
    client.send(
      JSON.stringify({
        id: 2,
        subscribe: { channel: '$secret', token: hmacToken('HS256', subClaims({}), 'guess') },
      }),
    );
    assert.equal(((await client.reply(2)).error as { code: number }).code, 103);
    client.send(
      JSON.stringify({
        id: 3,
        subscribe: {
          channel: '$secret',
          token: hmacToken('HS256', subClaims({ exp: now() - 5 }), SECRET),
        },
      }),
    );
    assert.equal(((await client.reply(3)).error as { code: number }).code, 109);
    client.terminate();
  });
});

describe('JWKS', () => {
  let jwksNode: TestNode;
  let server: Server;
  let fetches = 0;
  const pkcs8 = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  before(async () => {
    const jwk = { ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((_req, res) => {
      fetches += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    jwksNode = await startTestNode({
      client: { token: { jwks_public_endpoint: `http://127.0.0.1:${port}/jwks` } },
    });
  });
  after(async () => {
    await jwksNode?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  for (const format of FORMATS) {
    it(`connects the SDK with a token whose kid is in the JWKS (${format})`, async () => {
      const key = await importPKCS8(pkcs8, 'RS256');
      const token = await new SignJWT({ sub: 'jwks-user', exp: now() + 600 })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .sign(key);
      const c = newClient(jwksNode, format, { token });
      c.connect();
      await c.ready(3000);
      c.disconnect();
      assert.ok(fetches >= 1, 'the JWKS was fetched');
    });
  }

  it('closes 3500 for a kid the JWKS does not have', async () => {
    const key = await importPKCS8(pkcs8, 'RS256');
    const token = await new SignJWT({ sub: 'x', exp: now() + 600 })
      .setProtectedHeader({ alg: 'RS256', kid: 'unknown' })
      .sign(key);
    const client = await RawClient.open(wsUrl(jwksNode));
    client.send(JSON.stringify({ id: 1, connect: { token } }));
    assert.equal(await client.closeCode(), 3500);
  });
});
