// Token verification outcomes. Centrifugo's client protocol tells the two apart: an expired
// token gets code 109 (the client refreshes and retries), any other bad token disconnects
// the client for good, so callers branch on the class, never on the message.

/** The token was sound but its `exp` (or `nbf`) puts it outside its lifetime. */
export class TokenExpiredError extends Error {
  override name = 'TokenExpiredError';
  constructor(message = 'token expired') {
    super(message);
  }
}

/** Anything else: bad signature, unconfigured algorithm, malformed token or claims. */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
  constructor(message = 'invalid token', options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * The keys to check the token with could not be loaded (JWKS endpoint down, slow, oversized or
 * malformed). Says nothing about the token, so the client must not be rejected for good:
 * callers answer with a temporary internal error and the client retries.
 */
export class TokenKeysUnavailableError extends Error {
  override name = 'TokenKeysUnavailableError';
  constructor(message = 'token keys unavailable', options?: ErrorOptions) {
    super(message, options);
  }
}

/** The `client.token.*` settings themselves are unusable; raised at startup, not per token. */
export class TokenConfigError extends Error {
  override name = 'TokenConfigError';
}
