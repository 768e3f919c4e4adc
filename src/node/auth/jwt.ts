// Verification of Centrifugo connection and subscription JWTs. The steps keep Centrifugo's
// order of outcomes: structure and signature, then claim types, then audience/issuer, then
// lifetime, so only a token that is otherwise good can come back as "expired".
import type { ProtectedHeaderParameters } from 'jose';
import { type Claims, isPlainObject } from './claim-fields.ts';
import { InvalidTokenError } from './errors.ts';
import { joseIfLoaded, loadJose } from './jose.ts';
import { JwksKeySet, type JwksOptions } from './jwks.ts';
import { buildKeyRing, type TokenKeys, type VerifyKey } from './keys.ts';
import { type ClaimPolicy, checkRegisteredClaims, compilePolicy } from './registered-claims.ts';
import {
  type ConnectTokenClaims,
  connectClaims,
  type SubscribeTokenClaims,
  subscribeClaims,
} from './token-claims.ts';

export {
  InvalidTokenError,
  TokenConfigError,
  TokenExpiredError,
  TokenKeysUnavailableError,
} from './errors.ts';
export type { TokenKeys } from './keys.ts';
export type { ConnectTokenClaims, SubscribeTokenClaims } from './token-claims.ts';

export interface TokenVerifierOptions {
  /**
   * Centrifugo's `client.insecure_skip_token_signature_verify`: decode without checking the
   * signature (any alg, `none` included). Claims are still checked. Development only.
   */
  insecureSkipSignatureVerify?: boolean;
  /** Clock in milliseconds since the epoch, like Date.now (tests pin it). */
  now?: () => number;
  /** Fetch limits and cache timing of `jwksPublicEndpoint`; the defaults suit production. */
  jwks?: JwksOptions;
}

const invalid = (reason: string, cause?: unknown): InvalidTokenError =>
  new InvalidTokenError(`invalid token: ${reason}`, cause === undefined ? undefined : { cause });

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parsePayload(bytes: Uint8Array): Claims {
  let payload: unknown;
  try {
    payload = JSON.parse(utf8.decode(bytes));
  } catch (err) {
    throw invalid('payload is not JSON', err);
  }
  if (!isPlainObject(payload)) throw invalid('payload is not a JSON object');
  return payload;
}

export class TokenVerifier {
  private readonly keys: ReadonlyMap<string, VerifyKey>;
  /** Accepted for HS* tokens the current secret refuses, during a credential rotation. */
  private readonly previousHmac: { secret: Uint8Array; validUntil: number } | undefined;
  /** Set when `jwksPublicEndpoint` is: then it alone supplies keys and `keys` stays empty. */
  private readonly jwks: JwksKeySet | undefined;
  private readonly policy: ClaimPolicy;
  private readonly skipSignature: boolean;
  private readonly now: () => number;
  private readonly userIdClaim: string;

  /** Throws TokenConfigError when a key, URL or regex in `keys` is unusable. */
  constructor(keys: TokenKeys, options: TokenVerifierOptions = {}) {
    const endpoint = keys.jwksPublicEndpoint;
    // As in Centrifugo, a JWKS endpoint replaces the static keys rather than adding to them.
    this.jwks = endpoint === '' ? undefined : new JwksKeySet(endpoint, options.jwks);
    this.keys = this.jwks === undefined ? buildKeyRing(keys) : new Map();
    const previous = keys.hmacPreviousSecretKey ?? '';
    this.previousHmac =
      this.jwks === undefined && previous !== ''
        ? {
            secret: new TextEncoder().encode(previous),
            validUntil: keys.hmacPreviousSecretKeyValidUntil ?? 0,
          }
        : undefined;
    this.policy = compilePolicy(keys);
    this.skipSignature = options.insecureSkipSignatureVerify ?? false;
    this.now = options.now ?? Date.now;
    this.userIdClaim = keys.userIdClaim ?? '';
  }

  /** Throws InvalidTokenError, TokenExpiredError, or TokenKeysUnavailableError (temporary). */
  async verifyConnectToken(token: string): Promise<ConnectTokenClaims> {
    const claims = connectClaims(await this.payload(token));
    checkRegisteredClaims(claims.raw, this.policy, this.now() / 1000);
    if (this.userIdClaim !== '') claims.sub = claimText(claims.raw[this.userIdClaim]);
    return claims;
  }

  /** As verifyConnectToken. */
  async verifySubscribeToken(token: string): Promise<SubscribeTokenClaims> {
    const claims = subscribeClaims(await this.payload(token));
    checkRegisteredClaims(claims.raw, this.policy, this.now() / 1000);
    if (this.userIdClaim !== '') claims.sub = claimText(claims.raw[this.userIdClaim]);
    return claims;
  }

  private previousHmacFor(alg: unknown): Uint8Array | undefined {
    const p = this.previousHmac;
    if (!p || typeof alg !== 'string' || !alg.startsWith('HS')) return undefined;
    if (p.validUntil > 0 && this.now() / 1000 >= p.validUntil) return undefined;
    return p.secret;
  }

  private staticKey(alg: unknown): VerifyKey {
    // `none` and every algorithm without a configured key of its own kind end here.
    const key = typeof alg === 'string' ? this.keys.get(alg) : undefined;
    if (key === undefined) throw invalid(`algorithm ${String(alg)} is not enabled`);
    return key;
  }

  /** The token's payload once its signature checks out with the key its alg is pinned to. */
  private async payload(token: string): Promise<Claims> {
    if (typeof token !== 'string' || token === '') throw invalid('empty token');
    const { compactVerify, decodeJwt, decodeProtectedHeader } =
      joseIfLoaded() ?? (await loadJose());
    if (this.skipSignature) {
      try {
        return decodeJwt(token);
      } catch (err) {
        throw invalid('malformed token', err);
      }
    }
    let header: ProtectedHeaderParameters;
    try {
      header = decodeProtectedHeader(token);
    } catch (err) {
      throw invalid('malformed token header', err);
    }
    // Typed as strings by jose, but they are whatever JSON the token's author wrote.
    const alg: unknown = header.alg;
    const kid: unknown = header.kid;
    const key = this.jwks ? await this.jwks.keyFor(alg, kid) : this.staticKey(alg);
    try {
      const { payload } = await compactVerify(token, key, { algorithms: [alg as string] });
      return parsePayload(payload);
    } catch (err) {
      if (err instanceof InvalidTokenError) throw err;
      const previous = this.previousHmacFor(alg);
      if (previous) {
        try {
          const { payload } = await compactVerify(token, previous, {
            algorithms: [alg as string],
          });
          return parsePayload(payload);
        } catch {
          // Fall through: the token fits neither secret.
        }
      }
      throw invalid('signature verification failed', err);
    }
  }
}

/**
 * A user ID claim as Centrifugo reads it (gjson's String()): a string as is, a number or a
 * boolean as its text, an object or array as its JSON, absent or null as ''.
 */
export function claimText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
