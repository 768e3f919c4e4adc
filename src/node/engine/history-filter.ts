// Picks the publications a HistoryFilter asks for out of a retained, gap-free run of a
// stream. Pure, so every engine answers since/limit/reverse and 112 the same way, and the
// way Centrifugo's engines do (verified against Centrifugo v6.9.1's API history):
// - going forward from `since`, the publications after it that are still retained: from the
//   oldest retained one when those right after `since` were trimmed, none when `since` is at
//   or beyond the top;
// - going backward (reverse) from `since`, those before it, newest first, starting right
//   before it: none when that one is no longer retained or lies beyond the top;
// - the only unrecoverable position is another epoch. Whether a client's recovery got every
//   publication it missed is for the caller to check (the first offset must follow `since`).
import { UnrecoverablePositionError } from './errors.ts';
import type { HistoryFilter, Publication, StreamPosition } from './types.ts';

/**
 * `retained` is ascending and contiguous: retained[i].offset === retained[0].offset + i.
 * Throws UnrecoverablePositionError, as Centrifugo answers 112, when `since` names an epoch
 * (not empty) other than the stream's.
 */
export function selectHistory(
  retained: readonly Publication[],
  top: StreamPosition,
  filter: HistoryFilter,
): Publication[] {
  const { since, limit, reverse } = filter;
  if (since && since.epoch !== '' && since.epoch !== top.epoch) {
    throw new UnrecoverablePositionError(
      `epoch ${JSON.stringify(since.epoch)} is not the stream's current epoch`,
    );
  }
  if (limit === 0) return [];
  const first = retained[0]?.offset ?? top.offset + 1;
  const max = limit < 0 ? Number.POSITIVE_INFINITY : limit;
  if (!reverse) {
    let start = 0;
    if (since) {
      if (since.offset >= top.offset) return [];
      start = Math.max(0, since.offset + 1 - first);
    }
    return retained.slice(start, Math.min(retained.length, start + max));
  }
  // Reversed: newest first, from the one right before `since` when given.
  let endExclusive = retained.length;
  if (since) {
    const from = since.offset - 1;
    if (from > top.offset || from < first) return [];
    endExclusive = from - first + 1;
  }
  const begin = Math.max(0, endExclusive - max);
  return retained.slice(begin, endExclusive).reverse();
}
