// One uni_grpc stream of a case: a Consume call of CentrifugoUniStream with the connect
// request a case gives (encoded by protobufjs from Centrifugo's own unistream.proto, or its
// bytes exactly), and a record of every Push the server streams, decoded by that same file
// (unknown field numbers reported), and of the gRPC status it ended with, if it ended
// before the case did. @grpc/grpc-js is the client: no code of this node is on that side.
// The call is made as a bidirectional one, which is the same on the wire (HEADERS, DATA,
// END_STREAM): so a case can also send no request, two, or keep its side open.
import {
  Client,
  type ClientDuplexStream,
  credentials,
  Metadata,
  type StatusObject,
} from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { decodeMessage, encodeMessage, type Json } from './proto.ts';

export const UNISTREAM_PACKAGE = 'centrifugal.centrifugo.unistream';
const CONSUME = `/${UNISTREAM_PACKAGE}.CentrifugoUniStream/Consume`;

/** Bounds: a stream the server never ends is read this long at most, this many pushes. */
const STREAM_DEADLINE_MS = 20_000;
const MAX_PUSHES = 200;

export interface StreamRecord {
  /** Pushes in the order received, decoded (the same key as a WebSocket's record). */
  messages: Json[];
  /** How the server ended the stream; absent while it stayed open to the case's end. */
  status?: { code: number; details: string };
  /** More than MAX_PUSHES came: the rest were not kept. */
  truncated?: true;
}

export interface UniStreamCodec {
  request: protobuf.Type;
  push: protobuf.Type;
}

export interface ConsumeOptions {
  /** The ConnectRequest as JSON (`data` holds JSON, as toProtoObject writes bytes fields). */
  request?: Json;
  /** The request messages' bytes exactly (base64), instead of `request`: none, one, two. */
  b64?: string[];
  /** Do not half-close after the request (END_STREAM never sent by the client). */
  noHalfClose?: boolean;
  metadata?: Record<string, string>;
}

export class UniGrpcStream {
  readonly record: StreamRecord = { messages: [] };
  /** When this stream last received a push or ended (ms since epoch). */
  lastEventAt = Date.now();
  private call: ClientDuplexStream<Buffer, Buffer> | undefined;
  private ended: Promise<void> = Promise.resolve();
  /** Set when the case is over: the cancel the runner causes is not recorded. */
  private over = false;

  private readonly client: Client;
  private readonly codec: UniStreamCodec;

  constructor(client: Client, codec: UniStreamCodec) {
    this.client = client;
    this.codec = codec;
  }

  open(options: ConsumeOptions): void {
    const messages =
      options.b64 !== undefined
        ? options.b64.map((m) => Buffer.from(m, 'base64'))
        : [Buffer.from(encodeMessage(this.codec.request, options.request ?? {}))];
    const md = new Metadata();
    for (const [k, v] of Object.entries(options.metadata ?? {})) md.set(k, v);
    // Identity (de)serializers: the bytes go out as given, the pushes come back as sent.
    const call = this.client.makeBidiStreamRequest(
      CONSUME,
      (b: Buffer) => b,
      (b: Buffer) => b,
      md,
      { deadline: Date.now() + STREAM_DEADLINE_MS },
    );
    this.call = call;
    for (const m of messages) call.write(m);
    if (options.noHalfClose !== true) call.end();
    call.on('data', (push: Buffer) => {
      if (this.record.messages.length >= MAX_PUSHES) this.record.truncated = true;
      else this.record.messages.push(decodeMessage(this.codec.push, push));
      this.lastEventAt = Date.now();
    });
    // The status also arrives as an error for a non-OK code: 'status' alone records it.
    call.on('error', () => {});
    this.ended = new Promise((resolve) => {
      call.on('status', (status: StatusObject) => {
        if (!this.over) this.record.status = { code: status.code, details: status.details };
        this.lastEventAt = Date.now();
        resolve();
      });
    });
  }

  /** Waits for the server to end this stream, up to `ms`. */
  async waitClosed(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.ended, new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  }

  async terminate(): Promise<void> {
    this.over = true;
    this.call?.removeAllListeners('data');
    this.call?.cancel();
    await this.ended;
  }

  result(): StreamRecord {
    return this.record;
  }
}

/** One channel per server for every stream of a run's cases (grpc-js opens it lazily). */
export function uniGrpcClient(target: string): Client {
  return new Client(target, credentials.createInsecure());
}
