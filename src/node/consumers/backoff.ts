// The retry delay of every consumer, Centrifugo's (internal/consuming/backoff.go): from about
// 10 ms, doubling with each retry, 0-10 ms of jitter, never above 5 s.
export const MIN_BACKOFF_MS = 10;
export const MAX_BACKOFF_MS = 5_000;

/** The delay before retry number `retries` (1 for the first retry) after `currentMs`. */
export function nextBackoffMs(currentMs: number, retries: number, random = Math.random): number {
  if (currentMs >= MAX_BACKOFF_MS) return MAX_BACKOFF_MS;
  const jitter = Math.floor(random() * MIN_BACKOFF_MS);
  return Math.min((MIN_BACKOFF_MS + jitter) * 2 ** Math.min(retries, 20), MAX_BACKOFF_MS);
}
