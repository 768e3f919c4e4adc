// Reads a channel's history from its namespace stream without reading the whole subject: the
// top is one direct get of the subject's last message, and a window of offsets (a recovery's
// `since`, a limit) is one batched direct get of exactly those messages, from the stream
// sequence where the window starts up to the top.
//
// Where the window starts is found by probing, one message per probe: offsets on a subject
// are consecutive and rise with the stream sequence, so each probed message bounds where
// offset `from` can be (a message with offset o at sequence s puts offset `from` at most at
// s - (o - from), at least at s + (from - o)). In a stream that holds one channel the first
// probe lands on it; in one shared by many channels, interpolation between the probes and
// bisection find it in a few more. A run that does not look as promised (a gap, another
// epoch, messages trimmed while reading) is read again the old way, in full, by the caller.
import type { JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import type { HistoryWindow } from '../history-filter.ts';
import type { Publication } from '../types.ts';
import { isNotFound } from './history-streams.ts';
import type { CallScope } from './nats-gate.ts';
import { epochOf, publicationFrom } from './wire.ts';

export interface StoredPublication {
  seq: number;
  pub: Publication;
  epoch: string;
}

/** Beyond this the stream is not shaped as assumed: read it in full instead. */
const MAX_PROBES = 64;
const MAX_FULL_READ = 10_000;

export class HistoryReader {
  private readonly jsm: JetStreamManager;

  constructor(jsm: JetStreamManager) {
    this.jsm = jsm;
  }

  /** The subject's newest message: the stream top. One message read. */
  async last(stream: string, subject: string): Promise<StoredPublication | undefined> {
    try {
      const m = await this.jsm.direct.getMessage(stream, { last_by_subj: subject });
      return m ? stored(m) : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * The publications of `window` below `top`, oldest first (newest first when reversed);
   * undefined when the stream does not look as offsets promise, so the caller reads it all.
   * A window starting before what is retained begins at the oldest retained publication.
   */
  async window(
    stream: string,
    subject: string,
    top: StoredPublication,
    window: HistoryWindow,
    scope: CallScope,
  ): Promise<Publication[] | undefined> {
    const start = await this.firstAtOrAfter(stream, subject, window.from, top, scope);
    if (!start) return undefined;
    const wanted = window.to - start.pub.offset + 1;
    const count = window.reverse ? wanted : Math.min(wanted, window.limit);
    if (count <= 0) return [];
    const run = count === 1 ? [start] : await this.batch(stream, subject, start.seq, count, scope);
    if (run.length !== count) return undefined;
    for (const [i, m] of run.entries()) {
      if (m.pub.offset !== start.pub.offset + i || m.epoch !== top.epoch) return undefined;
    }
    const pubs = run.map((m) => m.pub);
    return window.reverse ? pubs.reverse() : pubs;
  }

  /** Every message the subject holds, oldest first (the fallback). */
  async all(stream: string, subject: string, scope: CallScope): Promise<StoredPublication[]> {
    try {
      return await this.batch(stream, subject, 1, MAX_FULL_READ, scope);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  /**
   * The subject's first message with an offset of at least `from`: the one with offset
   * `from`, or the oldest retained when `from` is older. See the header for the bounds.
   */
  private async firstAtOrAfter(
    stream: string,
    subject: string,
    from: number,
    top: StoredPublication,
    scope: CallScope,
  ): Promise<StoredPublication | undefined> {
    let hi = top;
    if (hi.pub.offset <= from) return hi;
    // From the start: the subject's oldest message, one probe.
    if (from === 1) return this.probe(stream, subject, 1);
    let below: StoredPublication | undefined;
    // The answer's sequence is in (lo, cap], or it is hi.
    let lo = 0;
    let cap = hi.seq - (hi.pub.offset - from);
    // Probes in a row that found nothing new: the next reaches twice as far.
    let misses = 0;
    for (let probes = 1; lo < cap; probes++) {
      if (probes > MAX_PROBES) return undefined;
      scope.remaining();
      const x = Math.min(
        cap,
        Math.max(lo + 1, Math.round(guess(from, hi, below, top, probes, misses))),
      );
      const m = await this.probe(stream, subject, x);
      if (!m) return undefined;
      if (m.seq >= hi.seq) {
        cap = x - 1;
        misses++;
      } else if (m.pub.offset >= from) {
        hi = m;
        if (m.pub.offset === from) return m;
        cap = Math.min(x - 1, m.seq - (m.pub.offset - from));
      } else {
        below = m;
        if (m.pub.offset === from - 1) return (await this.probe(stream, subject, m.seq + 1)) ?? hi;
        lo = Math.max(lo, m.seq + (from - m.pub.offset) - 1);
      }
    }
    return hi;
  }

  /** The subject's first message at stream sequence `seq` or later. One message read. */
  private async probe(
    stream: string,
    subject: string,
    seq: number,
  ): Promise<StoredPublication | undefined> {
    const m = await this.jsm.direct.getMessage(stream, { seq, next_by_subj: subject });
    return m ? stored(m) : undefined;
  }

  private async batch(
    stream: string,
    subject: string,
    seq: number,
    count: number,
    scope: CallScope,
  ): Promise<StoredPublication[]> {
    const out: StoredPublication[] = [];
    const batch = await this.jsm.direct.getBatch(stream, {
      seq,
      next_by_subj: subject,
      batch: count,
    });
    for await (const m of batch) {
      out.push(stored(m));
      if (out.length >= count) break;
      // Throws once the call is over (outage, deadline): stop reading for nobody.
      scope.remaining();
    }
    return out;
  }
}

/**
 * Where to probe next. With a message below `from` and one above, interpolate between them
 * (every third probe bisects, so a stream that fools the estimate still costs O(log n));
 * with only messages above, extrapolate from the spacing between `hi` and the top (none yet:
 * assume the subject has the stream to itself, and the first probe lands exactly), reaching
 * twice as far after each probe that found nothing new.
 */
function guess(
  from: number,
  hi: StoredPublication,
  below: StoredPublication | undefined,
  top: StoredPublication,
  probes: number,
  misses: number,
): number {
  if (below) {
    if (probes % 3 === 0) return (below.seq + hi.seq) / 2;
    const spacing = (hi.seq - below.seq) / (hi.pub.offset - below.pub.offset);
    return below.seq + (from - below.pub.offset - 1) * spacing + 1;
  }
  const spacing = hi === top ? 1 : (top.seq - hi.seq) / (top.pub.offset - hi.pub.offset);
  return hi.seq - (hi.pub.offset - from) * spacing * 2 ** misses;
}

function stored(m: StoredMsg): StoredPublication {
  return { seq: m.seq, pub: publicationFrom(m.data, m.header), epoch: epochOf(m.header) };
}
