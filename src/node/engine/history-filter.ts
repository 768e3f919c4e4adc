// Picks the publications a HistoryFilter asks for out of a retained, gap-free run of a
// stream. Pure, so every engine answers since/limit/reverse and 112 the same way.
import { UnrecoverablePositionError } from './errors.ts';
import type { HistoryFilter, Publication, StreamPosition } from './types.ts';

/**
 * `retained` is ascending and contiguous: retained[i].offset === retained[0].offset + i.
 * Throws UnrecoverablePositionError (error 112) only when `since` names another epoch, as
 * Centrifugo does. Any other `since` is answered from what is retained, never an error:
 * going forward, a position at or beyond the top gets nothing and one whose successor is
 * no longer retained gets the oldest retained onwards (whoever needs continuity, such as
 * recovery, compares the first offset with since + 1); going backward, a start beyond the
 * top or no longer retained gets nothing.
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
    const end = Math.min(retained.length, start + max);
    return retained.slice(start, end);
  }
  // Reversed: newest first, strictly before `since` when given.
  let endExclusive = retained.length;
  if (since) {
    const newest = since.offset - 1;
    if (newest > top.offset || newest < first) return [];
    endExclusive = newest - first + 1;
  }
  const begin = Math.max(0, endExclusive - max);
  return retained.slice(begin, endExclusive).reverse();
}
