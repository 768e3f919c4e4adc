// HS256 tokens for cases, signed synchronously when the case list is built, so every server
// compared gets the very same token text. Times are fixed per run: an hour ahead for valid
// tokens, an hour back for expired ones.
import { createHmac } from 'node:crypto';
import { SUB_TOKEN_SECRET, TOKEN_SECRET } from './configs.ts';

const NOW = Math.floor(Date.now() / 1000);
export const VALID_EXP = NOW + 3600;
export const EXPIRED_EXP = NOW - 3600;

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

export function hs256(claims: Record<string, unknown>, secret: string): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const signature = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  return `${head}.${body}.${b64url(signature)}`;
}

/** A connection token for `sub`, valid for an hour unless the claims say otherwise. */
export function connectToken(sub: string, claims: Record<string, unknown> = {}): string {
  return hs256({ sub, exp: VALID_EXP, ...claims }, TOKEN_SECRET);
}

/** A subscription token (client.subscription_token's own secret). */
export function subToken(sub: string, channel: string, claims: Record<string, unknown> = {}) {
  return hs256({ sub, channel, exp: VALID_EXP, ...claims }, SUB_TOKEN_SECRET);
}

/** A token whose signature does not match (signed with another secret). */
export function badSignatureToken(sub: string): string {
  return hs256({ sub, exp: VALID_EXP }, 'not-the-secret-not-the-secret-!!');
}
