// A live trace as server-sent events (POST <admin prefix>/admin/trace). Bounded every way an
// admin's browser or a busy channel could make it grow: events and bytes per trace, the text
// of one frame, the duration, the traces open on a node, and the bytes waiting on a slow
// reader (events are dropped and counted instead of queued). The trace ends, and its taps are
// removed, at the first limit reached, when the reader goes away, or when the node shuts down.
import type { ServerResponse } from 'node:http';
import type { TraceEvent } from '../client/index.ts';

export const TRACE_LIMITS = {
  /** Events per trace, dropped ones included. */
  maxEvents: 1000,
  /** Characters of frame text per trace. */
  maxChars: 4 * 1024 * 1024,
  /** Characters shown of one frame; the rest is cut (the event says how long it was). */
  maxFrameChars: 16 * 1024,
  maxDurationMs: 10 * 60_000,
  /** Traces open at once on one node. */
  maxOpen: 8,
  /** Unsent bytes on the response beyond which events are dropped. */
  maxBuffered: 512 * 1024,
  heartbeatMs: 15_000,
} as const;

export type TraceLimits = { -readonly [K in keyof typeof TRACE_LIMITS]: number };

export type TraceTarget = { channel: string } | { user: string };

/** Starts the taps of a target; the stop it resolves to removes them. */
export type StartTrace = (onEvent: (event: TraceEvent) => void) => Promise<() => unknown>;

export class TraceStreams {
  private readonly open = new Set<TraceStream>();
  private readonly limits: TraceLimits;

  constructor(limits: Partial<TraceLimits> = {}) {
    this.limits = { ...TRACE_LIMITS, ...limits };
  }

  get full(): boolean {
    return this.open.size >= this.limits.maxOpen;
  }

  get size(): number {
    return this.open.size;
  }

  /** Streams the trace into `res` (headers written here) until one of its ends. */
  async run(res: ServerResponse, target: TraceTarget, node: string, start: StartTrace) {
    const stream = new TraceStream(res, this.limits, () => this.open.delete(stream));
    this.open.add(stream);
    await stream.run(target, node, start);
  }

  /** Ends every open trace (node shutdown). */
  closeAll(): void {
    for (const s of [...this.open]) s.end('the node is shutting down');
  }
}

class TraceStream {
  private readonly res: ServerResponse;
  private readonly limits: TraceLimits;
  private readonly onEnd: () => void;
  private events = 0;
  private chars = 0;
  /** Dropped since the last event written, and in all. */
  private dropped = 0;
  private droppedTotal = 0;
  private ended = false;
  private stop: (() => unknown) | undefined;
  private timers: NodeJS.Timeout[] = [];

  constructor(res: ServerResponse, limits: TraceLimits, onEnd: () => void) {
    this.res = res;
    this.limits = limits;
    this.onEnd = onEnd;
  }

  async run(target: TraceTarget, node: string, start: StartTrace): Promise<void> {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // Proxies that buffer responses (nginx) would hold the events back.
      'x-accel-buffering': 'no',
    });
    this.res.on('close', () => this.end('closed by the reader'));
    let stop: () => unknown;
    try {
      stop = await start((event) => this.onEvent(event));
    } catch (err) {
      this.end(`cannot trace: ${(err as Error).message}`);
      return;
    }
    if (this.ended) {
      stop();
      return;
    }
    this.stop = stop;
    this.write('start', { target, node, limits: this.limits });
    this.timers.push(
      setTimeout(
        () => this.end(`time limit (${this.limits.maxDurationMs / 1000} s) reached`),
        this.limits.maxDurationMs,
      ),
      setInterval(() => this.comment('keep-alive'), this.limits.heartbeatMs),
    );
  }

  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    for (const t of this.timers) clearTimeout(t);
    this.stop?.();
    this.onEnd();
    if (!this.res.destroyed && !this.res.writableEnded) {
      this.write('end', { reason, events: this.events, dropped: this.droppedTotal });
      this.res.end();
    }
  }

  private onEvent(event: TraceEvent): void {
    if (this.ended) return;
    this.events++;
    if (this.res.writableLength > this.limits.maxBuffered) {
      this.dropped++;
      this.droppedTotal++;
    } else {
      const shown = this.shown(event);
      this.chars += 'frame' in shown ? shown.frame.length : 0;
      this.write('trace', { ...shown, at: Date.now(), ...this.takeDropped() });
    }
    if (this.events >= this.limits.maxEvents)
      this.end(`event limit (${this.limits.maxEvents}) reached`);
    else if (this.chars >= this.limits.maxChars)
      this.end(`size limit (${this.limits.maxChars} characters of frames) reached`);
  }

  private shown(event: TraceEvent): TraceEvent & { truncated?: number } {
    if (!('frame' in event) || event.frame.length <= this.limits.maxFrameChars) return event;
    return {
      ...event,
      frame: event.frame.slice(0, this.limits.maxFrameChars),
      truncated: event.frame.length,
    };
  }

  private takeDropped(): { dropped?: number } {
    if (this.dropped === 0) return {};
    const dropped = this.dropped;
    this.dropped = 0;
    return { dropped };
  }

  private write(event: string, data: unknown): void {
    this.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private comment(text: string): void {
    if (!this.ended) this.res.write(`: ${text}\n\n`);
  }
}
