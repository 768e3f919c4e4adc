// One node's outgoing queue flusher. Connections with queued parts are flushed together,
// once per event-loop turn, from one setImmediate (not one per connection: a publication
// to a channel with N subscribers would schedule N). Connections of one channel usually
// hold the same parts in the same order (the same pushes), so the frame joined for one is
// kept and handed to the next whose queue matches part for part: one join (and, in the
// transport, one framing) per turn instead of one per connection. The wiring creates one
// per node and closes it with the node, so nodes in one process share nothing.
import type { NodeMetrics } from '../observability/index.ts';
import { type Format, type FramePart, joinParts } from '../protocol/index.ts';

/** What the outbox needs of a connection with queued parts. */
export interface OutboxEntry {
  readonly format: Format;
  /** The metric label of the entry's transport (one object per connection, compared by value). */
  readonly transportLabel: { transport: string };
  /** The queued parts, emptying the queue; undefined when there is nothing to write. */
  takePending(): FramePart[] | undefined;
  write(frame: string | Uint8Array): void;
}

export class Outbox {
  private dirty: OutboxEntry[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private closed = false;
  private readonly metrics: NodeMetrics;

  constructor(metrics: NodeMetrics) {
    this.metrics = metrics;
  }

  /** Flushes the entry in this turn's flush; an entry is queued once per turn by its owner. */
  queue(entry: OutboxEntry): void {
    if (this.closed) return;
    this.dirty.push(entry);
    this.scheduled ??= setImmediate(() => this.flushAll());
  }

  /** Writes one entry now, alone (a connection about to close). */
  flushOne(entry: OutboxEntry): void {
    const parts = entry.takePending();
    if (parts === undefined) return;
    const frame = joinParts(entry.format, parts);
    this.countSent(entry.transportLabel, parts.length, frame.length);
    entry.write(frame);
  }

  /** Drops what is queued and stops flushing (the node closes its connections first). */
  close(): void {
    this.closed = true;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.dirty = [];
  }

  private flushAll(): void {
    this.scheduled = undefined;
    const entries = this.dirty;
    this.dirty = [];
    let lastParts: readonly FramePart[] = [];
    let lastFormat: Format | undefined;
    let lastFrame: string | Uint8Array = '';
    // Counted per run of entries of one transport (most turns have one transport only).
    let label: { transport: string } | undefined;
    let messages = 0;
    let bytes = 0;
    for (const entry of entries) {
      const parts = entry.takePending();
      if (parts === undefined) continue;
      if (label === undefined || label.transport !== entry.transportLabel.transport) {
        if (label !== undefined && messages > 0) this.countSent(label, messages, bytes);
        label = entry.transportLabel;
        messages = 0;
        bytes = 0;
      }
      let frame: string | Uint8Array;
      if (entry.format === lastFormat && sameParts(parts, lastParts)) frame = lastFrame;
      else {
        frame = joinParts(entry.format, parts);
        lastParts = parts;
        lastFormat = entry.format;
        lastFrame = frame;
      }
      messages += parts.length;
      bytes += frame.length;
      entry.write(frame);
    }
    if (label !== undefined && messages > 0) this.countSent(label, messages, bytes);
  }

  private countSent(label: { transport: string }, messages: number, bytes: number): void {
    this.metrics.transportMessagesSent.inc(label, messages);
    this.metrics.transportMessagesSentSize.inc(label, bytes);
  }
}

function sameParts(a: readonly FramePart[], b: readonly FramePart[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
