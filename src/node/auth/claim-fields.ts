// Typed reads of JWT claims. Centrifugo decodes claims into typed Go structs, so a claim of
// the wrong JSON type makes the whole token invalid; JSON null reads as absent, as it does
// there. Each reader throws InvalidTokenError naming the claim.
import { InvalidTokenError } from './errors.ts';

export type Claims = Record<string, unknown>;

const wrongType = (name: string, expected: string): InvalidTokenError =>
  new InvalidTokenError(`invalid token: claim ${name} must be ${expected}`);

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The claim's value, with null folded into undefined. */
export function optAny(claims: Claims, name: string): unknown {
  const value = claims[name];
  return value === null ? undefined : value;
}

export function optString(claims: Claims, name: string): string | undefined {
  const value = optAny(claims, name);
  if (value === undefined || typeof value === 'string') return value;
  throw wrongType(name, 'a string');
}

/** A NumericDate (RFC 7519 §2): seconds since the epoch, fractions allowed. */
export function optNumericDate(claims: Claims, name: string): number | undefined {
  const value = optAny(claims, name);
  if (value === undefined || (typeof value === 'number' && Number.isFinite(value))) return value;
  throw wrongType(name, 'a number');
}

/** An integer claim (Go int64 on Centrifugo's side, which refuses fractions). */
export function optInteger(claims: Claims, name: string): number | undefined {
  const value = optAny(claims, name);
  if (value === undefined || Number.isSafeInteger(value)) return value as number | undefined;
  throw wrongType(name, 'an integer');
}

export function optStringArray(claims: Claims, name: string): string[] | undefined {
  const value = optAny(claims, name);
  if (value === undefined) return undefined;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  throw wrongType(name, 'an array of strings');
}

export function optObject(claims: Claims, name: string): Record<string, unknown> | undefined {
  const value = optAny(claims, name);
  if (value === undefined || isPlainObject(value)) return value;
  throw wrongType(name, 'an object');
}

/** `aud` is a string or an array of strings (RFC 7519 §4.1.3); always read as an array. */
export function audiences(claims: Claims): string[] {
  const value = optAny(claims, 'aud');
  if (typeof value === 'string') return [value];
  return optStringArray(claims, 'aud') ?? [];
}
