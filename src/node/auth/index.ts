export { type ApiRequest, createApiKeyAuth, createApiKeyCheck } from './api-key.ts';
export { subscriptionTokenSection, tokenKeysOf } from './config-keys.ts';
export {
  InvalidTokenError,
  TokenConfigError,
  TokenExpiredError,
  TokenKeysUnavailableError,
} from './errors.ts';
export { JWKS_DEFAULTS, JwksKeySet, type JwksOptions } from './jwks.ts';
export {
  type ConnectTokenClaims,
  type SubscribeTokenClaims,
  type TokenKeys,
  TokenVerifier,
  type TokenVerifierOptions,
} from './jwt.ts';
export { signHs256 } from './sign.ts';
