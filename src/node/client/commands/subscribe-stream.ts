// The subscribe stream proxy: a subscription backed by a gRPC stream from the backend, as
// Centrifugo runs it. The stream's first message holds the SubscribeResponse (within the
// proxy's timeout, else 100); its `error` is the subscribe's reply error (code and message),
// its `disconnect` closes the connection, its result gives info, data, an expiry and the
// presence and join/leave overrides. No recovery or positioning: the publications are the
// stream's, written to this subscriber alone, after the subscribe reply. The stream ending
// unsubscribes the client: 2000 when the backend closed it, 2500 on an error. Unsubscribing
// cancels it. Bidirectional streams carry the client's publications into the channel up.
import {
  DisconnectError,
  Disconnects,
  EncodedPush,
  type ResolvedChannel,
  type UnsubscribeDef,
  Unsubscribes,
} from '../../core/index.ts';
import type { SubscribeRequestMsg } from '../../protocol/index.ts';
import {
  ProxyCallError,
  type StreamPublicationMsg,
  type SubscribeResultMsg,
  subscribeRequest,
} from '../../proxy/index.ts';
import { clientError } from '../client-error.ts';
import type { Connection } from '../connection.ts';
import type { Subscription } from '../subscription.ts';
import { callContext, connectionRef, settled } from './proxied.ts';

export interface OpenedStream {
  /** The backend's subscribe result (undefined: none, the namespace's options apply). */
  result: SubscribeResultMsg | undefined;
  /** Hands the stream to its subscription; `end` unsubscribes the client with the code. */
  attach(sub: Subscription, end: (unsubscribe: UnsubscribeDef) => void): void;
  close(): void;
}

export async function openSubscribeStream(
  conn: Connection,
  channel: string,
  resolved: ResolvedChannel,
  req: SubscribeRequestMsg,
): Promise<OpenedStream> {
  const o = resolved.options;
  const endpoint = conn.ctx.proxies.stream(o.subscribe_stream_proxy_name);
  if (endpoint === undefined) throw clientError('notAvailable');
  const request = subscribeRequest(endpoint, connectionRef(conn), {
    channel,
    token: req.token ?? '',
    data: req.data,
  });
  let sub: Subscription | undefined;
  let endWith: ((unsubscribe: UnsubscribeDef) => void) | undefined;
  const early: StreamPublicationMsg[] = [];
  let endedEarly: UnsubscribeDef | undefined;
  const deliver = (pub: StreamPublicationMsg) => {
    sub?.onOwnPush(new EncodedPush({ channel, pub: { data: pub.data, tags: pub.tags } }));
  };
  let opened: Awaited<ReturnType<typeof endpoint.open>>;
  try {
    opened = await endpoint.open(
      o.subscribe_stream_proxy_bidirectional,
      request,
      callContext(conn),
      {
        publication(pub) {
          if (sub) deliver(pub);
          else early.push(pub);
        },
        ended(eof) {
          const why = eof ? Unsubscribes.server : Unsubscribes.insufficientState;
          if (endWith) endWith(why);
          else endedEarly = why;
        },
      },
    );
  } catch (err) {
    if (err instanceof ProxyCallError && err.kind === 'closed') {
      throw new DisconnectError(Disconnects.connectionClosed);
    }
    if (err instanceof ProxyCallError) throw clientError('internal', err.message);
    throw err;
  }
  try {
    // Centrifugo passes the backend's error on without its `temporary` flag.
    if (opened.response.error) opened.response.error.temporary = false;
    const result = settled(opened.response);
    return {
      result,
      attach(s, end) {
        sub = s;
        endWith = end;
        s.stream = { close: opened.close, publish: opened.publish };
        for (const pub of early.splice(0)) deliver(pub);
        if (endedEarly) end(endedEarly);
      },
      close: opened.close,
    };
  } catch (err) {
    opened.close();
    throw err;
  }
}
