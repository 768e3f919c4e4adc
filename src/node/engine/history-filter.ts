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
  /** `from` itself must still be retained, else the position is unrecoverable (112). */
  exact: boolean;
}

/**
 * The window a filter asks for below `top`, or undefined when it asks for nothing. Throws
 * UnrecoverablePositionError, as Centrifugo answers 112, when `since` names another epoch or
 * (going forward) a future offset. Reversed, `since` is exclusive: strictly older ones.
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
    if (!since) {
      return top.offset > 0
        ? { from: 1, to: top.offset, limit: max, reverse, exact: false }
        : undefined;
    }
    if (since.offset > top.offset) {
      throw new UnrecoverablePositionError(
        `offset ${since.offset} is ahead of the stream (top ${top.offset})`,
      );
    }
    if (since.offset === top.offset) return undefined;
    return { from: since.offset + 1, to: top.offset, limit: max, reverse, exact: true };
  }
  const to = since ? Math.min(since.offset - 1, top.offset) : top.offset;
  if (to < 1) return undefined;
  return { from: Math.max(1, to - max + 1), to, limit: max, reverse, exact: false };
}

/**
 * `retained` is ascending and contiguous: retained[i].offset === retained[0].offset + i.
 * Throws as historyWindow does, and when (going forward) `since` is followed by publications
 * that are no longer retained.
 */
export function selectHistory(
  retained: readonly Publication[],
  top: StreamPosition,
  filter: HistoryFilter,
): Publication[] {
  const window = historyWindow(top, filter);
  if (!window) return [];
  const first = retained[0]?.offset ?? top.offset + 1;
  if (window.exact && window.from < first) throw lostRange(window.from);
  const start = Math.max(0, window.from - first);
  const end = Math.min(retained.length, window.to - first + 1);
  const selected = retained.slice(start, Math.max(start, end));
  return window.reverse ? selected.reverse() : selected.slice(0, window.limit);
}

export function lostRange(from: number): UnrecoverablePositionError {
  return new UnrecoverablePositionError(
    `publications after offset ${from - 1} are no longer in history`,
  );
}
