// Which JWS algorithms a verifier accepts, and with which key. Each algorithm is enabled only
// by the key that belongs to it, so the token header can never pick a key of another kind:
// that is what stops algorithm confusion (an HS256 token "signed" with the RSA public key
// text finds no HMAC key and is refused before any signature check).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { TokenConfigError } from './errors.ts';

/** Mirrors Centrifugo v6 `client.token.*`; an empty string means "not configured". */
export interface TokenKeys {
  hmacSecretKey: string;
  /** The HMAC secret before a rotation, still accepted until the time below ('' = none). */
  hmacPreviousSecretKey?: string;
  /** Unix seconds after which the previous secret is refused; 0 = no end. */
  hmacPreviousSecretKeyValidUntil?: number;
  rsaPublicKey: string;
  ecdsaPublicKey: string;
  /** JWKS URL; when set, keys come from it by `kid` and the three static keys are ignored. */
  jwksPublicEndpoint: string;
  audience: string;
  audienceRegex: string;
  issuer: string;
  issuerRegex: string;
  /** The claim holding the user ID instead of `sub` ('' = sub): Centrifugo's user_id_claim. */
  userIdClaim?: string;
}

export type VerifyKey = Uint8Array | KeyObject;

const HMAC_ALGS = ['HS256', 'HS384', 'HS512'] as const;
export const RSA_PKCS1_ALGS = ['RS256', 'RS384', 'RS512'] as const;
export const RSA_PSS_ALGS = ['PS256', 'PS384', 'PS512'] as const;

// An EC key fits exactly one ES algorithm (RFC 7518 §3.4), so only that one is enabled.
export const ES_ALG_BY_CURVE: Record<string, string> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
};

function importPem(pem: string, setting: string): KeyObject {
  try {
    // Accepts SPKI and PKCS#1 PEM alike, as Centrifugo's PEM parsing does.
    return createPublicKey(pem);
  } catch (err) {
    throw new TokenConfigError(`${setting}: not a valid PEM public key`, { cause: err });
  }
}

function rsaAlgs(pem: string): Map<string, VerifyKey> {
  const key = importPem(pem, 'rsa_public_key');
  const type = key.asymmetricKeyType;
  if (type !== 'rsa' && type !== 'rsa-pss') {
    throw new TokenConfigError(`rsa_public_key: expected an RSA key, got ${type ?? 'unknown'}`);
  }
  // An RSA-PSS-only key must not be used for PKCS#1 v1.5 signatures.
  const algs = type === 'rsa' ? [...RSA_PKCS1_ALGS, ...RSA_PSS_ALGS] : RSA_PSS_ALGS;
  return new Map(algs.map((alg) => [alg, key]));
}

function ecdsaAlgs(pem: string): Map<string, VerifyKey> {
  const key = importPem(pem, 'ecdsa_public_key');
  if (key.asymmetricKeyType !== 'ec') {
    const type = key.asymmetricKeyType ?? 'unknown';
    throw new TokenConfigError(`ecdsa_public_key: expected an EC key, got ${type}`);
  }
  const curve = key.asymmetricKeyDetails?.namedCurve ?? 'unknown';
  const alg = ES_ALG_BY_CURVE[curve];
  if (alg === undefined) {
    throw new TokenConfigError(`ecdsa_public_key: unsupported curve ${curve}`);
  }
  return new Map([[alg, key]]);
}

/**
 * Algorithm → key for every algorithm the configured keys enable. PEM keys are parsed once
 * here (jose then caches the per-algorithm CryptoKey it derives from each KeyObject), and a
 * bad key fails at startup rather than on the first token.
 */
export function buildKeyRing(keys: TokenKeys): ReadonlyMap<string, VerifyKey> {
  const ring = new Map<string, VerifyKey>();
  if (keys.hmacSecretKey !== '') {
    const secret = new TextEncoder().encode(keys.hmacSecretKey);
    for (const alg of HMAC_ALGS) ring.set(alg, secret);
  }
  if (keys.rsaPublicKey !== '') {
    for (const [alg, key] of rsaAlgs(keys.rsaPublicKey)) ring.set(alg, key);
  }
  if (keys.ecdsaPublicKey !== '') {
    for (const [alg, key] of ecdsaAlgs(keys.ecdsaPublicKey)) ring.set(alg, key);
  }
  return ring;
}
