// Differences kept on purpose: what Centrifugo does, what this node does, and why. Each
// reason has its bullet in README "## Differences from Centrifugo". A listed case that
// agrees with Centrifugo fails the suite (the entry and its bullet must go).
import { both, byReason } from './listing.ts';

export const INTENDED: Record<string, string> = byReason({
  'Centrifugo accepts a string `exp` claim ("1796...") as a number; here a token whose exp is not a number is invalid (3500), as RFC 7519 says':
    [...both('client/connect/token-exp-string')],
  'Centrifugo drops the TCP connection (1006, no close frame) when a disconnect reason exceeds the 123 bytes a close frame holds; here the reason is cut to 123 bytes and the code arrives':
    [...both('live/disconnect-reason-124-bytes')],
  'Centrifugo warns about an unknown key and starts; here it stops startup naming the key, so a typo never runs silently':
    ['startup/unknown-top-level-key', 'startup/unknown-namespace-key'],
  'history with reverse and since offset 0, and channels with a pattern that is not a valid glob: Centrifugo answers 100 (internal error); here 107 (bad request): the request is at fault, not the server':
    [
      'api/edge/channels/unclosed-class',
      'grpc/edge/channels/unclosed-class',
      'api/edge/history/reverse-since-zero',
      'grpc/edge/history/reverse-since-zero',
    ],
  'Centrifugo sends a JSON connection a delta that cuts a multi-byte character in two (its bytes are no UTF-8, the JSON string turns them into U+FFFD and centrifuge-js cannot apply it); here that publication goes whole (delta false)':
    ['delta/positioned-utf8-cut/json'],
  "after a recovery with delta in which the tags filter dropped the stream's last publication, Centrifugo sends the next publication as a delta from that dropped one, which the client never got; here it goes whole":
    [...both('delta/recover-tags-filter-then-live')],
  'Centrifugo turns a JSON number given for a string key (http_api.key: 5) into text; here a wrong type stops startup naming the key':
    ['startup/wrong-type'],
  "Centrifugo starts with a negative client.presence_update_interval, then answers a connection's connect and nothing more on it; here it stops startup naming the key":
    ['startup/presence-update-negative'],
  "Centrifugo answers a uni_grpc request past uni_grpc.max_receive_message_size with grpc-go's RESOURCE_EXHAUSTED `grpc: received message larger than max (N vs. M)`; here the same text, then the key to raise (`: uni_grpc.max_receive_message_size`)":
    ['uni-grpc/request-too-large/json'],
});
