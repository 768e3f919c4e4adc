// Keys from a JWKS endpoint (Centrifugo's `jwks_public_endpoint`), looked up by `kid`.
// The set is fetched on first use and cached; it is fetched again when it is older than the
// cache TTL, or when a token names a kid the set lacks (a rotated-in key). Fetches are
// shared by concurrent lookups and spaced by a cooldown, so a flood of tokens with made-up
// kids, or a down endpoint under a reconnect storm, costs at most one request per cooldown.
import type { KeyObject } from 'node:crypto';
import { InvalidTokenError, TokenConfigError, TokenKeysUnavailableError } from './errors.ts';
import { importJwk, JWKS_ALGS, type JwkEntry } from './jwk-import.ts';
import { fetchJwks } from './jwks-fetch.ts';

export interface JwksOptions {
  /** Deadline for one fetch, headers and body together. Default 5 s. */
  fetchTimeoutMs?: number;
  /** Largest JWKS body accepted. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Least time between two fetches, whatever their outcome. Default 5 s. */
  refetchCooldownMs?: number;
  /** Age after which the set is fetched again before use. Default 1 h, as in Centrifugo. */
  cacheTtlMs?: number;
  /** Monotonic clock in milliseconds (tests step it). Default performance.now. */
  clock?: () => number;
}

export const JWKS_DEFAULTS = {
  fetchTimeoutMs: 5_000,
  maxResponseBytes: 1024 * 1024,
  refetchCooldownMs: 5_000,
  cacheTtlMs: 60 * 60 * 1000,
} as const;

function checkedUrl(url: string): string {
  // Centrifugo fills {{var}} from issuer/audience regex groups of the still unverified token;
  // that is an SSRF vector and is not supported here: fail loudly instead of fetching garbage.
  if (url.includes('{{')) {
    throw new TokenConfigError('jwks_public_endpoint: URL templates are not supported');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new TokenConfigError('jwks_public_endpoint: not a valid URL', { cause: err });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TokenConfigError('jwks_public_endpoint: only http and https URLs are allowed');
  }
  return parsed.href;
}

export class JwksKeySet {
  private readonly url: string;
  private readonly limits: { timeoutMs: number; maxBytes: number };
  private readonly cooldownMs: number;
  private readonly ttlMs: number;
  private readonly clock: () => number;
  private keys: ReadonlyMap<string, JwkEntry[]> | undefined;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  /** Why the latest fetch failed; cleared by the next success. */
  private failure: Error | undefined;
  private inflight: Promise<void> | undefined;

  /** Throws TokenConfigError for a URL that is not http(s). Fetches nothing yet. */
  constructor(url: string, options: JwksOptions = {}) {
    this.url = checkedUrl(url);
    this.limits = {
      timeoutMs: options.fetchTimeoutMs ?? JWKS_DEFAULTS.fetchTimeoutMs,
      maxBytes: options.maxResponseBytes ?? JWKS_DEFAULTS.maxResponseBytes,
    };
    this.cooldownMs = options.refetchCooldownMs ?? JWKS_DEFAULTS.refetchCooldownMs;
    this.ttlMs = options.cacheTtlMs ?? JWKS_DEFAULTS.cacheTtlMs;
    this.clock = options.clock ?? (() => performance.now());
  }

  /**
   * The key that verifies a token with this `alg` and `kid` header. Throws InvalidTokenError
   * when the set has no such key, TokenKeysUnavailableError when the set could not be loaded.
   */
  async keyFor(alg: unknown, kid: unknown): Promise<KeyObject> {
    // Checked before any lookup, so HS*, none and junk algorithms never cause a fetch.
    if (typeof alg !== 'string' || !JWKS_ALGS.has(alg)) {
      throw new InvalidTokenError(`invalid token: algorithm ${String(alg)} is not enabled`);
    }
    if (typeof kid !== 'string' || kid === '') {
      throw new InvalidTokenError('invalid token: kid header required');
    }
    const entries = await this.entries(kid);
    if (entries.length === 0) throw new InvalidTokenError('invalid token: unknown kid');
    const entry = entries.find((candidate) => candidate.algs.has(alg));
    if (entry === undefined) {
      throw new InvalidTokenError(`invalid token: algorithm ${alg} does not fit the kid's key`);
    }
    return entry.key;
  }

  /** The keys published under `kid`; empty when the set, fetched recently enough, has none. */
  private async entries(kid: string): Promise<readonly JwkEntry[]> {
    const now = this.clock();
    const fresh = this.keys !== undefined && now - this.fetchedAt < this.ttlMs;
    const cached = fresh ? this.keys?.get(kid) : undefined;
    if (cached !== undefined) return cached;
    if (this.inflight === undefined) {
      const cooling = now - this.attemptedAt < this.cooldownMs;
      // The endpoint just failed: answer "temporary" again without asking it.
      if (cooling && this.failure !== undefined) throw this.unavailable();
      // The set was just fetched and lacks the kid: the kid is unknown, not "not yet seen".
      if (cooling && fresh) return [];
      this.inflight = this.refresh(now).finally(() => {
        this.inflight = undefined;
      });
    }
    await this.inflight;
    return this.keys?.get(kid) ?? [];
  }

  private async refresh(now: number): Promise<void> {
    this.attemptedAt = now;
    try {
      const members = await fetchJwks(this.url, this.limits);
      const keys = new Map<string, JwkEntry[]>();
      // Unusable members (encryption keys, other curves) are skipped, not fatal: one odd key
      // must not take every other key of the set down with it.
      for (const member of members) {
        const imported = importJwk(member);
        if (imported === undefined) continue;
        const [kid, entry] = imported;
        keys.set(kid, [...(keys.get(kid) ?? []), entry]);
      }
      this.keys = keys;
      this.fetchedAt = this.clock();
      this.failure = undefined;
    } catch (err) {
      // Known keys stay usable while the set is fresh; only lookups that need a fetch fail.
      this.failure = err instanceof Error ? err : new Error(String(err));
      throw this.unavailable();
    }
  }

  private unavailable(): TokenKeysUnavailableError {
    const failure = this.failure;
    // fetch() reports "fetch failed" and keeps the useful part (ECONNREFUSED...) in its cause.
    const detail = failure?.cause instanceof Error ? `: ${failure.cause.message}` : '';
    const reason = `JWKS fetch failed: ${failure?.message ?? 'unknown error'}${detail}`;
    return new TokenKeysUnavailableError(reason, { cause: failure });
  }
}
