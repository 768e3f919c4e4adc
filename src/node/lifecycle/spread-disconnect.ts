// Disconnects a set of connections evenly over a window instead of all at once, so that
// their reconnects (which the SDKs start at once, after a 0.5-1 s jittered backoff) arrive at
// the other nodes at a steady rate rather than as one storm of connects, subscribes and
// recoveries. The pace is a count, not a timer per connection: at each tick the first
// ceil(n * elapsed / window) are closed, so a late tick catches up instead of drifting.

export interface SpreadOptions {
  windowMs: number;
  /** How often a batch goes; 20 ms keeps batches small at 10^4 connections over 10 s. */
  tickMs?: number;
  now?: () => number;
}

/** Calls close on each item, spread evenly over windowMs (all at once when it is 0). */
export async function closeSpread<T>(
  items: readonly T[],
  close: (item: T) => void,
  opts: SpreadOptions,
): Promise<void> {
  const now = opts.now ?? Date.now;
  const tickMs = Math.max(1, opts.tickMs ?? 20);
  const n = items.length;
  let done = 0;
  const closeUpTo = (target: number) => {
    for (; done < Math.min(n, target); done++) close(items[done] as T);
  };
  if (opts.windowMs <= 0 || n === 0) {
    closeUpTo(n);
    return;
  }
  const start = now();
  // The first one goes at once, the last at the end of the window: evenly spaced in between.
  closeUpTo(1);
  while (done < n) {
    await new Promise((resolve) => setTimeout(resolve, tickMs));
    const elapsed = now() - start;
    closeUpTo(1 + Math.floor(((n - 1) * Math.min(elapsed, opts.windowMs)) / opts.windowMs));
  }
}
