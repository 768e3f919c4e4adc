// The registered-claim checks Centrifugo applies to every token: audience and issuer against
// `client.token.*`, then the token's lifetime. Lifetime goes last so that a token that is
// both expired and wrong in another way is reported invalid (never worth a refresh).
import { audiences, type Claims, optNumericDate, optString } from './claim-fields.ts';
import { InvalidTokenError, TokenConfigError, TokenExpiredError } from './errors.ts';
import type { TokenKeys } from './keys.ts';

export interface ClaimPolicy {
  audience: string;
  audienceRe: RegExp | undefined;
  issuer: string;
  issuerRe: RegExp | undefined;
}

// Centrifugo matches with Go's unanchored FindStringSubmatch; RegExp#test is unanchored too.
// The patterns are Go (RE2) syntax; the common subset means the same in JavaScript.
function compile(pattern: string, setting: string): RegExp | undefined {
  if (pattern === '') return undefined;
  try {
    return new RegExp(pattern);
  } catch (err) {
    throw new TokenConfigError(`${setting}: invalid regular expression`, { cause: err });
  }
}

export function compilePolicy(keys: TokenKeys): ClaimPolicy {
  // Centrifugo refuses both forms at once rather than guessing which one wins.
  if (keys.audience !== '' && keys.audienceRegex !== '') {
    throw new TokenConfigError('can not use both audience and audience_regex');
  }
  if (keys.issuer !== '' && keys.issuerRegex !== '') {
    throw new TokenConfigError('can not use both issuer and issuer_regex');
  }
  return {
    audience: keys.audience,
    audienceRe: compile(keys.audienceRegex, 'audience_regex'),
    issuer: keys.issuer,
    issuerRe: compile(keys.issuerRegex, 'issuer_regex'),
  };
}

function checkAudienceAndIssuer(claims: Claims, policy: ClaimPolicy): void {
  const aud = audiences(claims);
  const iss = optString(claims, 'iss') ?? '';
  if (policy.audience !== '' && !aud.includes(policy.audience)) {
    throw new InvalidTokenError('invalid token: invalid audience');
  }
  const audienceRe = policy.audienceRe;
  if (audienceRe !== undefined && !aud.some((value) => audienceRe.test(value))) {
    throw new InvalidTokenError('invalid token: audience not matched');
  }
  if (policy.issuer !== '' && iss !== policy.issuer) {
    throw new InvalidTokenError('invalid token: invalid issuer');
  }
  if (policy.issuerRe !== undefined && !policy.issuerRe.test(iss)) {
    throw new InvalidTokenError('invalid token: issuer not matched');
  }
}

/**
 * Throws InvalidTokenError for a bad `aud`/`iss` (or a registered claim of the wrong type)
 * and TokenExpiredError when `nowSeconds` is outside [nbf, exp). Centrifugo reports a token
 * used before its `nbf` as expired as well, and so do we: the client's answer (get a fresh
 * token) is the same.
 */
export function checkRegisteredClaims(claims: Claims, policy: ClaimPolicy, nowSeconds: number) {
  const exp = optNumericDate(claims, 'exp');
  const nbf = optNumericDate(claims, 'nbf');
  checkAudienceAndIssuer(claims, policy);
  // Valid while exp is after now and nbf before now, both strictly, as in Centrifugo.
  if ((exp !== undefined && exp <= nowSeconds) || (nbf !== undefined && nbf >= nowSeconds)) {
    throw new TokenExpiredError();
  }
}
