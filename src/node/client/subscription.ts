// One subscription of one connection: its settings, its place in the channel's stream and
// the delivery of what the hub fans out to it. While it is being set up (between the
// subscribe and its reply) events wait in a buffer; goLive() sends them after the reply,
// so the client sees reply, recovered publications, then live ones, in order.
import {
  type FilterNode,
  matchesTagsFilter,
  type PublicationPushes,
  type PushParts,
  type ResolvedChannel,
  type StreamPosition,
} from '../core/index.ts';

/** What a subscription delivers to: its connection's outgoing queue. */
export interface SubscriptionSink {
  /**
   * Queues a push shared by many connections, encoded once per format (a connection whose
   * format cannot carry it, non-JSON data on JSON, is closed instead).
   */
  enqueuePush(push: PushParts): void;
  /** The subscription lost its place in the stream (a gap, another epoch). */
  insufficientState(sub: Subscription): void;
}

/** How a subscription was made and what it gets. */
export interface SubscriptionSettings {
  serverSide: boolean;
  /** Made from the connection token's `subs`/`channels` (a refresh token must keep them). */
  fromToken: boolean;
  recoverable: boolean;
  positioned: boolean;
  presence: boolean;
  /** Emit join/leave for this client. */
  joinLeave: boolean;
  /** Send join/leave pushes to this client. */
  pushJoinLeave: boolean;
  chanInfo: Uint8Array | undefined;
  /** Unix seconds; 0 = no expiry. */
  expireAt: number;
  /** Delta compression negotiated (the subscribe reply's `delta`): Fossil deltas. */
  delta: boolean;
  /** The subscriber's tags filter (`tf`): publications it refuses are not sent. */
  tagsFilter: FilterNode | undefined;
}

/** A publication or a join/leave push. */
type BufferedEvent = { publication: PublicationPushes } | { push: PushParts };

export class Subscription {
  readonly channel: string;
  readonly resolved: ResolvedChannel;
  readonly serverSide: boolean;
  readonly fromToken: boolean;
  readonly recoverable: boolean;
  readonly positioned: boolean;
  readonly presence: boolean;
  readonly joinLeave: boolean;
  readonly pushJoinLeave: boolean;
  readonly delta: boolean;
  readonly tagsFilter: FilterNode | undefined;
  /**
   * The client holds the data of the last publication it was sent (or recovered), so a
   * delta from it can be applied: false until the first one reaches a delta subscriber.
   */
  deltaReady = false;
  chanInfo: Uint8Array | undefined;
  expireAt: number;
  expireTimer: NodeJS.Timeout | undefined;
  /** The last publication the client has (positioned subscriptions). */
  offset = 0;
  epoch = '';
  /** Stream top seen by the last position check; still behind it at the next one = lost. */
  private checkTarget: StreamPosition | undefined;
  /** Events that arrived while the subscription was set up; undefined once live. */
  private buffer: BufferedEvent[] | undefined = [];
  private readonly sink: SubscriptionSink;

  constructor(
    channel: string,
    resolved: ResolvedChannel,
    settings: SubscriptionSettings,
    sink: SubscriptionSink,
  ) {
    this.channel = channel;
    this.resolved = resolved;
    this.serverSide = settings.serverSide;
    this.fromToken = settings.fromToken;
    this.recoverable = settings.recoverable;
    this.positioned = settings.positioned;
    this.presence = settings.presence;
    this.joinLeave = settings.joinLeave;
    this.pushJoinLeave = settings.pushJoinLeave;
    this.delta = settings.delta;
    this.tagsFilter = settings.tagsFilter;
    this.chanInfo = settings.chanInfo;
    this.expireAt = settings.expireAt;
    this.sink = sink;
  }

  /** Set up and answered: what waited in the buffer goes out now, later events at once. */
  get live(): boolean {
    return this.buffer === undefined;
  }

  onPublication(publication: PublicationPushes): void {
    if (this.buffer) this.buffer.push({ publication });
    else this.deliver(publication);
  }

  onJoinLeave(push: PushParts): void {
    if (this.buffer) this.buffer.push({ push });
    else if (this.pushJoinLeave) this.sink.enqueuePush(push);
  }

  /** Ends the set-up phase: what arrived meanwhile goes out now, in arrival order. */
  goLive(): void {
    const buffered = this.buffer;
    if (!buffered) return;
    this.buffer = undefined;
    for (const item of buffered) {
      if ('publication' in item) this.deliver(item.publication);
      else if (this.pushJoinLeave) this.sink.enqueuePush(item.push);
    }
  }

  /**
   * Sends a publication unless the client already has it (recovered, or seen before), in
   * Centrifugo's order (centrifuge client.go writePublication): the position moves first,
   * then a publication the tags filter refuses is dropped (a delta subscriber still gets
   * it: its deltas chain through every publication).
   */
  private deliver(publication: PublicationPushes): void {
    const { pub, position } = publication;
    const tracked = pub.offset > 0 && this.positioned;
    if (tracked) {
      // Subscribed before the stream had an epoch: the first publication brings it.
      if (this.epoch === '') this.epoch = position.epoch;
      const sameEpoch = position.epoch === this.epoch;
      if (sameEpoch && pub.offset <= this.offset) return;
      if (!sameEpoch || pub.offset > this.offset + 1) {
        // A gap or a new epoch: the client's position is no longer trustworthy.
        this.sink.insufficientState(this);
        return;
      }
      this.offset = pub.offset;
    }
    if (!this.delta) {
      if (this.tagsFilter && !matchesTagsFilter(this.tagsFilter, pub.tags)) return;
      this.sink.enqueuePush(publication.plain());
      return;
    }
    // A delta needs the previous publication of the stream on both sides: only a
    // positioned subscriber that has the last one gets it; everyone else the whole data.
    const push = tracked && this.deltaReady ? publication.delta() : publication.full();
    this.deltaReady = true;
    this.sink.enqueuePush(push);
  }

  /** Live and tracking the stream position: the position checks look at it. */
  isPositioned(): boolean {
    return this.positioned && this.live;
  }

  /** Behind the top seen at the previous check (a publication in flight gets one period). */
  checkPosition(top: StreamPosition): void {
    if (!this.isPositioned()) return;
    if (top.epoch !== this.epoch && top.epoch !== '') {
      this.sink.insufficientState(this);
      return;
    }
    const target = this.checkTarget;
    if (target && target.epoch === this.epoch && this.offset < target.offset) {
      this.sink.insufficientState(this);
      return;
    }
    this.checkTarget = top.offset > this.offset ? top : undefined;
  }

  stopExpiry(): void {
    clearTimeout(this.expireTimer);
  }
}
