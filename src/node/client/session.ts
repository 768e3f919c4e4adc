// One client connection: its state machine (connecting -> connected -> closed), its
// outgoing queue (coalesced into one frame per event-loop turn by the node's Outbox,
// bounded by client.queue_max_size), its timers (stale, ping/pong, expiry) and the dispatch
// of commands to the handlers in commands/, which see it through the Connection port.
// Transport-agnostic: a ClientTransport writes frames.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  type Disconnect,
  DisconnectError,
  Disconnects,
  EngineUnavailableError,
  type FrameTap,
  type PublicationPushes,
  type PushParts,
  type ServerRefresh,
  type ServerSubscribe,
  type StreamPosition,
  UnrecoverablePositionError,
  Unsubscribes,
} from '../core/index.ts';
import {
  type CommandMsg,
  type ConnectRequestMsg,
  decodeCommands,
  encodePush,
  encodeReply,
  type Format,
  type FramePart,
  JsonEncodeError,
  METHOD_FIELDS,
  PING,
  partSize,
} from '../protocol/index.ts';
import { ClientError, clientError } from './client-error.ts';
import { CONCURRENT_METHODS, CommandQueue } from './command-queue.ts';
import {
  handleHistory,
  handlePresence,
  handlePresenceStats,
  handlePublish,
} from './commands/channel.ts';
import { handleConnect, handleRefresh } from './commands/connect.ts';
import { refreshConnection } from './commands/refresh-proxy.ts';
import { handleRpc } from './commands/rpc.ts';
import {
  clientInfoOf,
  handleSubRefresh,
  handleSubscribe,
  handleUnsubscribe,
  removeSubscription,
  serverSideSubscribe,
} from './commands/subscribe.ts';
import type { Connection } from './connection.ts';
import type { ClientContext } from './context.ts';
import type { OutboxEntry } from './outbox.ts';
import type { Subscription } from './subscription.ts';
import {
  type ConnectFailure,
  connectFailure,
  unidirectionalDisconnect,
  unidirectionalPush,
} from './unidirectional.ts';

export interface ClientTransport {
  /** Centrifugo's transport name (`websocket`, `uni_sse`, `http_stream`, ...): metric labels. */
  readonly name: string;
  readonly format: Format;
  /**
   * The transport keeps the connection alive itself (WebSocket ping frames, asked for with
   * `cf_ws_frame_ping_pong=true`): the session then sends no protocol pings and tells the
   * client so in ConnectResult (no `ping`, no `pong`).
   */
  readonly pingsItself?: boolean;
  write(frame: string | Uint8Array): void;
  /** Bytes accepted by write() but not yet sent to the socket. */
  bufferedAmount(): number;
  close(code: number, reason: string): void;
  /** Headers of the HTTP request the connection came in by, for proxies that forward them. */
  readonly requestHeaders?: IncomingHttpHeaders;
  /**
   * The transport has sessions (Centrifugo gives one to unidirectional and emulated
   * transports, never to a bidirectional WebSocket): the connection then gets a session ID,
   * sent in ConnectResult.session, that server API commands may name.
   */
  readonly sessions?: boolean;
  /**
   * The user ID the connection request carried in the client.user_id_http_header header
   * ('' or absent: none). Connect uses it when there is no token and no anonymous access.
   */
  readonly requestUser?: string;
  /**
   * Unidirectional (uni_websocket, uni_sse, uni_http_stream, uni_grpc): the connect request
   * comes with the connection (connectUnidirectional) and nothing after it; every message
   * is a Push on its own (the connect result too), no pong is expected, and a failed
   * connect is a disconnect.
   */
  readonly unidirectional?: boolean;
  /**
   * An emulated bidirectional connection (sse, http_stream): commands come in through the
   * emulation endpoint (receiveEmulated) and ConnectResult.node names this node for them.
   */
  readonly emulation?: boolean;
  /**
   * Closing sends a disconnect push first (code 3000 excepted), as Centrifugo does on every
   * transport but the bidirectional WebSocket, whose close frame carries the code.
   */
  readonly pushesDisconnect?: boolean;
  /**
   * Stop and restart reading the client's messages (the socket's own flow control), for a
   * client sending commands faster than they run: MAX_QUEUED_COMMANDS.
   */
  pauseReading?(): void;
  resumeReading?(): void;
}

type State = 'connecting' | 'connected' | 'closed';

/** Closes that send no disconnect push: the connection let go (3000), a slow client (3008). */
const NO_DISCONNECT_PUSH = new Set([Disconnects.connectionClosed.code, Disconnects.slow.code]);

/** How long a connection whose connect failed stays open for its client to close it. */
const CLOSE_WAIT_MS = 5000;

/**
 * Commands an emulated connection may have waiting to run. Its client's requests are
 * answered once handed over, before the commands run (Centrifugo's answer waits for its
 * survey), so without a bound a client posting fast would queue commands without end;
 * past it the connection is closed with 3013 too many requests.
 */
export const MAX_QUEUED_EMULATED_COMMANDS = 1000;

/**
 * Commands a connection that can be paused (WebSocket) may have waiting to run before the
 * node stops reading it, until half of them have run. Centrifugo reads a connection's next
 * message only once the last is handled, so TCP holds a fast client back there; here ws
 * reads on, and without a bound a client could queue commands (and their memory) without
 * end. Counted in centrifugo_client_reads_paused_total.
 */
export const MAX_QUEUED_COMMANDS = 1000;

export class ClientSession implements Connection, OutboxEntry {
  readonly id = randomUUID();
  readonly ctx: ClientContext;
  readonly transport: ClientTransport;
  readonly format: Format;
  state: State = 'connecting';
  user = '';
  /** '' unless the transport has sessions (ClientTransport.sessions). */
  readonly sessionId: string;
  readonly requestUser: string;
  connInfo: Uint8Array | undefined;
  /** Unix seconds; 0 = the connection does not expire. */
  expireAt = 0;
  meta: Uint8Array | undefined;
  readonly requestHeaders: IncomingHttpHeaders | undefined;
  emulatedHeaders: Readonly<Record<string, string>> | undefined;
  readonly subs = new Map<string, Subscription>();
  /** Protocol ping period and pong wait; 0 when there are none (see pingsItself). */
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  /** Set while an admin traces this user (core/frame-tap.ts). */
  tap: FrameTap | undefined;
  readonly unidirectional: boolean;
  /** The metric label of the connection's transport. */
  readonly transportLabel: { transport: string };

  private pending: FramePart[] = [];
  private pendingBytes = 0;
  /** In the dirty list, waiting for this turn's flush. */
  private flushQueued = false;
  private readonly commands: CommandQueue;
  /** Client subscribes in flight, by channel (see trackSubscribing). */
  readonly subscribing = new Map<string, Promise<unknown>>();
  /** Commands decoded and not handled yet (bounded for emulated connections). */
  private queuedCommands = 0;
  /** Reading is paused (transport.pauseReading) until the queue is half empty. */
  private readingPaused = false;
  /**
   * Set after a connect answered with an error: Centrifugo stops reading such a connection,
   * waits CLOSE_WAIT_MS for the client to close it, then drops it without a close frame.
   */
  private ignoring = false;
  private staleTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private pongTimer: NodeJS.Timeout | undefined;
  private expireTimer: NodeJS.Timeout | undefined;
  private presenceTimer: NodeJS.Timeout | undefined;
  // Made when a proxy call first asks for it: most connections never do, and an abort
  // builds a DOMException per close (with ws's teardown, about 3% of a reconnect storm's
  // CPU, bench/results/2026-12-02-table.md).
  private closing: AbortController | undefined;

  constructor(ctx: ClientContext, transport: ClientTransport) {
    this.ctx = ctx;
    this.transport = transport;
    this.format = transport.format;
    this.sessionId = transport.sessions ? randomUUID() : '';
    this.requestUser = transport.requestUser ?? '';
    this.commands = new CommandQueue(ctx.config.client.concurrency);
    this.requestHeaders = transport.requestHeaders;
    this.unidirectional = transport.unidirectional === true;
    this.transportLabel = { transport: transport.name };
    this.pingIntervalMs = transport.pingsItself ? 0 : ctx.timings.pingIntervalMs;
    // A unidirectional client cannot answer: it gets pings (to see the stream alive), no pongs.
    this.pongTimeoutMs =
      transport.pingsItself || this.unidirectional ? 0 : ctx.timings.pongTimeoutMs;
    this.staleTimer = setTimeout(
      () => this.close(Disconnects.stale),
      ctx.timings.staleCloseDelayMs,
    );
  }

  get closedSignal(): AbortSignal {
    if (this.closing === undefined) {
      this.closing = new AbortController();
      if (this.state === 'closed') this.closing.abort();
    }
    return this.closing.signal;
  }

  /** A method, not a read of `state`: TypeScript keeps no narrowing across awaits then. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  // --- incoming ---------------------------------------------------------------------

  /**
   * One WebSocket message. Its commands are handled in order; an undecodable one closes the
   * connection with 3501 once those before it are answered, as Centrifugo does.
   */
  onFrame(frame: string | Uint8Array): void {
    if (this.state === 'closed' || this.ignoring) return;
    this.tap?.received(this, frame);
    const { metrics } = this.ctx;
    metrics.transportMessagesReceivedSize.inc(this.transportLabel, frame.length);
    const { commands, error } = decodeCommands(this.format, frame);
    metrics.transportMessagesReceived.inc(this.transportLabel, commands.length);
    if (
      this.transport.emulation &&
      this.queuedCommands + commands.length > MAX_QUEUED_EMULATED_COMMANDS
    ) {
      this.ctx.logger.info(
        { client: this.id, queued: this.queuedCommands },
        'emulated connection sent commands faster than they run',
      );
      this.close(Disconnects.tooManyRequests);
      return;
    }
    this.queuedCommands += commands.length;
    if (this.queuedCommands >= MAX_QUEUED_COMMANDS && !this.readingPaused) this.pauseReading();
    for (const command of commands as CommandMsg[]) {
      const method = METHOD_FIELDS.find((m) => command[m] !== undefined);
      // Connect runs alone, so what follows it starts once it is done; an id-0 command is a pong.
      const concurrent =
        (command.id ?? 0) > 0 &&
        CONCURRENT_METHODS.has(method ?? '') &&
        // Without an RPC handler (no rpc.ping, no RPC proxy) Centrifugo answers 108 at once, in
        // the queue.
        (method !== 'rpc' || this.ctx.config.rpc.ping.enabled || this.ctx.proxies.has('rpc'));
      this.commands.push(async () => {
        try {
          await this.handleCommand(command);
        } finally {
          this.queuedCommands -= 1;
          if (this.readingPaused && this.queuedCommands <= MAX_QUEUED_COMMANDS / 2) {
            this.readingPaused = false;
            this.transport.resumeReading?.();
          }
        }
      }, concurrent);
    }
    if (error) {
      this.commands.push(async () => {
        if (this.state === 'closed' || this.ignoring) return;
        this.ctx.logger.info({ client: this.id, reason: error.message }, 'bad frame');
        this.close(Disconnects.badRequest);
      }, false);
    }
  }

  private pauseReading(): void {
    if (!this.transport.pauseReading) return;
    this.readingPaused = true;
    this.transport.pauseReading();
    this.ctx.metrics.clientReadsPaused.inc({ transport: this.transport.name });
    this.ctx.logger.debug(
      { client: this.id, queued: this.queuedCommands },
      'connection sends commands faster than they run: reading paused',
    );
  }

  /**
   * The `data` of an emulation request for this session (Node.sendEmulation): for a JSON
   * connection the JSON string that holds its commands (anything else is dropped, as
   * Centrifugo drops it), for a Protobuf one the commands' frame itself.
   */
  receiveEmulated(data: Uint8Array): void {
    if (this.format === 'protobuf') {
      this.onFrame(data);
      return;
    }
    let frame: unknown;
    try {
      frame = JSON.parse(Buffer.from(data).toString('utf8'));
    } catch {
      frame = undefined;
    }
    if (typeof frame !== 'string') {
      this.ctx.logger.info({ client: this.id }, 'emulation request data is not a JSON string');
      return;
    }
    this.onFrame(frame);
  }

  /**
   * The connect of a unidirectional connection: its request came with the connection. A
   * failure closes it with a disconnect (Centrifugo's mapping of connect error codes, then
   * client.connect_code_to_unidirectional_disconnect); with `answerFailure` the failure is
   * returned instead and the connection dropped silently, for a transport that answers it
   * itself (connect_code_to_http_response).
   */
  async connectUnidirectional(
    req: ConnectRequestMsg,
    answerFailure = false,
  ): Promise<ConnectFailure | undefined> {
    if (this.state !== 'connecting') return undefined;
    this.tap?.received(this, JSON.stringify({ connect: req }));
    try {
      const result = await handleConnect(this, req);
      if (this.isClosed()) return undefined;
      this.state = 'connected';
      clearTimeout(this.staleTimer);
      this.reply({ connect: result });
      this.schedulePing(true);
      this.scheduleExpiry();
      for (const sub of this.subs.values()) sub.goLive();
      return undefined;
    } catch (err) {
      if (this.isClosed()) return undefined;
      if (answerFailure) {
        this.close(Disconnects.connectionClosed, false);
        return connectFailure(err);
      }
      const disconnect = unidirectionalDisconnect(
        err,
        this.ctx.config.client.connect_code_to_unidirectional_disconnect,
      );
      if (!(err instanceof DisconnectError || err instanceof ClientError)) {
        this.ctx.logger.error({ err, client: this.id }, 'unidirectional connect failed');
      }
      this.close(disconnect);
      return undefined;
    }
  }

  private async handleCommand(cmd: CommandMsg): Promise<void> {
    if (this.state === 'closed' || this.ignoring) return;
    const id = cmd.id ?? 0;
    const method = METHOD_FIELDS.find((m) => cmd[m] !== undefined);
    try {
      // Centrifugo's order: anything but connect before connect is 3501; then any command
      // with id 0 except send is a pong (3501 when no ping awaits one), whatever it holds.
      if (this.state !== 'connected' && method !== 'connect') {
        throw new DisconnectError(Disconnects.badRequest, `${method ?? 'pong'} before connect`);
      }
      if (id === 0 && method !== 'send') {
        this.onPong();
        return;
      }
      if (method === undefined) {
        throw new DisconnectError(Disconnects.badRequest, 'command without method');
      }
      if (method === 'send') {
        // Centrifugo registers no message handler for asynchronous sends.
        throw new DisconnectError(Disconnects.notAvailable, 'send is not available');
      }
      if (method === 'connect') {
        if (this.state !== 'connecting')
          throw new DisconnectError(Disconnects.badRequest, 'second connect');
        await this.runConnect(id, cmd);
        return;
      }
      const done = this.ctx.metrics.clientCommandDuration.startTimer({ method });
      let result: unknown;
      try {
        result = await this.dispatch(method, cmd);
      } finally {
        done();
      }
      this.reply({ id, [method]: result });
      if (method === 'subscribe') {
        // Publications that arrived while the subscription was set up follow its reply.
        this.subs.get(cmd.subscribe?.channel ?? '')?.goLive();
      }
    } catch (err) {
      this.fail(id, method ?? '', err);
    }
  }

  private async runConnect(id: number, cmd: CommandMsg): Promise<void> {
    try {
      const result = await handleConnect(this, cmd.connect ?? {});
      if (this.state === 'closed') return;
      this.state = 'connected';
      clearTimeout(this.staleTimer);
      // An emulated connection names its node: its client posts commands for it there.
      this.reply({
        id,
        connect: this.transport.emulation ? { ...result, node: this.ctx.node.uid } : result,
      });
      this.schedulePing(true);
      this.schedulePresenceUpdate(true);
      this.scheduleExpiry();
      for (const sub of this.subs.values()) sub.goLive();
    } catch (err) {
      if (!(err instanceof DisconnectError)) {
        this.ignoring = true;
        clearTimeout(this.staleTimer);
        this.staleTimer = setTimeout(
          () => this.close(Disconnects.connectionClosed, false),
          CLOSE_WAIT_MS,
        );
      }
      throw err;
    }
  }

  private dispatch(method: (typeof METHOD_FIELDS)[number], cmd: CommandMsg): Promise<unknown> {
    switch (method) {
      case 'subscribe':
        return this.trackSubscribing(
          cmd.subscribe?.channel ?? '',
          handleSubscribe(this, cmd.subscribe ?? {}),
        );
      case 'unsubscribe':
        return this.afterSubscribing(cmd.unsubscribe?.channel ?? '', () =>
          handleUnsubscribe(this, cmd.unsubscribe ?? {}),
        );
      case 'publish':
        return handlePublish(this, cmd.publish ?? {});
      case 'presence':
        return handlePresence(this, cmd.presence ?? {});
      case 'presence_stats':
        return handlePresenceStats(this, cmd.presence_stats ?? {});
      case 'history':
        return handleHistory(this, cmd.history ?? {});
      case 'refresh':
        return handleRefresh(this, cmd.refresh ?? {});
      case 'sub_refresh':
        return handleSubRefresh(this, cmd.sub_refresh ?? {});
      case 'rpc':
        return handleRpc(this, cmd.rpc ?? {});
      default:
        // A Command carrying `ping` is a v1 leftover; v2 pings are empty frames.
        throw new DisconnectError(Disconnects.badRequest, `unexpected ${method}`);
    }
  }

  /**
   * Remembers a client subscribe until it settles (client.concurrency lets others run
   * meanwhile): a second subscribe to the channel is 105 and counts against
   * client.channel_limit while it runs, as in Centrifugo. Only the first of a channel is kept
   * (a duplicate fails at once, leaving the first's entry).
   */
  private trackSubscribing<T>(channel: string, subscribing: Promise<T>): Promise<T> {
    if (channel === '' || this.subscribing.has(channel)) return subscribing;
    this.subscribing.set(channel, subscribing);
    const forget = () => {
      if (this.subscribing.get(channel) === subscribing) this.subscribing.delete(channel);
    };
    subscribing.then(forget, forget);
    return subscribing;
  }

  /** An unsubscribe waits for a subscribe of the same channel in flight, as in Centrifugo. */
  private async afterSubscribing<T>(channel: string, run: () => Promise<T>): Promise<T> {
    await this.subscribing.get(channel)?.catch(() => undefined);
    return run();
  }

  subscriptionCount(): number {
    let count = this.subs.size;
    for (const channel of this.subscribing.keys()) if (!this.subs.has(channel)) count++;
    return count;
  }

  private fail(id: number, method: string, err: unknown): void {
    if (err instanceof DisconnectError) {
      this.ctx.logger.info(
        { client: this.id, user: this.user, code: err.disconnect.code, reason: err.message },
        'closing client connection',
      );
      this.close(err.disconnect);
      return;
    }
    let error: ClientError;
    if (err instanceof ClientError) error = err;
    else if (err instanceof UnrecoverablePositionError)
      error = clientError('unrecoverablePosition');
    // The engine reports its backend's failures itself, once per outage with counts.
    else if (err instanceof EngineUnavailableError) error = clientError('internal');
    else {
      this.ctx.logger.error({ err, client: this.id }, 'client command failed');
      error = clientError('internal');
    }
    this.ctx.metrics.clientReplyErrors.inc({ method, code: String(error.shape.code) });
    this.reply({ id, error: error.shape });
  }

  // --- outgoing ---------------------------------------------------------------------

  reply(reply: Record<string, unknown>): void {
    let part: FramePart;
    try {
      // Unidirectional: a Push alone, the connect result as a connect push.
      if (this.unidirectional) part = encodePush(this.format, unidirectionalPush(reply));
      else part = encodeReply(this.format, reply);
    } catch (err) {
      if (!(err instanceof JsonEncodeError)) throw err;
      this.closeInappropriate(err.message);
      return;
    }
    this.enqueue(part);
  }

  /** A push shared by many connections, encoded once per format. */
  enqueuePush(push: PushParts): void {
    const part = push.part(this.format, this.unidirectional);
    if (part === undefined) this.closeInappropriate('a push whose data is not JSON');
    else this.enqueue(part);
  }

  /** Data a JSON connection cannot carry (not JSON): closed 3506, as Centrifugo does. */
  private closeInappropriate(why: string): void {
    this.ctx.logger.info(
      { client: this.id, user: this.user, reason: why },
      'inappropriate protocol',
    );
    this.close(Disconnects.inappropriateProtocol);
  }

  push(push: Record<string, unknown>): void {
    this.reply({ push });
  }

  enqueue(part: FramePart): void {
    if (this.state === 'closed') return;
    this.tap?.sent(this, part);
    this.pending.push(part);
    this.pendingBytes += partSize(part);
    if (
      this.pendingBytes + this.transport.bufferedAmount() >
      this.ctx.config.client.queue_max_size
    ) {
      this.ctx.logger.info({ client: this.id, user: this.user }, 'slow client: queue full');
      this.pending = [];
      this.pendingBytes = 0;
      this.close(Disconnects.slow);
      return;
    }
    if (!this.flushQueued) {
      this.flushQueued = true;
      this.ctx.outbox.queue(this);
    }
  }

  /** The queued parts, emptying the queue; undefined when there is nothing to write. */
  takePending(): FramePart[] | undefined {
    this.flushQueued = false;
    if (this.pending.length === 0 || this.state === 'closed') return undefined;
    const parts = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    return parts;
  }

  write(frame: string | Uint8Array): void {
    this.transport.write(frame);
  }

  // --- broker events (from the hub) ---------------------------------------------------

  onPublication(channel: string, publication: PublicationPushes) {
    this.subs.get(channel)?.onPublication(publication);
  }

  onJoinLeave(channel: string, push: PushParts): void {
    this.subs.get(channel)?.onJoinLeave(push);
  }

  /** Positioned subscription lost its place: resubscribe (client side) or reconnect. */
  insufficientState(sub: Subscription): void {
    this.ctx.logger.info({ client: this.id, channel: sub.channel }, 'insufficient state');
    if (sub.serverSide) {
      this.close(Disconnects.insufficientState);
      return;
    }
    void removeSubscription(this, sub.channel).catch((err: unknown) => {
      this.ctx.logger.error({ err, channel: sub.channel }, 'removing subscription failed');
    });
    this.push({ channel: sub.channel, unsubscribe: Unsubscribes.insufficientState });
  }

  get positionMaxTimeLagMs(): number {
    return this.ctx.timings.positionMaxTimeLagMs;
  }

  isPositioned(channel: string): boolean {
    return this.subs.get(channel)?.isPositioned() === true;
  }

  checkPosition(channel: string, top: StreamPosition): void {
    this.subs.get(channel)?.checkPosition(top);
  }

  // --- server API ---------------------------------------------------------------------

  async serverSubscribe(request: ServerSubscribe): Promise<void> {
    if (this.state !== 'connected') return;
    await serverSideSubscribe(this, request);
  }

  /**
   * As Centrifugo's Client.Unsubscribe: a named channel gets its unsubscribe push whether or
   * not the connection was in it (the client may be subscribing right now).
   */
  async serverUnsubscribe(channel: string): Promise<void> {
    if (this.state === 'closed') return;
    const channels = channel === '' ? [...this.subs.keys()] : [channel];
    for (const ch of channels) {
      // The subscription is gone once removeSubscription returns its promise (the rest is
      // broker and presence clean-up): the push goes out then, before anything a later
      // server command does (a disconnect right after, in one batch).
      const removed = this.subs.has(ch) ? removeSubscription(this, ch) : undefined;
      this.push({ channel: ch, unsubscribe: Unsubscribes.server });
      await removed;
    }
  }

  async serverRefresh(request: ServerRefresh): Promise<void> {
    // An expiry already past is the same as `expired`: closed, no refresh push first.
    const past = request.expireAt > 0 && request.expireAt <= Math.floor(Date.now() / 1000);
    if (request.expired || past) {
      this.close(Disconnects.expired);
      return;
    }
    if (request.info.length > 0) this.connInfo = request.info;
    this.expireAt = request.expireAt;
    this.scheduleExpiry();
    const ttl = this.ttlSeconds();
    this.push({ refresh: { expires: this.expireAt > 0, ttl } });
  }

  // --- timers -------------------------------------------------------------------------

  ttlSeconds(): number {
    return this.expireAt > 0 ? Math.max(0, this.expireAt - Math.floor(Date.now() / 1000)) : 0;
  }

  scheduleExpiry(): void {
    clearTimeout(this.expireTimer);
    if (this.expireAt === 0 || this.state === 'closed') return;
    const refresh = this.ctx.proxies.refresh;
    if (refresh !== undefined) {
      // Server-side refresh: the backend is asked at the expiry itself, no grace delay.
      this.expireTimer = setTimeout(
        () => {
          void refreshConnection(this, refresh).catch((err: unknown) => {
            this.ctx.logger.error({ err, client: this.id }, 'refreshing connection failed');
            this.close(Disconnects.internal);
          });
        },
        Math.max(0, this.expireAt * 1000 - Date.now()),
      );
      return;
    }
    const due = this.expireAt * 1000 - Date.now() + this.ctx.timings.expiredCloseDelayMs;
    this.expireTimer = setTimeout(
      () => {
        if (this.expireAt > 0 && this.expireAt * 1000 <= Date.now())
          this.close(Disconnects.expired);
        else this.scheduleExpiry();
      },
      Math.max(0, due),
    );
  }

  private schedulePing(first = false): void {
    const interval = this.pingIntervalMs;
    if (interval <= 0 || this.state === 'closed') return;
    // The first ping is spread over [interval/2, interval) so reconnect storms do not sync up.
    const delay = first ? interval / 2 + Math.random() * (interval / 2) : interval;
    this.pingTimer = setTimeout(() => this.sendPing(), delay);
  }

  private sendPing(): void {
    if (this.state === 'closed') return;
    this.enqueue(PING[this.format]);
    if (!this.pongTimer && this.pongTimeoutMs > 0) {
      this.pongTimer = setTimeout(() => this.close(Disconnects.noPong), this.pongTimeoutMs);
    }
    this.schedulePing();
  }

  /**
   * Every client.presence_update_interval (the first after a random part of it, so that
   * reconnecting clients spread out), the connection adds its presence again in each channel
   * that keeps presence, with what it knows now: a refresh's connection info or a
   * sub_refresh's channel info shows in presence from then on, as in Centrifugo. An entry
   * whose info did not change is not written again: memory entries do not expire, and an
   * engine whose entries do (NATS) keeps this node's alive on its own, at a third of its
   * presence_ttl, so rewriting it would only double that engine's writes.
   */
  private schedulePresenceUpdate(first = false): void {
    const interval = this.ctx.timings.presenceUpdateIntervalMs;
    if (this.state === 'closed') return;
    const delay = first ? interval / 2 + Math.random() * (interval / 2) : interval;
    this.presenceTimer = setTimeout(() => void this.updatePresence(), delay);
  }

  private async updatePresence(): Promise<void> {
    const { node, logger } = this.ctx;
    for (const sub of [...this.subs.values()]) {
      if (this.state === 'closed') return;
      if (!sub.presence || !sub.live || this.subs.get(sub.channel) !== sub) continue;
      const info = clientInfoOf(this, sub);
      const was = sub.presenceInfo;
      if (was && was.connInfo === info.connInfo && was.chanInfo === info.chanInfo) continue;
      try {
        await node.addPresence(sub.channel, this.id, info);
        sub.presenceInfo = info;
        // Unsubscribed (or closed) while the write was on its way: its removal may have come
        // first, and an entry of nobody must not stay (NATS would keep refreshing it).
        if ((this.state as State) === 'closed' || !this.subs.has(sub.channel)) {
          if (!this.subscribing.has(sub.channel)) {
            await node.removePresence(sub.channel, this.id, this.user);
          }
        }
      } catch (err) {
        // The engine reports its backend's failures itself, once per outage with counts.
        if (!(err instanceof EngineUnavailableError)) {
          logger.warn({ err, client: this.id, channel: sub.channel }, 'presence update failed');
        }
      }
    }
    this.schedulePresenceUpdate();
  }

  private onPong(): void {
    if (this.state !== 'connected' || !this.pongTimer) {
      throw new DisconnectError(Disconnects.badRequest, 'unexpected pong');
    }
    clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
  }

  // --- closing ------------------------------------------------------------------------

  /** Flushes what is queued, closes with the code, then releases subscriptions. Idempotent. */
  close(disconnect: Disconnect, byServer = true): void {
    if (this.state === 'closed') return;
    this.tap?.closed(this, disconnect);
    if (byServer) {
      this.ctx.metrics.clientServerDisconnects.inc({ code: String(disconnect.code) });
    }
    // The disconnect push goes after what is queued, except to a client too slow to take
    // what it has (Centrifugo drops a slow client's queue, that push with it).
    if (this.transport.pushesDisconnect && !NO_DISCONNECT_PUSH.has(disconnect.code)) {
      const last = this.encodedDisconnect(disconnect);
      this.pending.push(last);
      this.pendingBytes += partSize(last);
    }
    if (this.pending.length > 0) this.ctx.outbox.flushOne(this);
    this.state = 'closed';
    for (const t of [
      this.staleTimer,
      this.pingTimer,
      this.pongTimer,
      this.expireTimer,
      this.presenceTimer,
    ]) {
      clearTimeout(t);
    }
    this.transport.close(disconnect.code, disconnect.reason);
    this.closing?.abort();
    void this.release();
  }

  /** The disconnect push, appended without the queue's checks (the connection is closing). */
  private encodedDisconnect(disconnect: Disconnect): FramePart {
    const push = { disconnect: { code: disconnect.code, reason: disconnect.reason } };
    const part = this.unidirectional
      ? encodePush(this.format, push)
      : encodeReply(this.format, { push });
    this.tap?.sent(this, part);
    return part;
  }

  /** The socket went away (or close() ran): forget subscriptions, presence and the hub entry. */
  onTransportClosed(): void {
    if (this.state !== 'closed') this.close(Disconnects.connectionClosed, false);
  }

  private async release(): Promise<void> {
    this.ctx.node.removeClient(this);
    for (const channel of [...this.subs.keys()]) {
      await removeSubscription(this, channel).catch((err: unknown) => {
        this.ctx.logger.error({ err, channel, client: this.id }, 'releasing subscription failed');
      });
    }
  }
}
