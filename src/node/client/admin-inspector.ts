// What the admin web UI reads of this node's connections (src/node/admin/): who is connected,
// by user or by channel, and live traces of one channel or one user. Read-only: acting on a
// connection (disconnect, unsubscribe) goes through the server API, as a backend's call would.
// Only this node's connections: a cluster-wide list would be a query to every node.
import type { FrameTap, Node, TappedSession } from '../core/index.ts';
import type { Format } from '../protocol/index.ts';
import { type ChannelEvent, ChannelObserver } from './channel-observer.ts';
import { frameText } from './frame-text.ts';
import { ClientSession } from './session.ts';

export interface ConnectionView {
  client: string;
  user: string;
  /** The client transport: this node serves WebSocket only. */
  transport: 'websocket';
  protocol: Format;
  /** Channels subscribed, sorted. */
  channels: string[];
  /** Unix seconds the connection expires at; 0 = never. */
  expire_at: number;
}

export interface ConnectionFilter {
  user?: string | undefined;
  channel?: string | undefined;
}

interface SessionEvent {
  client: string;
  user: string;
  protocol: Format;
}

export type TraceEvent =
  | ChannelEvent
  | (SessionEvent & { type: 'connected' })
  | (SessionEvent & { type: 'command' | 'reply'; bytes: number; frame: string })
  | (SessionEvent & { type: 'disconnected'; code: number; reason: string });

export class AdminInspector {
  private readonly node: Node;

  constructor(node: Node) {
    this.node = node;
  }

  /**
   * This node's connections of the user and subscribed to the channel (either may be absent),
   * sorted by user and id: at most `limit`, and how many matched.
   */
  connections(
    filter: ConnectionFilter,
    limit: number,
  ): { connections: ConnectionView[]; total: number } {
    const { user, channel } = filter;
    const found = this.clientSessions(filter).filter(
      (s) => user === undefined || channel === undefined || s.subs.has(channel),
    );
    found.sort((a, b) => (a.user === b.user ? cmp(a.id, b.id) : cmp(a.user, b.user)));
    return { connections: found.slice(0, limit).map(view), total: found.length };
  }

  /**
   * Traces a channel until the returned stop() is called: every publication, join and leave
   * this node receives for it (from any node of the cluster). Rejects when the broker cannot
   * subscribe to the channel.
   */
  async traceChannel(
    channel: string,
    onEvent: (event: TraceEvent) => void,
  ): Promise<() => Promise<void>> {
    const observer = new ChannelObserver(onEvent);
    await this.node.addObserver(channel, observer);
    let stopped: Promise<void> | undefined;
    return () => {
      stopped ??= this.node.removeObserver(channel, observer);
      return stopped;
    };
  }

  /** Traces the user's connections on this node (present and future) until stop(). */
  traceUser(user: string, onEvent: (event: TraceEvent) => void): () => void {
    const who = (s: TappedSession): SessionEvent => ({
      client: s.id,
      user: s.user,
      protocol: formatOf(s),
    });
    const tap: FrameTap = {
      attached: (s) => onEvent({ type: 'connected', ...who(s) }),
      received: (s, frame) =>
        onEvent({
          type: 'command',
          ...who(s),
          bytes: frame.length,
          frame: frameText(formatOf(s), frame, 'command'),
        }),
      sent: (s, part) =>
        onEvent({
          type: 'reply',
          ...who(s),
          bytes: part.length,
          frame: frameText(formatOf(s), part, 'reply'),
        }),
      closed: (s, d) =>
        onEvent({ type: 'disconnected', ...who(s), code: d.code, reason: d.reason }),
    };
    const sessions = () => this.clientSessions({ user });
    this.node.hub.userTaps.add(user, tap, sessions());
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      this.node.hub.userTaps.remove(user, tap, sessions());
    };
  }

  private clientSessions(filter: ConnectionFilter): ClientSession[] {
    return [...this.node.hub.clientsOf(filter)].filter((s) => s instanceof ClientSession);
  }
}

function view(s: ClientSession): ConnectionView {
  return {
    client: s.id,
    user: s.user,
    transport: 'websocket',
    protocol: s.format,
    channels: [...s.subs.keys()].sort(),
    expire_at: s.expireAt,
  };
}

// Every connection the hub holds for a user is a ClientSession; the hub itself knows them by
// their HubClient face only.
function formatOf(s: TappedSession): Format {
  return s instanceof ClientSession ? s.format : 'json';
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
