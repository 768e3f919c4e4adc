// Who is connected and subscribed on this node, and the local fan-out: one encode per
// event, the same bytes to every subscriber. The hub never calls the engine; the Node
// (node.ts) asks it whether a subscriber is a channel's first or last and keeps the
// broker's interest in step.
import type { ClientInfo, Publication, StreamPosition } from '../engine/index.ts';
import type {
  ConnectionFilter,
  ServerDisconnect,
  ServerRefresh,
  ServerSubscribe,
} from './connection-control.ts';
import type { Disconnect } from './disconnects.ts';
import { type FrameTap, UserTaps } from './frame-tap.ts';
import { PublicationPushes } from './publication-pushes.ts';
import { clientInfoMsg, EncodedPush } from './push-encoding.ts';

/** What the hub needs of a connection. */
export interface HubClient {
  readonly id: string;
  readonly user: string;
  /** '' for a connection whose transport has no sessions (a bidirectional WebSocket). */
  readonly sessionId: string;
  /** A publication of a channel it is subscribed to, with the pushes it may take. */
  onPublication(channel: string, publication: PublicationPushes): void;
  onJoinLeave(channel: string, push: EncodedPush): void;
  close(disconnect: Disconnect): void;
  serverSubscribe(request: ServerSubscribe): Promise<void>;
  serverUnsubscribe(channel: string): Promise<void>;
  serverRefresh(request: ServerRefresh): Promise<void>;
  /** Whether this connection tracks the channel's stream position. */
  isPositioned(channel: string): boolean;
  /** Compares the connection's position with the stream's top (see Node.checkPositions). */
  checkPosition(channel: string, top: StreamPosition): void;
  /** An admin trace of the connection's user (frame-tap.ts). */
  tap?: FrameTap | undefined;
  /**
   * Commands for this session that came another way than its own stream: an emulated
   * connection (SSE, HTTP streaming) posts them to the emulation endpoint of any node, and
   * Node.sendEmulation brings them here: the request's `data`, as sent.
   */
  receiveEmulated?(data: Uint8Array): void;
}

export interface HubCounts {
  numClients: number;
  numUsers: number;
  numSubs: number;
  numChannels: number;
}

export class Hub {
  private readonly clients = new Map<string, HubClient>();
  private readonly byUser = new Map<string, Set<HubClient>>();
  private readonly channels = new Map<string, Set<HubClient>>();
  /** Connections with a session (see HubClient.sessionId), by session. */
  private readonly sessions = new Map<string, HubClient>();
  /** Admin traces among a channel's subscribers (Node.addObserver), by channel. */
  private readonly observers = new Map<string, number>();
  /** Admin traces of users (frame-tap.ts). */
  readonly userTaps = new UserTaps();

  // --- connections --------------------------------------------------------------------

  add(client: HubClient): void {
    this.clients.set(client.id, client);
    let set = this.byUser.get(client.user);
    if (!set) {
      set = new Set();
      this.byUser.set(client.user, set);
    }
    set.add(client);
    if (client.sessionId !== '') this.sessions.set(client.sessionId, client);
    this.userTaps.attach(client);
  }

  remove(client: HubClient): void {
    if (!this.clients.delete(client.id)) return;
    if (this.sessions.get(client.sessionId) === client) this.sessions.delete(client.sessionId);
    const set = this.byUser.get(client.user);
    set?.delete(client);
    if (set?.size === 0) this.byUser.delete(client.user);
  }

  /** The connected connection holding this session, if it is on this node. */
  bySession(session: string): HubClient | undefined {
    return session === '' ? undefined : this.sessions.get(session);
  }

  userConnectionCount(user: string): number {
    return this.byUser.get(user)?.size ?? 0;
  }

  /** Closes every connection (node shutdown). */
  closeAll(disconnect: Disconnect): void {
    for (const client of [...this.clients.values()]) client.close(disconnect);
  }

  // --- subscriptions ------------------------------------------------------------------

  /** Adds a subscriber; true when it is the channel's first on this node. */
  addSub(channel: string, client: HubClient): boolean {
    let set = this.channels.get(channel);
    const first = set === undefined;
    if (!set) {
      set = new Set();
      this.channels.set(channel, set);
    }
    set.add(client);
    return first;
  }

  /** Removes a subscriber; true when it was the channel's last on this node. */
  removeSub(channel: string, client: HubClient): boolean {
    const set = this.channels.get(channel);
    if (!set?.delete(client) || set.size > 0) return false;
    this.channels.delete(channel);
    return true;
  }

  hasSubscribers(channel: string): boolean {
    return this.channels.has(channel);
  }

  counts(): HubCounts {
    let numSubs = 0;
    for (const set of this.channels.values()) numSubs += set.size;
    let numChannels = this.channels.size;
    // Admin traces are no subscribers, and a channel only they watch is no channel.
    for (const [channel, n] of this.observers) {
      numSubs -= n;
      if (this.channels.get(channel)?.size === n) numChannels--;
    }
    return {
      numClients: this.clients.size,
      numUsers: this.byUser.size,
      numSubs,
      numChannels,
    };
  }

  /** Channels with local subscribers and their subscriber counts (admin traces not counted). */
  channelCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [channel, set] of this.channels) {
      const n = set.size - (this.observers.get(channel) ?? 0);
      if (n > 0 || !this.observers.has(channel)) out.set(channel, n);
    }
    return out;
  }

  /** Counts an admin trace among the channel's subscribers (+1) or takes one out (-1). */
  countObserver(channel: string, delta: 1 | -1): void {
    const n = (this.observers.get(channel) ?? 0) + delta;
    if (n > 0) this.observers.set(channel, n);
    else this.observers.delete(channel);
  }

  /** Every connection, or the user's, or the channel's subscribers (admin views). */
  clientsOf(filter: {
    user?: string | undefined;
    channel?: string | undefined;
  }): Iterable<HubClient> {
    if (filter.user !== undefined) return this.byUser.get(filter.user) ?? [];
    if (filter.channel !== undefined) return this.channels.get(filter.channel) ?? [];
    return this.clients.values();
  }

  /** Channels with local subscribers, as a list that later changes do not touch. */
  channelList(): string[] {
    return [...this.channels.keys()];
  }

  /** The channel's subscribers that track its stream position. */
  positionedIn(channel: string): HubClient[] {
    const set = this.channels.get(channel);
    return set ? [...set].filter((c) => c.isPositioned(channel)) : [];
  }

  // --- fan-out ------------------------------------------------------------------------

  /**
   * Each subscriber picks its push (plain, whole or delta for delta subscribers) from one
   * PublicationPushes: every push, and the delta, is made at most once for the channel.
   */
  broadcastPublication(
    channel: string,
    pub: Publication,
    position: StreamPosition,
    prev?: Publication,
  ): void {
    const set = this.channels.get(channel);
    if (!set) return;
    const pushes = new PublicationPushes(channel, pub, position, prev);
    for (const client of set) client.onPublication(channel, pushes);
  }

  broadcastJoinLeave(channel: string, kind: 'join' | 'leave', info: ClientInfo): void {
    const set = this.channels.get(channel);
    if (!set) return;
    const push = new EncodedPush({ channel, [kind]: { info: clientInfoMsg(info) } });
    for (const client of set) client.onJoinLeave(channel, push);
  }

  // --- server API commands, applied to this node's connections -------------------------

  private matching(filter: ConnectionFilter): HubClient[] {
    const set = this.byUser.get(filter.user);
    if (!set) return [];
    // A session filter matches only connections that have that session: those of
    // transports without sessions have none, so they match only an empty filter.
    return [...set].filter(
      (c) =>
        (filter.client === '' || c.id === filter.client) &&
        (filter.session === '' || c.sessionId === filter.session),
    );
  }

  async subscribe(request: ServerSubscribe): Promise<void> {
    await Promise.all(this.matching(request).map((c) => c.serverSubscribe(request)));
  }

  async unsubscribe(request: ConnectionFilter & { channel: string }): Promise<void> {
    await Promise.all(this.matching(request).map((c) => c.serverUnsubscribe(request.channel)));
  }

  disconnect(request: ServerDisconnect): void {
    const keep = new Set(request.whitelist);
    for (const c of this.matching(request)) {
      if (!keep.has(c.id)) c.close({ code: request.code, reason: request.reason });
    }
  }

  async refresh(request: ServerRefresh): Promise<void> {
    await Promise.all(this.matching(request).map((c) => c.serverRefresh(request)));
  }
}
