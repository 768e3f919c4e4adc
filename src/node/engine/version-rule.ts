// The publish `version` rule every engine applies (Centrifugo v6.2+, PublishOptions.version):
// a channel with history remembers the version and version epoch of its last stored
// publication, and a publish whose version is not greater than that one, in the same epoch
// or with no epoch given, is dropped. The check belongs to the engine because only the
// engine can make it atomic with the append (memory: inside one synchronous publish; NATS:
// checked against the state the expected-last-sequence publish is conditioned on).
//
// Taken from Centrifugo's memory engine (centrifuge broker_memory.go historyHub.add and
// internal/memstream Stream.Add): every stored publication sets the channel's last
// version, a publication without one sets it back to 0 (which no later version is older
// than). Centrifugo's Redis engine differs there: broker_history_add_stream.lua writes the
// version only when one is given, so an unversioned publication keeps the last one. Both
// engines here follow the memory engine, which is what a single Centrifugo node does.
import type { PublishOptions } from './types.ts';

/** The version of a channel's last stored publication; 0 when it had none. */
export interface ChannelVersion {
  version: number;
  epoch: string;
}

export const NO_VERSION: ChannelVersion = { version: 0, epoch: '' };

type VersionOptions = Pick<PublishOptions, 'version' | 'versionEpoch'>;

/**
 * Whether a publish is outdated by the channel's last version and must be dropped: it has a
 * version (> 0), its epoch is empty or equals the last one's, and its version is not greater.
 * A publish with another epoch always passes (the epoch names a new sequence of versions).
 */
export function isOutdated(last: ChannelVersion, options: VersionOptions): boolean {
  const version = options.version ?? 0;
  if (version <= 0) return false;
  const epoch = options.versionEpoch ?? '';
  return (epoch === '' || epoch === last.epoch) && version <= last.version;
}

/** The channel's last version once a publication with these options is stored. */
export function versionAfter(options: VersionOptions): ChannelVersion {
  return { version: options.version ?? 0, epoch: options.versionEpoch ?? '' };
}
