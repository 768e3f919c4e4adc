// What a HistoryFilter asks for, as a window of offsets, and the selection of that window out
// of a retained, gap-free run of a stream. Pure, so every engine answers since/limit/reverse
// and 112 the same way: the memory engine slices what it holds, the NATS engine reads just
// the window from its stream.
import { UnrecoverablePositionError } from './errors.ts';
import type { HistoryFilter, Publication, StreamPosition } from './types.ts';

/** The offsets a filter wants, before anyone knows which of them are still retained. */
export interface HistoryWindow {
  /** Lowest offset wanted; when it is no longer retained, reading starts at the oldest kept. */
  from: number;
  /** Highest offset wanted (at most the top). */
  to: number;
  /** Forward reads take at most this many, starting at `from`; reverse reads take all. */
  limit: number;
  /** Newest first. */
  reverse: boolean;
}

/**
 * The window a filter asks for below `top`, or undefined when it asks for nothing.
 * Throws UnrecoverablePositionError (error 112) only when `since` names another epoch, as
 * Centrifugo does. Any other `since` is answered from what is retained, never an error:
 * going forward, a position at or beyond the top gets nothing and one whose successor is
 * no longer retained gets the oldest retained onwards (whoever needs continuity, such as
 * recovery, compares the first offset with since + 1); going backward (`since` exclusive:
 * strictly older ones), a start beyond the top or no longer retained gets nothing.
 */
export function historyWindow(
  top: StreamPosition,
  filter: HistoryFilter,
): HistoryWindow | undefined {
  const { since, limit, reverse } = filter;
  if (since && since.epoch !== '' && since.epoch !== top.epoch) {
    throw new UnrecoverablePositionError(
      `epoch ${JSON.stringify(since.epoch)} is not the stream's current epoch`,
    );
  }
  if (limit === 0) return undefined;
  const max = limit < 0 ? Number.POSITIVE_INFINITY : limit;
  if (!reverse) {
    const from = since ? since.offset + 1 : 1;
    if (from > top.offset) return undefined;
    return { from, to: top.offset, limit: max, reverse };
  }
  const to = since ? since.offset - 1 : top.offset;
  if (to < 1 || to > top.offset) return undefined;
  return { from: Math.max(1, to - max + 1), to, limit: max, reverse };
}

/**
 * `retained` is ascending and contiguous: retained[i].offset === retained[0].offset + i.
 * Throws as historyWindow does.
 */
export function selectHistory(
  retained: readonly Publication[],
  top: StreamPosition,
  filter: HistoryFilter,
): Publication[] {
  const window = historyWindow(top, filter);
  if (!window) return [];
  const first = retained[0]?.offset ?? top.offset + 1;
  const start = Math.max(0, window.from - first);
  const end = Math.min(retained.length, window.to - first + 1);
  const selected = retained.slice(start, Math.max(start, end));
  return window.reverse ? selected.reverse() : selected.slice(0, window.limit);
}
