// The connect request of a unidirectional connection, as JSON text (a `cf_connect` query, a
// request body, a first WebSocket message): a ConnectRequest of the client protocol.
// `null` is an empty request, as Centrifugo treats it; anything else that is not a
// ConnectRequest object is refused (undefined), which the endpoints answer 400.
import {
  ConnectRequest,
  type ConnectRequestMsg,
  decodeJsonMessage,
  JsonDecodeError,
} from '../../protocol/index.ts';

export function parseConnectRequest(text: string): ConnectRequestMsg | undefined {
  if (text.trim() === 'null') return {};
  try {
    return decodeJsonMessage(ConnectRequest, text) as ConnectRequestMsg;
  } catch (err) {
    if (err instanceof JsonDecodeError) return undefined;
    throw err;
  }
}
