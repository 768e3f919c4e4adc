// Admin traces of one user (src/node/admin/): a tap set on each of the user's connections
// sees every frame the connection reads and every reply or push it queues, as they pass. A
// connection without a trace pays one `undefined` check per frame read and per message
// queued.
import type { FramePart } from '../protocol/index.ts';
import type { Disconnect } from './disconnects.ts';

/** What a tap sees of a session (a ClientSession, or whatever else the hub holds). */
export interface TappedSession {
  readonly id: string;
  readonly user: string;
  /** Set while some admin traces this session's user; read on the session's hot path. */
  tap?: FrameTap | undefined;
}

export interface FrameTap {
  /** The session joined the hub (connected) while its user was traced. */
  attached(session: TappedSession): void;
  /** One frame read from the client, before decoding (it may hold several commands). */
  received(session: TappedSession, frame: string | Uint8Array): void;
  /** One reply or push queued for the client (the written frame may join several). */
  sent(session: TappedSession, part: FramePart): void;
  /** The session closed with this code. */
  closed(session: TappedSession, disconnect: Disconnect): void;
}

/**
 * The taps of traced users. A session holds at most one tap: with two traces of one user it
 * holds a tap that forwards to both. Owned by the hub, which attaches each session it adds.
 */
export class UserTaps {
  private readonly byUser = new Map<string, { taps: Set<FrameTap>; joint: FrameTap }>();

  /** Taps the user's present sessions and every later one, until remove(). */
  add(user: string, tap: FrameTap, sessions: Iterable<TappedSession>): void {
    let entry = this.byUser.get(user);
    if (!entry) {
      const taps = new Set<FrameTap>();
      entry = { taps, joint: jointTap(taps) };
      this.byUser.set(user, entry);
    }
    entry.taps.add(tap);
    for (const s of sessions) s.tap = entry.joint;
  }

  remove(user: string, tap: FrameTap, sessions: Iterable<TappedSession>): void {
    const entry = this.byUser.get(user);
    if (!entry?.taps.delete(tap) || entry.taps.size > 0) return;
    this.byUser.delete(user);
    for (const s of sessions) if (s.tap === entry.joint) s.tap = undefined;
  }

  /** A session joins the hub: tapped when its user is traced. */
  attach(session: TappedSession): void {
    const entry = this.byUser.get(session.user);
    if (!entry) return;
    session.tap = entry.joint;
    entry.joint.attached(session);
  }

  get size(): number {
    return this.byUser.size;
  }
}

function jointTap(taps: Set<FrameTap>): FrameTap {
  return {
    attached: (s) => {
      for (const t of taps) t.attached(s);
    },
    received: (s, frame) => {
      for (const t of taps) t.received(s, frame);
    },
    sent: (s, part) => {
      for (const t of taps) t.sent(s, part);
    },
    closed: (s, d) => {
      for (const t of taps) t.closed(s, d);
    },
  };
}
