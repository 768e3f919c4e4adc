// Publication data mode reads the same fields from Kafka headers, NATS headers and Redis
// stream fields. Parsing is Go's, as Centrifugo's: a channel list split on commas, a boolean
// by strconv.ParseBool, a version by strconv.ParseUint; tags are the fields under a prefix.
import type { ConsumedPublication } from './dispatch.ts';

/** Names of the fields (headers) a publication's parts come from; '' reads nothing. */
export interface PublicationFieldNames {
  channels: string;
  idempotencyKey: string;
  delta: string;
  version: string;
  versionEpoch: string;
  tagsPrefix: string;
}

/** A field that cannot be parsed: Centrifugo logs it and skips the message. */
export class BadPublicationField extends Error {
  override name = 'BadPublicationField';
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/**
 * The channels and publication a message carries; channels is empty when the message names
 * none (skip it). `get` returns a field's value ('' when absent); `entries` lists all fields.
 */
export function publicationOf(
  names: PublicationFieldNames,
  data: Uint8Array,
  get: (name: string) => string,
  entries: () => Iterable<[string, string]>,
): { channels: string[]; publication: ConsumedPublication } {
  const field = (name: string) => (name === '' ? '' : get(name));
  const channelsText = field(names.channels);
  const channels = channelsText === '' ? [] : channelsText.split(',');
  const deltaText = field(names.delta);
  let delta = false;
  if (deltaText !== '') {
    if (TRUE.has(deltaText)) delta = true;
    else if (!FALSE.has(deltaText))
      throw new BadPublicationField(`error parsing ${names.delta} value ${deltaText}`);
  }
  const versionText = field(names.version);
  let version = 0;
  if (versionText !== '') {
    if (!/^\d+$/.test(versionText) || BigInt(versionText) >= 2n ** 64n)
      throw new BadPublicationField(`error parsing ${names.version} value ${versionText}`);
    version = Number(versionText);
  }
  let tags: Record<string, string> | undefined;
  if (names.tagsPrefix !== '') {
    for (const [key, value] of entries()) {
      if (!key.startsWith(names.tagsPrefix)) continue;
      tags ??= {};
      tags[key.slice(names.tagsPrefix.length)] = value;
    }
  }
  return {
    channels,
    publication: {
      data,
      idempotencyKey: field(names.idempotencyKey),
      delta,
      tags,
      version,
      versionEpoch: field(names.versionEpoch),
    },
  };
}

/** Kafka's and NATS's header names (publication_data_mode.*_header). */
export function headerNames(mode: {
  channels_header: string;
  idempotency_key_header: string;
  delta_header: string;
  version_header: string;
  version_epoch_header: string;
  tags_header_prefix: string;
}): PublicationFieldNames {
  return {
    channels: mode.channels_header,
    idempotencyKey: mode.idempotency_key_header,
    delta: mode.delta_header,
    version: mode.version_header,
    versionEpoch: mode.version_epoch_header,
    tagsPrefix: mode.tags_header_prefix,
  };
}
