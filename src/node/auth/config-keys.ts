// Token settings from the node config: the connection token section, and the section
// subscription tokens use (their own when client.subscription_token.enabled).
import type { Config } from '../config/index.ts';
import type { TokenKeys } from './keys.ts';

type TokenSection = Config['client']['token'];

export function subscriptionTokenSection(config: Config): TokenSection {
  const sub = config.client.subscription_token;
  return sub.enabled ? sub : config.client.token;
}

export function tokenKeysOf(section: TokenSection): TokenKeys {
  return {
    hmacSecretKey: section.hmac_secret_key,
    hmacPreviousSecretKey: section.hmac_previous_secret_key,
    hmacPreviousSecretKeyValidUntil: section.hmac_previous_secret_key_valid_until,
    rsaPublicKey: section.rsa_public_key,
    ecdsaPublicKey: section.ecdsa_public_key,
    jwksPublicEndpoint: section.jwks_public_endpoint,
    audience: section.audience,
    audienceRegex: section.audience_regex,
    issuer: section.issuer,
    issuerRegex: section.issuer_regex,
    userIdClaim: section.user_id_claim,
  };
}
