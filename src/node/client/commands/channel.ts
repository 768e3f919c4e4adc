// Client publish, presence, presence_stats and history, under the namespace's allow_*
// options (permissions.ts), checked in Centrifugo's order: unknown namespace (102), invalid
// name (107), then a disabled feature (108) or bad data (107), then permission (103).
import {
  clientInfoMsg,
  DisconnectError,
  Disconnects,
  publicationDataProblem,
} from '../../core/index.ts';
import type { StreamPositionMsg } from '../../protocol/index.ts';
import { type PublishResultMsg, publishRequest } from '../../proxy/index.ts';
import { clientError } from '../client-error.ts';
import type { Connection } from '../connection.ts';
import { allowed } from './permissions.ts';
import { answerPayload, askBackend, connectionRef } from './proxied.ts';
import { resolveClientChannel } from './shared.ts';

function channelOf(channel: string | undefined, what: string): string {
  if (!channel) throw new DisconnectError(Disconnects.badRequest, `${what} without channel`);
  return channel;
}

function actor(conn: Connection, channel: string) {
  return {
    user: conn.user,
    subscribed: conn.subs.has(channel),
    insecure: conn.ctx.config.client.insecure,
  };
}

/** PublishRequest.type 1: a map publish (or remove), which only a map namespace takes. */
const MAP_PUBLISH = 1;

export async function handlePublish(
  conn: Connection,
  req: { channel?: string; data?: Uint8Array; type?: number },
) {
  const channel = channelOf(req.channel, 'publish');
  const resolved = resolveClientChannel(conn, channel);
  // Every namespace here is a stream one, whose map options allow no client map publish.
  if (req.type === MAP_PUBLISH) throw clientError('permissionDenied', 'map publish not allowed');
  const data = req.data ?? new Uint8Array(0);
  const problem = publicationDataProblem(data, resolved.options.publication_data_format);
  if (problem) throw clientError('badRequest', problem);
  const sub = conn.subs.get(channel);
  const clientInfo = {
    user: conn.user,
    client: conn.id,
    connInfo: conn.connInfo,
    chanInfo: sub?.chanInfo,
  };
  if (resolved.options.publish_proxy_enabled) {
    const endpoint = conn.ctx.proxies.endpoint('publish', resolved.options.publish_proxy_name);
    if (endpoint === undefined) throw clientError('notAvailable');
    const request = publishRequest(endpoint, connectionRef(conn), { channel, data });
    const result = await askBackend<PublishResultMsg>(conn, endpoint, request);
    // The backend may replace the data (`data` wins over `b64data`, as in Centrifugo), skip
    // history, and give tags, an idempotency key, delta and version.
    const replaced =
      result?.data !== undefined
        ? result.data
        : answerPayload(undefined, result?.b64data, 'b64data');
    await conn.ctx.node.publish(channel, resolved, replaced ?? data, {
      clientInfo,
      skipHistory: result?.skip_history === true,
      tags: result?.tags,
      idempotencyKey: result?.idempotency_key,
      delta: result?.delta === true,
      version: result?.version,
      versionEpoch: result?.version_epoch,
    });
    return {};
  }
  if (resolved.options.subscribe_stream_proxy_enabled) {
    // A subscribe stream channel: publications go up the client's own bidirectional
    // stream, nowhere else (subscribe-stream.ts).
    const up = resolved.options.subscribe_stream_proxy_bidirectional
      ? sub?.stream?.publish
      : undefined;
    if (up === undefined) throw clientError('notAvailable');
    up(data);
    return {};
  }
  if (!allowed('publish', resolved.options, actor(conn, channel))) {
    throw clientError('permissionDenied');
  }
  // A client publish has no delta flag of its own: the namespace's delta_publish decides.
  await conn.ctx.node.publish(channel, resolved, data, {
    delta: resolved.options.delta_publish,
    clientInfo,
  });
  return {};
}

export async function handlePresence(conn: Connection, req: { channel?: string }) {
  const channel = channelOf(req.channel, 'presence');
  const resolved = resolveClientChannel(conn, channel);
  if (!resolved.options.presence) throw clientError('notAvailable');
  if (!allowed('presence', resolved.options, actor(conn, channel))) {
    throw clientError('permissionDenied');
  }
  const entries = await conn.ctx.node.presence(channel);
  const presence: Record<string, unknown> = {};
  for (const [clientId, info] of entries) presence[clientId] = clientInfoMsg(info);
  return { presence };
}

export async function handlePresenceStats(conn: Connection, req: { channel?: string }) {
  const channel = channelOf(req.channel, 'presence_stats');
  const resolved = resolveClientChannel(conn, channel);
  if (!resolved.options.presence) throw clientError('notAvailable');
  if (!allowed('presence', resolved.options, actor(conn, channel))) {
    throw clientError('permissionDenied');
  }
  const stats = await conn.ctx.node.presenceStats(channel);
  return { num_clients: stats.numClients, num_users: stats.numUsers };
}

export async function handleHistory(
  conn: Connection,
  req: { channel?: string; limit?: number; since?: StreamPositionMsg; reverse?: boolean },
) {
  const channel = channelOf(req.channel, 'history');
  const resolved = resolveClientChannel(conn, channel);
  if (!resolved.historyEnabled) throw clientError('notAvailable');
  if (!allowed('history', resolved.options, actor(conn, channel))) {
    throw clientError('permissionDenied');
  }
  const cap = conn.ctx.config.client.history_max_publication_limit;
  const asked = req.limit ?? 0;
  // -1 means "all", which clients get up to the cap; 0 asks for the position only.
  const limit = cap > 0 && (asked < 0 || asked > cap) ? cap : asked;
  const since = req.since
    ? { offset: req.since.offset ?? 0, epoch: req.since.epoch ?? '' }
    : undefined;
  if (req.reverse && since && since.offset === 0) throw clientError('badRequest');
  const res = await conn.ctx.node.history(channel, resolved, {
    limit,
    since,
    reverse: req.reverse === true,
  });
  return {
    publications: res.publications.map((pub) =>
      conn.ctx.node.publicationEncodings.of(pub, res.position.epoch),
    ),
    epoch: res.position.epoch,
    offset: res.position.offset,
  };
}
