// Turns Reply objects into frame parts and frames into Command objects, per format.
// JSON: one object per line; Protobuf: varint length-delimited messages.
import { Command, Push, Reply } from './descriptors.ts';
import { decodeJson, encodeJson } from './json-codec.ts';
import { decodeMessage, delimit, eachDelimited, encodeMessage } from './protobuf-codec.ts';

export type Format = 'json' | 'protobuf';
export type FramePart = string | Uint8Array;
type Obj = Record<string, unknown>;

export function encodeReply(format: Format, reply: Obj): FramePart {
  return format === 'json' ? encodeJson(Reply, reply) : delimit(encodeMessage(Reply, reply));
}

/**
 * A Push on its own, as unidirectional transports send every message (Centrifugo's push
 * encoder): no Reply around it.
 */
export function encodePush(format: Format, push: Obj): FramePart {
  return format === 'json' ? encodeJson(Push, push) : delimit(encodeMessage(Push, push));
}

/** An empty Reply (and an empty Push, the same bytes): the server's ping. */
export const PING: Record<Format, FramePart> = {
  json: '{}',
  protobuf: new Uint8Array([0]),
};

/**
 * Commands of one incoming frame, in order, up to the first that does not decode. Like
 * Centrifugo's stream decoder, what came before a bad command is still handled: `error`
 * says the rest was undecodable (the caller closes 3501 after the good ones). An empty
 * frame is an error with no commands.
 */
export function decodeCommands(
  format: Format,
  frame: string | Uint8Array,
): { commands: Obj[]; error?: Error } {
  const commands: Obj[] = [];
  try {
    if (format === 'json') {
      const text = typeof frame === 'string' ? frame : Buffer.from(frame).toString('utf8');
      const lines = text.split('\n');
      // A trailing newline is tolerated, an empty frame is not.
      if (lines.length > 1 && lines[lines.length - 1]?.trim() === '') lines.pop();
      if (lines.length === 1 && lines[0]?.trim() === '') throw new Error('empty frame');
      for (const line of lines) commands.push(decodeJson(Command, line));
    } else {
      const bytes = typeof frame === 'string' ? Buffer.from(frame) : frame;
      if (bytes.length === 0) throw new Error('empty frame');
      for (const m of eachDelimited(bytes)) commands.push(decodeMessage(Command, m));
    }
  } catch (err) {
    return { commands, error: err as Error };
  }
  return { commands };
}

/** Joins queued parts into one frame of the connection's format. */
export function joinParts(format: Format, parts: readonly FramePart[]): string | Uint8Array {
  if (format === 'json') return (parts as string[]).join('\n');
  if (parts.length === 1) return parts[0] as Uint8Array;
  return Buffer.concat(parts as Uint8Array[]);
}

export function partSize(part: FramePart): number {
  return typeof part === 'string' ? part.length : part.length;
}
