// One member of a JWKS → the public key and the algorithms it may verify. The algorithms
// come from the key itself (kty, curve, its own `alg`), never from the token, so a token
// header cannot choose an algorithm the key was not made for: no HS256 "signed" with the
// RSA modulus, no ES384 on a P-256 key.
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { isPlainObject } from './claim-fields.ts';
import { ES_ALG_BY_CURVE, RSA_PKCS1_ALGS, RSA_PSS_ALGS } from './keys.ts';

export interface JwkEntry {
  key: KeyObject;
  algs: ReadonlySet<string>;
}

// RFC 9864 renamed EdDSA-over-Ed25519 to Ed25519; signers use either name.
const ED25519_ALGS = ['EdDSA', 'Ed25519'] as const;

/** Every algorithm a JWKS key can enable. HS* and none are missing on purpose. */
export const JWKS_ALGS: ReadonlySet<string> = new Set([
  ...RSA_PKCS1_ALGS,
  ...RSA_PSS_ALGS,
  ...Object.values(ES_ALG_BY_CURVE),
  ...ED25519_ALGS,
]);

function algsOfKey(key: KeyObject): readonly string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return [...RSA_PKCS1_ALGS, ...RSA_PSS_ALGS];
    case 'ec': {
      // An EC key fits exactly one ES algorithm (RFC 7518 §3.4); secp256k1 fits none here.
      const alg = ES_ALG_BY_CURVE[key.asymmetricKeyDetails?.namedCurve ?? ''];
      return alg === undefined ? [] : [alg];
    }
    case 'ed25519':
      return ED25519_ALGS;
    default:
      return [];
  }
}

/** The key's `kid` and entry, or undefined for a member that cannot verify tokens. */
export function importJwk(jwk: unknown): [kid: string, entry: JwkEntry] | undefined {
  if (!isPlainObject(jwk)) return undefined;
  const { kid, kty, use, alg, key_ops: ops } = jwk;
  if (typeof kid !== 'string' || kid === '') return undefined;
  // A set may hold encryption keys too; an absent `use` allows both (RFC 7517 §4.2).
  if (use !== undefined && use !== 'sig') return undefined;
  if (Array.isArray(ops) && !ops.includes('verify')) return undefined;
  // Only kty values that carry public keys: an `oct` member must never become an HMAC key.
  if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') return undefined;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    return undefined;
  }
  // The key's own `alg` narrows it to that one algorithm, or disables it when it does not fit.
  const algs = algsOfKey(key).filter((a) => alg === undefined || a === alg);
  return algs.length === 0 ? undefined : [kid, { key, algs: new Set(algs) }];
}
