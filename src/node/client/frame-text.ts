// Frames as an admin reads them in a trace: JSON frames as sent, Protobuf frames decoded and
// written as the JSON protocol would write them (one message per line), and every `token`
// (connect, refresh, subscribe and sub_refresh carry the user's JWTs) replaced, so a trace
// never hands out credentials that would let its reader act as the user.
import {
  Command,
  decodeMessage,
  encodeJsonMessage,
  type Format,
  Reply,
  splitDelimited,
} from '../protocol/index.ts';

const TOKEN = /("token"\s*:\s*)"(?:[^"\\]|\\.)*"/g;
const REDACTED = '$1"(redacted)"';
const utf8 = new TextDecoder();

/** The text of one frame read from a client (commands) or queued for it (replies). */
export function frameText(
  format: Format,
  frame: string | Uint8Array,
  direction: 'command' | 'reply',
): string {
  let text: string;
  if (typeof frame === 'string') text = frame;
  else if (format === 'json') text = utf8.decode(frame);
  else {
    const desc = direction === 'command' ? Command : Reply;
    try {
      text = splitDelimited(frame)
        .map((m) => encodeJsonMessage(desc, decodeMessage(desc, m)))
        .join('\n');
    } catch (err) {
      // Not shown raw: an undecodable connect may still hold a token.
      return `(undecodable Protobuf frame of ${frame.length} bytes: ${(err as Error).message})`;
    }
  }
  return text.replace(TOKEN, REDACTED);
}
