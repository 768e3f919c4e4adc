// client.allowed_origins: requests without an Origin header (servers, SDKs outside
// browsers) pass; with one, an empty list refuses, `*` allows all, and other entries are
// glob patterns matched against the whole origin, case-insensitively, as in Centrifugo.
import { compileGlob } from '../../core/index.ts';

export function originChecker(allowed: readonly string[]): (origin: string | undefined) => boolean {
  if (allowed.includes('*')) return () => true;
  const patterns = allowed.map((p) => compileGlob(p.toLowerCase()));
  return (origin) => {
    if (origin === undefined || origin === '') return true;
    const lower = origin.toLowerCase();
    return patterns.some((re) => re.test(lower));
  };
}
