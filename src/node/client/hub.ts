// Who is connected and subscribed on this node. The hub receives broker events and fans
// them out (one encode per event, shared bytes), keeps the broker subscribed to exactly the
// channels that have local subscribers, and answers the server API's connection commands.
import type {
  ConnectionControl,
  ConnectionFilter,
  Disconnect,
  ServerDisconnect,
  ServerRefresh,
  ServerSubscribe,
} from '../core/index.ts';
import type {
  Broker,
  BrokerEventHandler,
  ClientInfo,
  Publication,
  StreamPosition,
} from '../engine/index.ts';
import type { Logger } from '../observability/index.ts';
import { applyControl } from './control.ts';
import { clientInfoMsg, EncodedPush, publicationMsg } from './push-encoding.ts';

/** What the hub needs of a connection. */
export interface HubSession {
  readonly id: string;
  readonly user: string;
  readonly sessionId: string;
  onPublication(
    channel: string,
    pub: Publication,
    position: StreamPosition,
    push: EncodedPush,
  ): void;
  onJoinLeave(channel: string, push: EncodedPush): void;
  close(disconnect: Disconnect): void;
  serverSubscribe(request: ServerSubscribe): Promise<void>;
  serverUnsubscribe(channel: string): Promise<void>;
  serverRefresh(request: ServerRefresh): Promise<void>;
  /** Whether this session tracks the channel's stream position. */
  isPositioned(channel: string): boolean;
  /** Compares the session's position with the stream's top (see Hub.checkPositions). */
  checkPosition(channel: string, top: StreamPosition): void;
}

export class Hub implements BrokerEventHandler, ConnectionControl {
  private readonly sessions = new Map<string, HubSession>();
  private readonly byUser = new Map<string, Set<HubSession>>();
  private readonly channels = new Map<string, Set<HubSession>>();
  private readonly broker: Broker;
  private readonly logger: Logger;

  constructor(broker: Broker, logger: Logger) {
    this.broker = broker;
    this.logger = logger;
  }

  // --- connections --------------------------------------------------------------------

  add(session: HubSession): void {
    this.sessions.set(session.id, session);
    let set = this.byUser.get(session.user);
    if (!set) {
      set = new Set();
      this.byUser.set(session.user, set);
    }
    set.add(session);
  }

  remove(session: HubSession): void {
    if (!this.sessions.delete(session.id)) return;
    const set = this.byUser.get(session.user);
    set?.delete(session);
    if (set?.size === 0) this.byUser.delete(session.user);
  }

  userConnectionCount(user: string): number {
    return this.byUser.get(user)?.size ?? 0;
  }

  /** Subscribes the broker to a channel when its first local subscriber arrives. */
  async addSubscriber(channel: string, session: HubSession): Promise<void> {
    let set = this.channels.get(channel);
    if (!set) {
      set = new Set();
      this.channels.set(channel, set);
      try {
        await this.broker.subscribe(channel);
      } catch (err) {
        this.channels.delete(channel);
        throw err;
      }
    }
    set.add(session);
  }

  async removeSubscriber(channel: string, session: HubSession): Promise<void> {
    const set = this.channels.get(channel);
    if (!set?.delete(session) || set.size > 0) return;
    this.channels.delete(channel);
    await this.broker.unsubscribe(channel).catch((err: unknown) => {
      this.logger.error({ err, channel }, 'broker unsubscribe failed');
    });
  }

  counts(): { numClients: number; numUsers: number; numSubs: number; numChannels: number } {
    let numSubs = 0;
    for (const set of this.channels.values()) numSubs += set.size;
    return {
      numClients: this.sessions.size,
      numUsers: this.byUser.size,
      numSubs,
      numChannels: this.channels.size,
    };
  }

  /** Channels with local subscribers and their subscriber counts. */
  channelCounts(): Map<string, number> {
    return new Map([...this.channels].map(([ch, set]) => [ch, set.size]));
  }

  /** Closes every connection (node shutdown). */
  closeAll(disconnect: Disconnect): void {
    for (const session of [...this.sessions.values()]) session.close(disconnect);
  }

  /**
   * Fan-out is at most once: a publication lost between NATS and this node leaves a gap that
   * the next publication reveals, but not if none comes. So every
   * client.channel_position_check_delay the stream top of each positioned channel is read once
   * and handed to its sessions, which resubscribe (2500) or reconnect (3010) when behind.
   */
  async checkPositions(metaTtlMs: (channel: string) => number | undefined): Promise<void> {
    for (const [channel, set] of [...this.channels]) {
      const positioned = [...set].filter((s) => s.isPositioned(channel));
      const ttl = metaTtlMs(channel);
      if (positioned.length === 0 || ttl === undefined) continue;
      try {
        const { position } = await this.broker.history(channel, {
          filter: { limit: 0, reverse: false },
          metaTtlMs: ttl,
        });
        for (const s of positioned) s.checkPosition(channel, position);
      } catch (err) {
        this.logger.warn({ channel, err: (err as Error).message }, 'position check failed');
      }
    }
  }

  // --- broker events ------------------------------------------------------------------

  handlePublication(channel: string, pub: Publication, position: StreamPosition): void {
    const set = this.channels.get(channel);
    if (!set) return;
    const push = new EncodedPush({ channel, pub: publicationMsg(pub, position.epoch) });
    for (const session of set) session.onPublication(channel, pub, position, push);
  }

  handleJoin(channel: string, info: ClientInfo): void {
    this.joinLeave(channel, 'join', info);
  }

  handleLeave(channel: string, info: ClientInfo): void {
    this.joinLeave(channel, 'leave', info);
  }

  handleControl(data: Uint8Array): void {
    applyControl(this, data).catch((err: unknown) => {
      this.logger.error({ err }, 'control message failed');
    });
  }

  private joinLeave(channel: string, kind: 'join' | 'leave', info: ClientInfo): void {
    const set = this.channels.get(channel);
    if (!set) return;
    const push = new EncodedPush({ channel, [kind]: { info: clientInfoMsg(info) } });
    for (const session of set) session.onJoinLeave(channel, push);
  }

  // --- server API commands ------------------------------------------------------------

  private matching(filter: ConnectionFilter): HubSession[] {
    const set = this.byUser.get(filter.user);
    if (!set) return [];
    return [...set].filter(
      (s) =>
        (filter.client === '' || s.id === filter.client) &&
        (filter.session === '' || s.sessionId === filter.session),
    );
  }

  async subscribe(request: ServerSubscribe): Promise<void> {
    await Promise.all(this.matching(request).map((s) => s.serverSubscribe(request)));
  }

  async unsubscribe(request: ConnectionFilter & { channel: string }): Promise<void> {
    await Promise.all(this.matching(request).map((s) => s.serverUnsubscribe(request.channel)));
  }

  async disconnect(request: ServerDisconnect): Promise<void> {
    const keep = new Set(request.whitelist);
    for (const s of this.matching(request)) {
      if (!keep.has(s.id)) s.close({ code: request.code, reason: request.reason });
    }
  }

  async refresh(request: ServerRefresh): Promise<void> {
    await Promise.all(this.matching(request).map((s) => s.serverRefresh(request)));
  }
}
