// Who may do what in a channel, in Centrifugo's order (its channel permission checks for
// publish, presence, history and subscribe without a proxy). Pure functions of the channel
// options, the connection's user and whether it is subscribed.
import type { ChannelOptions, Config } from '../../config/index.ts';

export interface Actor {
  user: string;
  subscribed: boolean;
  insecure: boolean;
}

type Action = 'publish' | 'presence' | 'history';

/**
 * Client publish, presence and history without a proxy. An anonymous connection needs
 * allow_<action>_for_anonymous as well, subscribed or not. Subscribe asks with `subscribed`
 * true: it decides whether the subscription it is making may also position, recover or get
 * join/leave.
 */
export function allowed(action: Action, o: ChannelOptions, actor: Actor): boolean {
  if (actor.insecure) return true;
  const forClient = o[`allow_${action}_for_client`];
  const forSubscriber = o[`allow_${action}_for_subscriber`];
  const forAnonymous = o[`allow_${action}_for_anonymous`];
  if (actor.user === '' && !forAnonymous) return false;
  return forClient || (forSubscriber && actor.subscribed);
}

/** Subscribe without a subscription token. */
export function subscribeAllowed(
  channel: string,
  o: ChannelOptions,
  user: string,
  config: Config,
): boolean {
  const { private_prefix, user_boundary, user_separator } = config.channel;
  if (private_prefix !== '' && channel.startsWith(private_prefix)) return false;
  if (isUserLimited(channel, o, config)) {
    const users = channel.slice(channel.lastIndexOf(user_boundary) + user_boundary.length);
    const listed = user_separator === '' ? [users] : users.split(user_separator);
    return listed.includes(user) || config.client.insecure;
  }
  if (o.allow_subscribe_for_client && (user !== '' || o.allow_subscribe_for_anonymous)) return true;
  return config.client.insecure;
}

/** A user-limited channel (`#` names the users who may subscribe), where the namespace allows them. */
export function isUserLimited(channel: string, o: ChannelOptions, config: Config): boolean {
  const boundary = config.channel.user_boundary;
  return o.allow_user_limited_channels && boundary !== '' && channel.includes(boundary);
}

/**
 * The subscribe proxy decides this subscribe: the namespace enables it and the channel is
 * neither private (a token is needed) nor user-limited (its name decides).
 */
export function subscribeProxyDecides(channel: string, o: ChannelOptions, config: Config): boolean {
  const isPrivate =
    config.channel.private_prefix !== '' && channel.startsWith(config.channel.private_prefix);
  return o.subscribe_proxy_enabled && !isPrivate && !isUserLimited(channel, o, config);
}

/** The subscribe stream proxy decides this subscribe: as subscribeProxyDecides. */
export function streamProxyDecides(channel: string, o: ChannelOptions, config: Config): boolean {
  const isPrivate =
    config.channel.private_prefix !== '' && channel.startsWith(config.channel.private_prefix);
  return o.subscribe_stream_proxy_enabled && !isPrivate && !isUserLimited(channel, o, config);
}
