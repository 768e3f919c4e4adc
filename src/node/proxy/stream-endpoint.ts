// The subscribe stream proxy: a subscription backed by a gRPC stream from the backend
// (SubscribeUnidirectional or, with subscribe_stream_proxy_bidirectional,
// SubscribeBidirectional). As Centrifugo runs it: the stream opens with the SubscribeRequest;
// the backend's first message must hold the SubscribeResponse and come within the proxy's
// timeout (else the subscribe fails with an internal error); every later message's
// Publication goes to this one subscriber; the stream ending (EOF) is a server unsubscribe,
// an error an insufficient-state one; in bidirectional mode the client's publications into
// the channel go up the stream. Closing the subscription cancels the stream.
import type { ClientDuplexStream, ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import type { GrpcMethod, GrpcProxyClient } from './grpc-client.ts';
import { type CallContext, ProxyEndpoint } from './proxy-endpoint.ts';
import { ProxyCallError } from './proxy-errors.ts';
import * as M from './proxy-messages.ts';
import { grpcMetadata } from './request-headers.ts';

const UNIDIRECTIONAL: GrpcMethod = {
  name: 'SubscribeUnidirectional',
  request: M.SubscribeRequest,
  response: M.StreamSubscribeResponse,
};
const BIDIRECTIONAL: GrpcMethod = {
  name: 'SubscribeBidirectional',
  request: M.StreamSubscribeRequest,
  response: M.StreamSubscribeResponse,
};

type Obj = Record<string, unknown>;

/** What the stream delivers after its first answer. */
export interface StreamEvents {
  publication(pub: M.PublicationMsg): void;
  /** The stream ended: `eof` when the backend closed it, false on an error. */
  ended(eof: boolean): void;
}

export interface OpenStream {
  /** The backend's SubscribeResponse (result, error or disconnect). */
  response: M.ProxyResponse<M.SubscribeResultMsg>;
  /** Bidirectional streams: a client publication, sent up the stream. */
  publish: ((data: Uint8Array) => void) | undefined;
  /** Cancels the stream; no events follow. */
  close(): void;
}

type Stream = ClientReadableStream<Obj> | ClientDuplexStream<Obj, Obj>;

export class StreamProxyEndpoint extends ProxyEndpoint {
  /** Opens the stream and waits for the backend's first answer (ProxyCallError if none). */
  async open(
    bidirectional: boolean,
    request: Obj,
    ctx: CallContext,
    events: StreamEvents,
  ): Promise<OpenStream> {
    if (this.transport.protocol !== 'grpc') {
      throw new ProxyCallError('request', 'subscribe stream proxies are gRPC only');
    }
    const { metrics } = this.deps;
    const labels = { protocol: 'grpc', type: this.type, name: this.name };
    const inflight = metrics.proxyInflight.labels(labels);
    inflight.inc();
    const started = process.hrtime.bigint();
    const { headers, droppedEmulated } = grpcMetadata(this.rules, ctx);
    this.hintDropped(droppedEmulated);
    const client = this.transport.client;
    let stream: Stream;
    let publish: OpenStream['publish'];
    if (bidirectional) {
      const duplex = client.bidiStream(BIDIRECTIONAL, headers);
      duplex.write({ subscribe_request: request });
      publish = (data) => {
        duplex.write({ publication: { data } });
      };
      stream = duplex;
    } else {
      stream = client.serverStream(UNIDIRECTIONAL, request, headers);
    }
    // A cancelled or failed stream emits 'error' whoever listens: never unhandled.
    stream.on('error', () => {});
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      stream.cancel();
    };
    try {
      const first = await firstMessage(client, stream, this.timeoutMs, ctx.signal);
      this.observe(started);
      const response = first.subscribe_response as
        | M.ProxyResponse<M.SubscribeResultMsg>
        | undefined;
      if (response === undefined) {
        close();
        const failure = new ProxyCallError(
          'answer',
          'no subscribe response in first message from stream proxy',
        );
        this.failed(started, failure);
        throw failure;
      }
      stream.on('data', (msg: Obj) => {
        const pub = msg.publication as M.PublicationMsg | undefined;
        if (!closed && pub !== undefined) events.publication(pub);
      });
      stream.on('end', () => {
        if (closed) return;
        closed = true;
        events.ended(true);
      });
      stream.on('error', (err: ServiceError) => {
        if (closed) return;
        closed = true;
        const failure = client.failureOf(err);
        this.deps.log.error(
          `${this.type}:${this.name}:stream`,
          'subscribe stream proxy stream ended with an error',
          () => ({ proxy: this.name, kind: failure.kind, reason: failure.message }),
        );
        events.ended(false);
      });
      stream.resume();
      return { response, publish, close };
    } catch (err) {
      close();
      if (err instanceof ProxyCallError && err.kind === 'answer') throw err;
      const failure =
        err instanceof ProxyCallError
          ? err
          : new ProxyCallError('unreachable', (err as Error).message, { cause: err });
      if (failure.kind !== 'closed' && !ctx.signal?.aborted) this.failed(started, failure);
      throw failure;
    } finally {
      inflight.dec();
    }
  }
}

/** The stream's first message within the timeout; its error, or a timeout, otherwise. */
function firstMessage(
  client: GrpcProxyClient,
  stream: Stream,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Obj> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | undefined, msg?: Obj) => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('error', onError);
      stream.off('end', onEnd);
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(msg as Obj);
    };
    const onData = (msg: Obj) => {
      // Later messages wait in the stream until the caller listens (it pauses without one).
      stream.pause();
      done(undefined, msg);
    };
    const onError = (err: ServiceError) => done(client.failureOf(err));
    const onEnd = () => done(new ProxyCallError('answer', 'stream ended before its first message'));
    const onAbort = () => done(new ProxyCallError('closed', 'the client connection closed'));
    const timer = setTimeout(
      () => done(new ProxyCallError('timeout', `no first message within ${timeoutMs}ms`)),
      timeoutMs,
    );
    stream.on('data', onData);
    stream.on('error', onError);
    stream.on('end', onEnd);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
