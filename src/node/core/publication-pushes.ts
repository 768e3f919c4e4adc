// The pushes one publication can take on its way to a channel's subscribers, each made at
// most once per channel and format whoever asks (the hub hands the same object to every
// subscriber): the plain publication, and for delta subscribers (allowed_delta_types) the
// whole data or the Fossil delta from the previous publication, computed once.
import type { Publication, StreamPosition } from '../engine/index.ts';
import {
  type Format,
  type FramePart,
  jsonStringOf,
  type PublicationMsg,
} from '../protocol/index.ts';
import { type DeltaPayload, payloadOf } from './delta/delta-payload.ts';
import { createDelta } from './delta/fossil-delta.ts';
import { clientInfoMsg, EncodedPush, publicationMsg } from './push-encoding.ts';

/** A push as a connection of either format takes it (EncodedPush, or one per format). */
export interface PushParts {
  /**
   * undefined when this format cannot carry it (data that is not JSON, on JSON). A
   * unidirectional connection takes the Push alone, a bidirectional one inside a Reply.
   */
  part(format: Format, unidirectional?: boolean): FramePart | undefined;
}

/** One push for JSON connections and another for Protobuf ones. */
class PerFormat implements PushParts {
  private readonly json: PushParts;
  private readonly protobuf: PushParts;

  constructor(json: PushParts, protobuf: PushParts) {
    this.json = json;
    this.protobuf = protobuf;
  }

  part(format: Format, unidirectional = false): FramePart | undefined {
    const push = format === 'json' ? this.json : this.protobuf;
    return push.part(format, unidirectional);
  }
}

export class PublicationPushes {
  readonly channel: string;
  readonly pub: Publication;
  readonly position: StreamPosition;
  /** The channel's publication before this one, when the publish asked for delta. */
  private readonly prev: Publication | undefined;
  private plainPush: EncodedPush | undefined;
  private fullPush: PushParts | undefined;
  private deltaPush: EncodedPush | undefined;
  private patch: Uint8Array | undefined;

  constructor(
    channel: string,
    pub: Publication,
    position: StreamPosition,
    prev: Publication | undefined,
  ) {
    this.channel = channel;
    this.pub = pub;
    this.position = position;
    this.prev = prev;
  }

  /** For a subscriber without delta. */
  plain(): PushParts {
    this.plainPush ??= new EncodedPush({
      channel: this.channel,
      pub: publicationMsg(this.pub, this.position.epoch),
    });
    return this.plainPush;
  }

  /**
   * For a delta subscriber that holds no base to apply a delta to: the whole data. JSON
   * connections get it as a JSON string (the SDKs read delta subscriptions' data so, binary
   * data included) and, as from Centrifugo, without epoch and version; Protobuf ones get the
   * plain push.
   */
  full(): PushParts {
    this.fullPush ??= new PerFormat(
      new EncodedPush({
        channel: this.channel,
        pub: deltaPublicationMsg(this.pub, { data: this.pub.data, delta: false }, 'json'),
      }),
      this.plain(),
    );
    return this.fullPush;
  }

  /**
   * For a delta subscriber holding the previous publication: the delta from it when it is
   * shorter (and, on JSON, UTF-8: see payloadOf), else the whole data; both as Centrifugo
   * builds them, without epoch and version. Without a previous publication, full().
   */
  delta(): PushParts {
    const prev = this.prev;
    if (prev === undefined) return this.full();
    this.deltaPush ??= new EncodedPush((format) => {
      this.patch ??= createDelta(prev.data, this.pub.data);
      const payload = payloadOf(this.patch, this.pub.data, format === 'json');
      return { channel: this.channel, pub: deltaPublicationMsg(this.pub, payload, format) };
    });
    return this.deltaPush;
  }
}

/**
 * A publication as a delta subscription carries it (centrifuge hub.go getDeltaPub, client.go
 * makeRecoveredPubsDeltaFossil): data whole or a delta, JSON as a JSON string; offset, info
 * and tags kept, epoch and version not.
 */
export function deltaPublicationMsg(
  pub: Publication,
  payload: DeltaPayload,
  format: Format,
): PublicationMsg {
  return {
    data: format === 'json' ? jsonStringOf(payload.data) : payload.data,
    info: pub.info ? clientInfoMsg(pub.info) : undefined,
    offset: pub.offset,
    tags: pub.tags,
    delta: payload.delta || undefined,
  };
}
