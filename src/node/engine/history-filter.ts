// Picks the publications a HistoryFilter asks for out of a retained, gap-free run of a
// stream. Pure, so every engine answers since/limit/reverse and 112 the same way.
import { UnrecoverablePositionError } from './errors.ts';
import type { HistoryFilter, Publication, StreamPosition } from './types.ts';

/**
 * `retained` is ascending and contiguous: retained[i].offset === retained[0].offset + i.
 * Throws UnrecoverablePositionError, as Centrifugo answers 112, when `since` names another
 * epoch, a future offset, or (going forward) a start that is no longer retained.
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
      if (since.offset > top.offset) {
        throw new UnrecoverablePositionError(
          `offset ${since.offset} is ahead of the stream (top ${top.offset})`,
        );
      }
      if (since.offset < top.offset && since.offset + 1 < first) {
        throw new UnrecoverablePositionError(
          `publications after offset ${since.offset} are no longer in history`,
        );
      }
      start = Math.max(0, since.offset + 1 - first);
    }
    const end = Math.min(retained.length, start + max);
    return retained.slice(start, end);
  }
  // Reversed: newest first, strictly before `since` when given.
  let endExclusive = retained.length;
  if (since) endExclusive = Math.max(0, Math.min(retained.length, since.offset - first));
  const begin = Math.max(0, endExclusive - max);
  return retained.slice(begin, endExclusive).reverse();
}
