// The request of proto/unistream.proto, as data for the codecs in protocol/: its field
// numbers are the client protocol's, but it has fewer fields, and a field it lacks is an
// unknown field here as in Centrifugo (whatever bytes it holds), so this is its own schema,
// not the client protocol's ConnectRequest. What Centrifugo passes on from it to the connect
// is what these hold: token, data, subs (recover, epoch, offset), name, version, headers.
import { field as f, type MessageDesc, message as msg } from '../../protocol/index.ts';

const SubscribeRequest: MessageDesc = msg('SubscribeRequest', [
  f(3, 'recover', 'bool'),
  f(6, 'epoch', 'string'),
  f(7, 'offset', 'uint64'),
]);

export const ConnectRequest: MessageDesc = msg('ConnectRequest', [
  f(1, 'token', 'string'),
  f(2, 'data', 'bytes'),
  f(3, 'subs', SubscribeRequest, { map: true }),
  f(4, 'name', 'string'),
  f(5, 'version', 'string'),
  f(6, 'headers', 'string', { map: true }),
]);
