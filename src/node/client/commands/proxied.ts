// A command's call to the application backend (src/node/proxy/) and the one way its answer
// becomes the command's outcome, as Centrifugo's proxy handlers do it: a `disconnect` closes
// the connection with the backend's code and reason, an `error` is the command's reply error
// as the backend wrote it, and a call that failed (timeout, no connection, a status, an
// answer that is not the message) is an internal error (100). A call the client left by
// closing is dropped: its connection is gone, so there is nobody to answer.
import { DisconnectError, Disconnects } from '../../core/index.ts';
import {
  answerBytes,
  type CallContext,
  type ConnectionRef,
  ProxyCallError,
  type ProxyEndpoint,
  type ProxyResponse,
} from '../../proxy/index.ts';
import { ClientError, clientError } from '../client-error.ts';
import type { Connection } from '../connection.ts';

/** The connection as the backend sees it in every request. */
export function connectionRef(conn: Connection): ConnectionRef {
  return {
    client: conn.id,
    transport: 'websocket',
    protocol: conn.format,
    user: conn.user,
    meta: conn.meta,
  };
}

/** What a proxy call carries from the connection: its headers and its closing. */
export function callContext(conn: Connection): CallContext {
  return {
    transport: conn.requestHeaders,
    emulated: conn.emulatedHeaders,
    signal: conn.closedSignal,
  };
}

/**
 * The backend's answer to `request`, or throws what the command answers: DisconnectError,
 * ClientError, or 100 for a failed call.
 */
export async function askBackend<R>(
  conn: Connection,
  endpoint: ProxyEndpoint,
  request: Record<string, unknown>,
): Promise<R | undefined> {
  const answer = await callBackend<R>(conn, endpoint, request);
  return settled(answer);
}

/** As askBackend, but a failed call is returned as such (refresh calls retry after one). */
export async function callBackend<R>(
  conn: Connection,
  endpoint: ProxyEndpoint,
  request: Record<string, unknown>,
): Promise<ProxyResponse<R>> {
  try {
    return await endpoint.call<R>(request, callContext(conn));
  } catch (err) {
    if (err instanceof ProxyCallError && err.kind === 'closed') {
      throw new DisconnectError(Disconnects.connectionClosed);
    }
    if (err instanceof ProxyCallError) throw clientError('internal', err.message);
    throw err;
  }
}

/** A `disconnect` or `error` of an answer thrown as the command's outcome; else its result. */
export function settled<R>(answer: ProxyResponse<R>): R | undefined {
  if (answer.disconnect) {
    throw new DisconnectError({
      code: answer.disconnect.code ?? 0,
      reason: answer.disconnect.reason ?? '',
    });
  }
  if (answer.error) {
    throw new ClientError({
      code: answer.error.code ?? 0,
      message: answer.error.message ?? '',
      temporary: answer.error.temporary === true,
      httpStatus: 0,
      grpcStatus: 0,
    });
  }
  return answer.result;
}

/** A payload of an answer (its b64 twin decoded); bad base64 is 100, as in Centrifugo. */
export function answerPayload(
  raw: Uint8Array | undefined,
  b64: string | undefined,
  what: string,
): Uint8Array | undefined {
  try {
    return answerBytes(raw, b64, what);
  } catch (err) {
    if (err instanceof ProxyCallError) throw clientError('internal', err.message);
    throw err;
  }
}
