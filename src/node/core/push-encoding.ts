// A push encoded at most once per format, however many subscribers receive it: the hot
// path of fan-out is one encode per channel and publication, then shared bytes.
import type { ClientInfo, Publication } from '../engine/index.ts';
import {
  type ClientInfoMsg,
  encodePush,
  encodeReply,
  type Format,
  type FramePart,
  JsonEncodeError,
  PreEncoded,
  type PublicationMsg,
} from '../protocol/index.ts';

type Push = Record<string, unknown>;

export class EncodedPush {
  /** The push, the same for both formats, or made per format (delta publications). */
  private readonly push: Push | ((format: Format) => Push);
  /** null: the push holds bytes that are not JSON, so no JSON frame can carry it. */
  private json: string | null | undefined;
  private protobuf: Uint8Array | undefined;
  /** The same as a bare Push, for unidirectional connections. */
  private uniJson: string | null | undefined;
  private uniProtobuf: Uint8Array | undefined;

  constructor(push: Push | ((format: Format) => Push)) {
    this.push = push;
  }

  /**
   * The encoded push; undefined when this format cannot carry it (non-JSON data, JSON). A
   * unidirectional connection gets the Push alone, a bidirectional one inside a Reply.
   */
  part(format: Format, unidirectional = false): FramePart | undefined {
    if (unidirectional) {
      if (format === 'protobuf') {
        this.uniProtobuf ??= encodePush('protobuf', this.pushFor('protobuf')) as Uint8Array;
        return this.uniProtobuf;
      }
      if (this.uniJson === undefined)
        this.uniJson = jsonOrNull(() => encodePush('json', this.pushFor('json')));
      return this.uniJson ?? undefined;
    }
    if (format === 'json') {
      if (this.json === undefined) {
        this.json = jsonOrNull(() => encodeReply('json', { push: this.pushFor('json') }));
      }
      return this.json ?? undefined;
    }
    this.protobuf ??= encodeReply('protobuf', { push: this.pushFor('protobuf') }) as Uint8Array;
    return this.protobuf;
  }

  private pushFor(format: Format): Push {
    return typeof this.push === 'function' ? this.push(format) : this.push;
  }
}

function jsonOrNull(encode: () => FramePart): string | null {
  try {
    return encode() as string;
  } catch (err) {
    if (!(err instanceof JsonEncodeError)) throw err;
    return null;
  }
}

export function clientInfoMsg(info: ClientInfo): ClientInfoMsg {
  return {
    user: info.user,
    client: info.client,
    conn_info: info.connInfo,
    chan_info: info.chanInfo,
  };
}

/**
 * A publication as clients receive it. The first publication of a stream (offset 1) carries
 * the stream's epoch, so a client learns it from the first push: Centrifugo sets it there
 * (its node stamps offset 1 on the way out), and its memory engine keeps it in history, so
 * history and recovery show it too. Later ones leave it out to save bytes. The publish's
 * version travels with it.
 */
export function publicationMsg(pub: Publication, epoch = ''): PublicationMsg {
  return {
    data: pub.data,
    info: pub.info ? clientInfoMsg(pub.info) : undefined,
    offset: pub.offset,
    tags: pub.tags,
    epoch: pub.offset === 1 ? epoch : undefined,
    version: pub.version,
  };
}

/**
 * Stored publications as recovery and history replies carry them, encoded once per
 * publication, epoch and format for every client that gets the same one (a reconnect storm:
 * thousands of replies with the same recovered publications). The Node holds one; entries
 * are keyed weakly by the engine's Publication, so they go when the stream lets it go.
 */
export class PublicationEncodings {
  private readonly byPublication = new WeakMap<Publication, { epoch: string; pre: PreEncoded }>();

  of(pub: Publication, epoch: string): PreEncoded {
    // Only a stream's first publication carries the epoch (publicationMsg).
    const shown = pub.offset === 1 ? epoch : '';
    const known = this.byPublication.get(pub);
    if (known !== undefined && known.epoch === shown) return known.pre;
    const pre = new PreEncoded(publicationMsg(pub, epoch));
    this.byPublication.set(pub, { epoch: shown, pre });
    return pre;
  }
}
