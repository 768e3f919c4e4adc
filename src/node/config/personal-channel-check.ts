// Centrifugo's startup checks of client.subscribe_to_user_personal_channel, in its order and
// wording: single_connection finds a user's other connections by presence in the personal
// channel, so that channel's options must keep presence; the namespace must exist.
import { ConfigError } from './errors.ts';
import type { Config } from './schema.ts';

const KEY = 'client.subscribe_to_user_personal_channel';

export function checkPersonalChannel(config: Config): void {
  const {
    enabled,
    personal_channel_namespace: namespace,
    single_connection: single,
  } = config.client.subscribe_to_user_personal_channel;
  // As in Centrifugo, single_connection is checked against the channels without namespace
  // whenever the feature is off or has no namespace, and a namespace is looked for even
  // when the feature is off.
  let found = false;
  if (!enabled || namespace === '') {
    found = true;
    if (single && !config.channel.without_namespace.presence) {
      throw new ConfigError(
        `config key "${KEY}.single_connection": presence must be enabled on top level to maintain single connection`,
        `${KEY}.single_connection`,
      );
    }
  }
  for (const ns of config.channel.namespaces) {
    if (ns.name !== namespace) continue;
    found = true;
    if (single && !ns.presence) {
      throw new ConfigError(
        `config key "${KEY}.single_connection": presence must be enabled for namespace ${ns.name} to maintain single connection`,
        `${KEY}.single_connection`,
      );
    }
  }
  if (!found) {
    throw new ConfigError(
      `config key "${KEY}.personal_channel_namespace": namespace for user personal channel not found: ${namespace}`,
      `${KEY}.personal_channel_namespace`,
    );
  }
}
