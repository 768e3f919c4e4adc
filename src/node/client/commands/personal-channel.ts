// client.subscribe_to_user_personal_channel, as Centrifugo's connect handler does it: a
// connection whose credentials name a user (a token, not the user_id_http_header) is
// subscribed server-side to `<namespace><boundary><user boundary><user>` ("#42" without a
// namespace), with that channel's own options; with single_connection, the user's other
// connections, on any node, are closed first (3504) when presence shows one.
import { DisconnectError, Disconnects } from '../../core/index.ts';
import type { Connection } from '../connection.ts';

/** The user's personal channel, or undefined when the feature is off or the user anonymous. */
export function personalChannelOf(conn: Connection, user: string): string | undefined {
  const { config } = conn.ctx;
  const personal = config.client.subscribe_to_user_personal_channel;
  if (!personal.enabled || user === '') return undefined;
  const { namespace_boundary: boundary, user_boundary: userBoundary } = config.channel;
  const namespace = personal.personal_channel_namespace;
  return namespace === ''
    ? `${userBoundary}${user}`
    : `${namespace}${boundary}${userBoundary}${user}`;
}

/**
 * single_connection: presence in the personal channel (config checks keep presence on
 * there) tells whether the user is connected anywhere; if so, every other connection of
 * the user is disconnected with 3504 (connection limit: the SDK does not reconnect). A
 * failing presence read or control publish closes this connection with 3004.
 */
export async function closeOtherConnections(
  conn: Connection,
  user: string,
  channel: string,
): Promise<void> {
  const { ctx } = conn;
  if (!ctx.config.client.subscribe_to_user_personal_channel.single_connection) return;
  try {
    const stats = await ctx.node.presenceStats(channel);
    if (stats.numClients < 1) return;
    const { code, reason } = Disconnects.connectionLimit;
    await ctx.node.disconnectUser({
      user,
      client: '',
      session: '',
      code,
      reason,
      whitelist: [conn.id],
    });
  } catch (err) {
    ctx.logger.error(
      { err, client: conn.id, user, channel },
      'single connection: closing the other connections failed',
    );
    throw new DisconnectError(Disconnects.internal, 'single connection check failed');
  }
}
