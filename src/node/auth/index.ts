export { apiKeyMatches, extractApiKey } from './api-key.ts';
export { InvalidTokenError, TokenConfigError, TokenExpiredError } from './errors.ts';
export {
  type ConnectTokenClaims,
  type SubscribeTokenClaims,
  type TokenKeys,
  TokenVerifier,
  type TokenVerifierOptions,
} from './jwt.ts';
export { signHs256 } from './sign.ts';
