// The body of the legacy endpoint `POST <http_api.handler_prefix>` (the bare prefix), which
// Centrifugo v6 still serves (internal/api/handler_legacy.go there): JSON values one after
// another (newline-delimited in practice), each `{"id": N, "method": M, "params": {...}}`,
// where M is a method's name in any case ("publish", "PRESENCE_STATS") or its number in
// Centrifugo's old Command.MethodType enum. Decoded one command at a time, because Centrifugo
// runs each before it reads the next: a malformed value fails the request (plain 400) only
// after the commands before it ran.
import { Errors, errorShape } from '../core/index.ts';
import { encodeGoJson as encodeJson, indexSpans, type SpanNode } from '../protocol/index.ts';
import type { ApiExecutor } from './executor.ts';
import { decodeMethodBody, RequestDecodeError } from './json-decode.ts';
import { isMethod, type MethodName } from './requests.ts';

export type LegacyCommand =
  /** A method this node serves, with its params' raw JSON (undefined when absent). */
  | { id: number; method: MethodName; params: string | undefined }
  /** A number or name without a legacy handler (PRO methods, unknown numbers): error 104. */
  | { id: number; method: undefined };

// Command.MethodType of Centrifugo's old API: every name it accepts, with its number.
const METHOD_NUMBERS: Record<string, number> = {
  PUBLISH: 0,
  BROADCAST: 1,
  UNSUBSCRIBE: 2,
  DISCONNECT: 3,
  PRESENCE: 4,
  PRESENCE_STATS: 5,
  HISTORY: 6,
  HISTORY_REMOVE: 7,
  CHANNELS: 8,
  INFO: 9,
  RPC: 10,
  SUBSCRIBE: 11,
  REFRESH: 12,
  CONNECTIONS: 14,
  UPDATE_USER_STATUS: 15,
  GET_USER_STATUS: 16,
  DELETE_USER_STATUS: 17,
  BLOCK_USER: 18,
  UNBLOCK_USER: 19,
  REVOKE_TOKEN: 20,
  INVALIDATE_USER_TOKENS: 21,
  DEVICE_REGISTER: 22,
  DEVICE_UPDATE: 23,
  DEVICE_REMOVE: 24,
  DEVICE_LIST: 25,
  DEVICE_TOPIC_LIST: 26,
  DEVICE_TOPIC_UPDATE: 27,
  USER_TOPIC_LIST: 28,
  USER_TOPIC_UPDATE: 29,
  SEND_PUSH_NOTIFICATION: 30,
  UPDATE_PUSH_STATUS: 31,
  CANCEL_PUSH: 32,
  MAP_PUBLISH: 33,
  MAP_REMOVE: 34,
  MAP_READ_STATE: 35,
  MAP_READ_STREAM: 36,
  MAP_STATS: 37,
  MAP_CLEAR: 38,
  SHARED_POLL_PUBLISH: 39,
};

// The numbers the legacy endpoint has a handler for (the rest answer 104), by method name:
// 0-12 and the map / shared poll ones, which resolve here once this node serves them.
const HANDLED: ReadonlyMap<number, string> = new Map(
  Object.entries(METHOD_NUMBERS)
    .filter(([, n]) => n <= 12 || n >= 33)
    .map(([name, n]) => [n, name.toLowerCase()]),
);

const WS = /[ \t\n\r]/;

/**
 * The commands of a legacy body in order. Throws RequestDecodeError at the first value that
 * is not JSON, not an object (or null, which is an empty command: a publish without params),
 * or whose `id` is not a uint32 or `method` neither a known name nor an integer.
 */
export function* legacyCommands(body: string | Buffer): Generator<LegacyCommand> {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  let pos = 0;
  for (;;) {
    while (pos < text.length && WS.test(text.charAt(pos))) pos++;
    if (pos >= text.length) return;
    const node = indexSpans(text, { start: pos, end: text.length }, 1);
    if (node.end <= pos) throw new RequestDecodeError(`no JSON value at byte ${pos}`);
    const raw = text.slice(node.start, node.end);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new RequestDecodeError(`command is not valid JSON: ${(err as Error).message}`);
    }
    pos = node.end;
    if (value === null) {
      yield { id: 0, method: 'publish', params: undefined };
      continue;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new RequestDecodeError('a command must be a JSON object');
    }
    yield commandOf(text, node);
  }
}

function commandOf(text: string, node: SpanNode): LegacyCommand {
  // Go's decoder matches field names case-insensitively, the last one present winning.
  let id: string | undefined;
  let method: string | undefined;
  let params: string | undefined;
  for (const [key, span] of node.members ?? []) {
    const field = key.toLowerCase();
    const raw = text.slice(span.start, span.end);
    if (field === 'id') id = raw;
    else if (field === 'method') method = raw;
    else if (field === 'params') params = raw;
  }
  const number = method === undefined ? 0 : methodNumber(method);
  const name = HANDLED.get(number);
  const base = { id: idOf(id) };
  if (name === undefined || !isMethod(name)) return { ...base, method: undefined };
  return { ...base, method: name, params };
}

function idOf(raw: string | undefined): number {
  if (raw === undefined || raw === 'null') return 0;
  if (/^\d+$/.test(raw) && Number(raw) <= 0xffff_ffff) return Number(raw);
  throw new RequestDecodeError('id must be an integer from 0 to 4294967295');
}

/**
 * A method as Centrifugo reads it: a quoted name, upper-cased as it stands (escapes are not
 * decoded), else the value's text as a decimal integer of up to 64 bits, cut to 32 as Go's
 * conversion to the enum type does.
 */
function methodNumber(raw: string): number {
  if (raw.length > 2 && raw.startsWith('"')) {
    const known = METHOD_NUMBERS[raw.slice(1, -1).toUpperCase()];
    if (known !== undefined) return known;
  }
  if (/^-?\d+$/.test(raw)) {
    const n = BigInt(raw);
    if (n >= -(2n ** 63n) && n < 2n ** 63n) return Number(BigInt.asIntN(32, n));
  }
  throw new RequestDecodeError('method must be a method name or number');
}

/**
 * One command's reply line: `{"id":N,"error":{...}}` or `{"id":N,"result":{...}}`, the id left
 * out when 0. Params that are absent or do not decode are error 107 without running the
 * command; `info` reads no params at all. Errors stay in the reply whatever the error mode.
 */
export async function legacyReply(executor: ApiExecutor, command: LegacyCommand): Promise<string> {
  let reply: string;
  if (command.method === undefined) {
    reply = encodeJson({ error: errorShape(Errors.notFound) });
  } else {
    const request = requestOf(command.method, command.params);
    if (request === undefined) {
      reply = encodeJson({ error: errorShape(Errors.badRequest) });
    } else {
      const res = await executor.call(command.method, request);
      reply = encodeJson(res.error ? { error: res.error } : { result: res.result });
    }
  }
  return command.id === 0 ? reply : `{"id":${command.id},${reply.slice(1)}`;
}

/**
 * Runs a legacy body's commands one after another and answers their reply lines joined by
 * newlines, as the endpoint does. Throws RequestDecodeError as legacyCommands does: at the
 * first bad value, after the commands before it ran.
 */
export async function runLegacyBody(executor: ApiExecutor, body: string | Buffer): Promise<string> {
  const replies: string[] = [];
  for (const command of legacyCommands(body)) replies.push(await legacyReply(executor, command));
  return replies.join('\n');
}

function requestOf(method: MethodName, params: string | undefined) {
  if (method === 'info') return decodeMethodBody(method, '{}');
  if (params === undefined) return undefined;
  try {
    return decodeMethodBody(method, params);
  } catch (err) {
    if (err instanceof RequestDecodeError) return undefined;
    throw err;
  }
}
