// The one executor of server API commands. HTTP routes and the gRPC service both call
// it, so the two never drift: validation, error codes, metrics and the single log line
// of a failed command all happen here. It never throws; failures become reply errors.
import {
  type ClientInfo,
  compileGlob,
  decodeBase64Strict,
  EngineUnavailableError,
  type ErrorShape,
  Errors,
  errorShape,
  type Node,
  type Publication,
  publicationDataProblem,
  ReplyError,
  type ResolvedChannel,
  UnrecoverablePositionError,
} from '../core/index.ts';
import type { Logger, NodeMetrics } from '../observability/index.ts';
import type { BatchRequest, MethodName, PublishRequest, RequestOf } from './requests.ts';
import type {
  BatchReply,
  BatchResponse,
  ClientInfoResult,
  FieldViolation,
  PublicationResult,
  PublishResult,
  Response,
  ResultOf,
} from './results.ts';

export interface ApiContext {
  /** The node's coordinator: every engine call and every command to connections. */
  node: Node;
  metrics: NodeMetrics;
  logger: Logger;
}

type Handlers = { [M in MethodName]: (req: RequestOf[M]) => Promise<ResultOf[M]> };

const EMPTY = new Uint8Array(0);

export class ApiExecutor {
  private readonly handlers: Handlers;
  private readonly ctx: ApiContext;
  /** Metric label: `http` or `grpc`, as in Centrifugo. */
  private readonly protocol: string;

  constructor(ctx: ApiContext, protocol: string) {
    this.ctx = ctx;
    this.protocol = protocol;
    this.handlers = {
      publish: (r) => this.publish(r),
      broadcast: (r) => this.broadcast(r),
      subscribe: (r) => this.subscribe(r),
      unsubscribe: (r) => this.unsubscribe(r),
      disconnect: (r) => this.disconnect(r),
      presence: (r) => this.presenceOf(r.channel),
      presence_stats: (r) => this.presenceStats(r.channel),
      history: (r) => this.history(r),
      history_remove: (r) => this.historyRemove(r.channel),
      info: () => this.info(),
      rpc: (r) => this.rpc(r),
      refresh: (r) => this.refresh(r),
      channels: (r) => this.channelsOf(r.pattern),
      map_publish: (r) => this.withoutSubscriptionType('map', r.channel, r.key === '' && 'key'),
      map_remove: (r) => this.withoutSubscriptionType('map', r.channel, r.key === '' && 'key'),
      map_read_state: (r) => this.withoutSubscriptionType('map', r.channel),
      map_read_stream: (r) => this.withoutSubscriptionType('map', r.channel),
      map_stats: (r) => this.withoutSubscriptionType('map', r.channel),
      map_clear: (r) => this.withoutSubscriptionType('map', r.channel),
      shared_poll_publish: (r) =>
        this.withoutSubscriptionType(
          'shared_poll',
          r.channel,
          (r.key === '' && 'key') || (r.version === 0 && 'version'),
        ),
    };
  }

  /** The same node's executor for another transport: only the metric label differs. */
  forProtocol(protocol: string): ApiExecutor {
    return new ApiExecutor(this.ctx, protocol);
  }

  /** Runs one command; the response holds either its result or its error. */
  async call<M extends MethodName>(
    method: M,
    request: RequestOf[M],
  ): Promise<Response<ResultOf[M]>> {
    const done = this.ctx.metrics.startApiCommand(this.protocol, method);
    try {
      const handler = this.handlers[method] as (req: RequestOf[M]) => Promise<ResultOf[M]>;
      const result = await handler(request);
      done();
      return { result };
    } catch (err) {
      const error = this.toReplyError(err, method, request);
      done(error.code);
      if (err instanceof BadFieldError) return { error, violations: [err.violation()] };
      return { error };
    }
  }

  /** Runs a batch, sequentially or (with `parallel`) concurrently; replies keep command order. */
  async batch(request: BatchRequest): Promise<BatchResponse> {
    const run = async (cmd: BatchRequest['commands'][number]): Promise<BatchReply> => {
      if (cmd.method === undefined) {
        // A null command is a bad request; a command naming no known method is not found.
        const e = cmd.invalid ? Errors.badRequest : Errors.notFound;
        this.ctx.metrics.startApiCommand(this.protocol, 'unknown')(e.code);
        return { error: errorShape(e) };
      }
      const res = await this.call(cmd.method, cmd.request as never);
      return res.error ? { error: res.error } : { [cmd.method]: res.result };
    };
    if (request.commands.length === 0) return {};
    if (request.parallel) return { replies: await Promise.all(request.commands.map(run)) };
    const replies: BatchReply[] = [];
    for (const cmd of request.commands) replies.push(await run(cmd));
    return { replies };
  }

  private toReplyError(err: unknown, method: string, request: unknown): ErrorShape {
    const channel = (request as { channel?: unknown }).channel;
    if (err instanceof ReplyError) {
      this.ctx.logger.warn(
        { method, channel, code: err.code, reason: err.cause ?? err.message },
        'API command rejected',
      );
      return { code: err.code, message: errorShapeMessage(err.code) };
    }
    if (err instanceof UnrecoverablePositionError) {
      this.ctx.logger.warn({ method, channel, err: err.message }, 'API command rejected');
      return errorShape(Errors.unrecoverablePosition);
    }
    // The engine reports its backend's failures itself, once per outage with counts.
    if (err instanceof EngineUnavailableError) return errorShape(Errors.internal);
    this.ctx.logger.error({ method, channel, err }, 'API command failed');
    return errorShape(Errors.internal);
  }

  /**
   * Options of a channel the request names, or the reply error Centrifugo gives. The server
   * API takes channels of any length, as Centrifugo's: `channel.max_length` bounds only what
   * clients subscribe to.
   */
  private channelOf(channel: string): ResolvedChannel {
    if (channel === '') throw badField('channel', 'channel required');
    const resolved = this.ctx.node.rules.resolve(channel);
    if (!resolved) throw reject(Errors.unknownChannel, 'namespace not found');
    return resolved;
  }

  private async publish(req: PublishRequest): Promise<PublishResult> {
    if (req.channel === '') throw badField('channel', 'channel required');
    const data = payload(req.data, req.b64data, 'b64data');
    return this.publishInto(req.channel, data, req);
  }

  private async publishInto(
    channel: string,
    data: Uint8Array,
    req: RequestOf['broadcast'] | PublishRequest,
  ) {
    const ch = this.channelOf(channel);
    const problem = publicationDataProblem(data, ch.options.publication_data_format);
    if (problem) throw badField(req.b64data !== '' ? 'b64data' : 'data', problem);
    // An outdated `version` is answered like any publish, with the stream's current top.
    const position = await this.ctx.node.publish(channel, ch, data, {
      skipHistory: req.skip_history,
      tags: req.tags,
      idempotencyKey: req.idempotency_key,
      delta: req.delta || ch.options.delta_publish,
      version: req.version,
      versionEpoch: req.version_epoch,
    });
    return position.offset === 0 && position.epoch === ''
      ? {}
      : { offset: position.offset, epoch: position.epoch };
  }

  private async broadcast(req: RequestOf['broadcast']): Promise<ResultOf['broadcast']> {
    if (req.channels === undefined || req.channels.length === 0)
      throw badField('channels', 'channels required');
    const data = payload(req.data, req.b64data, 'b64data');
    // Every channel is its own publish: one failing channel does not fail the others.
    const responses = await Promise.all(
      req.channels.map(async (channel): Promise<Response<PublishResult>> => {
        try {
          if (channel === '') throw badField('channels', 'channel can not be blank in broadcast');
          return { result: await this.publishInto(channel, data, req) };
        } catch (err) {
          const error = this.toReplyError(err, 'broadcast_publish', { channel });
          this.ctx.metrics.apiCommandErrors.inc({
            protocol: this.protocol,
            method: 'broadcast_publish',
            error: String(error.code),
          });
          return { error };
        }
      }),
    );
    return { responses };
  }

  private async subscribe(req: RequestOf['subscribe']): Promise<ResultOf['subscribe']> {
    const ch = this.channelOf(req.channel);
    const o = req.override ?? {};
    // info becomes the subscriber's chan_info (presence, join/leave, publication info) and
    // data rides on the subscribe push; both as raw bytes, the b64 forms decoded first.
    const data = payload(req.data, req.b64data, 'b64data');
    const info = payload(req.info, req.b64info, 'b64info');
    await this.ctx.node.subscribeUser({
      user: req.user,
      client: req.client,
      session: req.session,
      channel: req.channel,
      info,
      data,
      expireAt: req.expire_at,
      recoverSince: req.recover_since,
      presence: o.presence?.value ?? ch.options.presence,
      joinLeave: o.join_leave?.value ?? ch.options.join_leave,
      pushJoinLeave: o.force_push_join_leave?.value ?? ch.options.force_push_join_leave,
      recovery: o.force_recovery?.value ?? ch.options.force_recovery,
      positioning: o.force_positioning?.value ?? ch.options.force_positioning,
    });
    return {};
  }

  private async unsubscribe(req: RequestOf['unsubscribe']): Promise<ResultOf['unsubscribe']> {
    // An empty channel means every channel of the user, as in Centrifugo.
    if (req.channel !== '') this.channelOf(req.channel);
    await this.ctx.node.unsubscribeUser(req);
    return {};
  }

  private async disconnect(req: RequestOf['disconnect']): Promise<ResultOf['disconnect']> {
    const d = req.disconnect ?? { code: 3503, reason: 'force disconnect' };
    await this.ctx.node.disconnectUser({
      user: req.user,
      client: req.client,
      session: req.session,
      whitelist: req.whitelist ?? [],
      code: d.code,
      reason: d.reason,
    });
    return {};
  }

  private async refresh(req: RequestOf['refresh']): Promise<ResultOf['refresh']> {
    await this.ctx.node.refreshUser({
      user: req.user,
      client: req.client,
      session: req.session,
      expired: req.expired,
      expireAt: req.expire_at,
      info: plainBytes(req.info),
    });
    return {};
  }

  private async presenceOf(channel: string): Promise<ResultOf['presence']> {
    const ch = this.channelOf(channel);
    if (!ch.options.presence) throw reject(Errors.notAvailable, 'presence not enabled for channel');
    const entries = await this.ctx.node.presence(channel);
    const presence: Record<string, ClientInfoResult> = {};
    for (const [clientId, info] of entries) presence[clientId] = clientInfoResult(info);
    return { presence };
  }

  private async presenceStats(channel: string): Promise<ResultOf['presence_stats']> {
    const ch = this.channelOf(channel);
    if (!ch.options.presence) throw reject(Errors.notAvailable, 'presence not enabled for channel');
    const stats = await this.ctx.node.presenceStats(channel);
    return { num_clients: stats.numClients, num_users: stats.numUsers };
  }

  private async history(req: RequestOf['history']): Promise<ResultOf['history']> {
    const ch = this.channelOf(req.channel);
    if (!ch.historyEnabled) {
      throw reject(
        Errors.notAvailable,
        'history not enabled for channel (history_size and history_ttl must both be set)',
      );
    }
    // Centrifugo answers 100 here (its node's 107 is not passed through); a request the
    // client got wrong is a 107 (README, Differences from Centrifugo).
    if (req.reverse && req.since && req.since.offset === 0) {
      throw badField('since.offset', 'reverse history needs a since offset above 0');
    }
    const res = await this.ctx.node.history(req.channel, ch, {
      limit: req.limit < 0 ? -1 : req.limit,
      since: req.since,
      reverse: req.reverse,
    });
    return {
      publications: res.publications.map(publicationResult),
      epoch: res.position.epoch,
      offset: res.position.offset,
    };
  }

  private async historyRemove(channel: string): Promise<ResultOf['history_remove']> {
    const ch = this.channelOf(channel);
    if (!ch.historyEnabled) {
      throw reject(
        Errors.notAvailable,
        'history not enabled for channel (history_size and history_ttl must both be set)',
      );
    }
    await this.ctx.node.removeHistory(channel);
    return {};
  }

  private async info(): Promise<ResultOf['info']> {
    const nodes = await this.ctx.node.nodes();
    return {
      nodes: nodes.map((n) => ({
        uid: n.uid,
        name: n.name,
        version: n.version,
        num_clients: n.numClients,
        num_users: n.numUsers,
        num_channels: n.numChannels,
        uptime: n.uptime,
        metrics: n.metrics,
        num_subs: n.numSubs,
      })),
    };
  }

  private async rpc(req: RequestOf['rpc']): Promise<ResultOf['rpc']> {
    if (req.method === '') throw badField('method', 'rpc method required');
    // Centrifugo OSS registers no server API RPC extensions.
    throw reject(Errors.notFound, `rpc method "${req.method}" not registered`);
  }

  /**
   * Map and shared-poll methods, until this server has those subscription types: answered as
   * Centrifugo v6.9.1 answers them on a namespace of another type. It checks the request's
   * required fields (107), then the namespace (102), then the namespace's subscription type
   * (107), so a client sees the same codes from both servers.
   */
  private async withoutSubscriptionType(
    type: 'map' | 'shared_poll',
    channel: string,
    missing: string | false = false,
  ): Promise<never> {
    if (channel === '') throw badField('channel', 'channel required');
    if (missing) throw badField(missing, `${missing} required`);
    if (!this.ctx.node.rules.resolve(channel))
      throw reject(Errors.unknownChannel, 'namespace not found');
    throw reject(
      Errors.badRequest,
      `the channel's namespace has no ${type} subscriptions (not supported yet)`,
    );
  }

  private async channelsOf(pattern: string): Promise<ResultOf['channels']> {
    let match: RegExp | undefined;
    if (pattern !== '') {
      try {
        match = compileGlob(pattern);
      } catch (err) {
        throw badField('pattern', `bad pattern: ${(err as Error).message}`);
      }
    }
    const channels: ResultOf['channels']['channels'] = {};
    for (const [name, numClients] of await this.ctx.node.channels()) {
      if (match === undefined || match.test(name)) channels[name] = { num_clients: numClients };
    }
    return { channels };
  }
}

function reject(e: ErrorShape, reason: string): ReplyError {
  return new ReplyError(e, { cause: reason });
}

/**
 * A 107 that names the request field at fault. The reply stays a plain 107 (as Centrifugo's);
 * the field and reason ride beside it so transport error mode can report them as details.
 */
class BadFieldError extends ReplyError {
  override name = 'BadFieldError';
  readonly field: string;
  constructor(field: string, reason: string) {
    super(Errors.badRequest, { cause: reason });
    this.field = field;
  }
  violation(): FieldViolation {
    return { field: this.field, description: String(this.cause) };
  }
}

function badField(field: string, reason: string): BadFieldError {
  return new BadFieldError(field, reason);
}

function errorShapeMessage(code: number): string {
  return Object.values(Errors).find((e) => e.code === code)?.message ?? Errors.internal.message;
}

/** The raw bytes of a payload, or its base64 form when given (as Centrifugo prefers b64*). */
function payload(raw: Uint8Array | undefined, b64: string, field: string): Uint8Array {
  if (b64 !== '') {
    const decoded = decodeBase64Strict(b64);
    if (!decoded) throw badField(field, `${field} is not valid base64`);
    return plainBytes(decoded);
  }
  return plainBytes(raw ?? EMPTY);
}

/**
 * A plain Uint8Array view of the bytes. A Buffer (what decoders and base64 give) carries
 * toJSON, which JSON.stringify calls before any replacer: control messages to connections
 * would then hold {type, data} instead of the bytes.
 */
function plainBytes(bytes: Uint8Array): Uint8Array {
  return Buffer.isBuffer(bytes)
    ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)
    : bytes;
}

function clientInfoResult(info: ClientInfo): ClientInfoResult {
  const out: ClientInfoResult = { user: info.user, client: info.client };
  if (info.connInfo && info.connInfo.length > 0) out.conn_info = info.connInfo;
  if (info.chanInfo && info.chanInfo.length > 0) out.chan_info = info.chanInfo;
  return out;
}

function publicationResult(pub: Publication): PublicationResult {
  const out: PublicationResult = {};
  if (pub.data.length > 0) out.data = pub.data;
  if (pub.info) out.info = clientInfoResult(pub.info);
  if (pub.offset > 0) out.offset = pub.offset;
  if (pub.tags && Object.keys(pub.tags).length > 0) out.tags = pub.tags;
  return out;
}
