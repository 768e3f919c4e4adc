// Request bodies into typed requests. JSON bodies of the HTTP server API: a body that is not
// JSON, or a field of the wrong type, is a RequestDecodeError (plain HTTP 400, as Centrifugo
// answers an unmarshal failure); unknown fields are ignored, as Go's decoder does. Objects a
// protobuf decoder made (the gRPC API) go through the same field table, so both transports
// hand the executor the same shapes with the same proto3 zero values.
import { indexSpans, objectSpans, type Span, type SpanNode } from './raw-json.ts';
import {
  type BatchRequest,
  isMethod,
  METHODS,
  type MethodName,
  type RequestOf,
} from './requests.ts';

export class RequestDecodeError extends Error {
  override name = 'RequestDecodeError';
}

type Kind =
  | 'string'
  | 'bool'
  | 'int'
  | 'uint'
  | 'bytes'
  | 'stringMap'
  | 'stringList'
  | 'position'
  | 'override'
  | 'disconnect';

const PUBLISH_FIELDS = {
  data: 'bytes',
  b64data: 'string',
  skip_history: 'bool',
  tags: 'stringMap',
  idempotency_key: 'string',
  delta: 'bool',
  version: 'uint',
  version_epoch: 'string',
} as const;

const CHANNEL = { channel: 'string' } as const;

/** Field kinds per method: the one description the decoder and its zero values come from. */
const FIELDS: { [M in MethodName]: Record<string, Kind> } = {
  publish: { channel: 'string', ...PUBLISH_FIELDS },
  broadcast: { channels: 'stringList', ...PUBLISH_FIELDS },
  subscribe: {
    channel: 'string',
    user: 'string',
    expire_at: 'int',
    info: 'bytes',
    b64info: 'string',
    client: 'string',
    data: 'bytes',
    b64data: 'string',
    recover_since: 'position',
    override: 'override',
    session: 'string',
  },
  unsubscribe: { channel: 'string', user: 'string', client: 'string', session: 'string' },
  disconnect: {
    user: 'string',
    disconnect: 'disconnect',
    client: 'string',
    whitelist: 'stringList',
    session: 'string',
  },
  presence: CHANNEL,
  presence_stats: CHANNEL,
  history: { channel: 'string', limit: 'int', since: 'position', reverse: 'bool' },
  history_remove: CHANNEL,
  info: {},
  rpc: { method: 'string', params: 'bytes' },
  refresh: {
    user: 'string',
    client: 'string',
    expired: 'bool',
    expire_at: 'int',
    info: 'bytes',
    session: 'string',
  },
  channels: { pattern: 'string' },
  map_publish: {
    channel: 'string',
    key: 'string',
    data: 'bytes',
    b64data: 'string',
    stream_data: 'bytes',
    b64stream_data: 'string',
    tags: 'stringMap',
    idempotency_key: 'string',
    delta: 'bool',
    version: 'uint',
    version_epoch: 'string',
    score: 'int',
    key_mode: 'string',
  },
  map_remove: { channel: 'string', key: 'string', idempotency_key: 'string' },
  map_read_state: {
    channel: 'string',
    cursor: 'string',
    limit: 'int',
    key: 'string',
    asc: 'bool',
    revision_offset: 'uint',
    revision_epoch: 'string',
  },
  map_read_stream: {
    channel: 'string',
    since_offset: 'uint',
    since_epoch: 'string',
    limit: 'int',
    reverse: 'bool',
  },
  map_stats: CHANNEL,
  map_clear: CHANNEL,
  shared_poll_publish: {
    channel: 'string',
    key: 'string',
    data: 'bytes',
    b64data: 'string',
    version: 'uint',
    epoch: 'string',
  },
};

/** FIELDS as lists, walked once per request instead of Object.entries each time. */
const FIELD_LISTS = Object.fromEntries(
  Object.entries(FIELDS).map(([m, fields]) => [m, Object.entries(fields)]),
) as { [M in MethodName]: [string, Kind][] };

const EMPTY = new Uint8Array(0);
const ZERO: Record<Kind, unknown> = {
  string: '',
  bool: false,
  int: 0,
  uint: 0,
  bytes: EMPTY,
  stringMap: undefined,
  stringList: undefined,
  position: undefined,
  override: undefined,
  disconnect: undefined,
};

/** Reads a `bytes` field: raw JSON text from the body, or the bytes protobuf carried. */
type BytesReader = (name: string, value: unknown, where: string) => Uint8Array;

function jsonBytes(text: string, span: Span | SpanNode): BytesReader {
  let spans: Map<string, Span> | undefined = 'members' in span ? span.members : undefined;
  return (name) => {
    spans ??= objectSpans(text, span);
    const s = spans.get(name) as Span;
    return Buffer.from(text.slice(s.start, s.end), 'utf8');
  };
}

const protoBytes: BytesReader = (_name, value, where) => {
  if (!(value instanceof Uint8Array)) throw new RequestDecodeError(`${where} must be bytes`);
  return value;
};

function parseBody(body: string | Buffer): { value: unknown; text: string } {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim() === '') return { value: {}, text: '{}' };
  try {
    return { value: JSON.parse(text), text };
  } catch (err) {
    throw new RequestDecodeError(`body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Decodes the body of `POST <prefix>/<method>`. */
export function decodeMethodBody<M extends MethodName>(
  method: M,
  body: string | Buffer,
): RequestOf[M] {
  const { value, text } = parseBody(body);
  return decodeRequest(method, value, jsonBytes(text, { start: 0, end: text.length }), '');
}

/**
 * A request a protobuf decoder produced (proto field names, absent fields left out, bytes as
 * Uint8Array, 64-bit integers as numbers), with the zero values and checks JSON bodies get.
 */
export function decodeRequestObject<M extends MethodName>(method: M, value: unknown): RequestOf[M] {
  return decodeRequest(method, value ?? {}, protoBytes, '');
}

/** A BatchRequest a protobuf decoder produced; PRO commands resolve to no method (104). */
export function decodeBatchObject(value: unknown): BatchRequest {
  const obj = asObject(value ?? {}, 'request');
  const commands = ((obj.commands ?? []) as unknown[]).map((cmd, i) => {
    const cmdObj = asObject(cmd, `commands[${i}]`);
    const method = METHODS.find((m) => cmdObj[m] !== undefined && cmdObj[m] !== null);
    if (method === undefined) return { method: undefined };
    return {
      method,
      request: decodeRequest(method, cmdObj[method], protoBytes, `commands[${i}].${method}.`),
    };
  });
  return { commands, parallel: obj.parallel === true };
}

/** Decodes the body of `POST <prefix>/batch`. */
export function decodeBatchBody(body: string | Buffer): BatchRequest {
  const { value, text } = parseBody(body);
  const obj = asObject(value, 'request');
  const parallel = obj.parallel === undefined ? false : expectBool(obj.parallel, 'parallel');
  if (obj.commands === undefined || obj.commands === null) return { commands: [], parallel };
  if (!Array.isArray(obj.commands)) throw new RequestDecodeError('commands must be a list');
  // body -> commands -> each command -> its request: the spans of every request's fields.
  const tree = indexSpans(text, { start: 0, end: text.length }, 4);
  const elements = tree.members?.get('commands')?.items ?? [];
  const commands = obj.commands.map((cmd: unknown, i) => {
    const where = `commands[${i}]`;
    const cmdObj = asObject(cmd, where);
    // The first method present in api.proto order, as Centrifugo's executor picks it.
    const method = METHODS.find((m) => cmdObj[m] !== undefined && cmdObj[m] !== null);
    if (method === undefined) return { method: undefined };
    const request = elements[i]?.members?.get(method) as SpanNode;
    const bytes = jsonBytes(text, request);
    return { method, request: decodeRequest(method, cmdObj[method], bytes, `${where}.${method}.`) };
  });
  return { commands, parallel };
}

function decodeRequest<M extends MethodName>(
  method: M,
  value: unknown,
  bytes: BytesReader,
  prefix: string,
): RequestOf[M] {
  const obj = asObject(value, prefix === '' ? 'request' : prefix.slice(0, -1));
  const out: Record<string, unknown> = {};
  for (const [name, kind] of FIELD_LISTS[method]) {
    const v = obj[name];
    if (v === undefined || v === null) {
      if (ZERO[kind] !== undefined) out[name] = ZERO[kind];
      continue;
    }
    if (kind === 'bytes') {
      out[name] = bytes(name, v, `${prefix}${name}`);
      continue;
    }
    out[name] = decodeField(kind, v, `${prefix}${name}`);
  }
  return out as unknown as RequestOf[M];
}

function decodeField(kind: Kind, v: unknown, where: string): unknown {
  switch (kind) {
    case 'string':
      if (typeof v !== 'string') throw new RequestDecodeError(`${where} must be a string`);
      return v;
    case 'bool':
      return expectBool(v, where);
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v))
        throw new RequestDecodeError(`${where} must be an integer`);
      return v;
    case 'uint':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        throw new RequestDecodeError(`${where} must be a non-negative integer`);
      }
      return v;
    case 'stringList':
      if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
        throw new RequestDecodeError(`${where} must be a list of strings`);
      }
      return v;
    case 'stringMap': {
      const m = asObject(v, where);
      for (const [k, s] of Object.entries(m)) {
        if (typeof s !== 'string') throw new RequestDecodeError(`${where}.${k} must be a string`);
      }
      return m;
    }
    case 'position': {
      const p = asObject(v, where);
      return {
        offset: p.offset === undefined ? 0 : decodeField('uint', p.offset, `${where}.offset`),
        epoch: p.epoch === undefined ? '' : decodeField('string', p.epoch, `${where}.epoch`),
      };
    }
    case 'disconnect': {
      const d = asObject(v, where);
      return {
        code: d.code === undefined ? 0 : decodeField('uint', d.code, `${where}.code`),
        reason: d.reason === undefined ? '' : decodeField('string', d.reason, `${where}.reason`),
      };
    }
    case 'override': {
      const o = asObject(v, where);
      const out: Record<string, { value: boolean }> = {};
      for (const key of [
        'presence',
        'join_leave',
        'force_recovery',
        'force_positioning',
        'force_push_join_leave',
      ]) {
        const b = o[key];
        if (b === undefined || b === null) continue;
        const inner = asObject(b, `${where}.${key}`);
        out[key] = {
          value:
            inner.value === undefined ? false : expectBool(inner.value, `${where}.${key}.value`),
        };
      }
      return out;
    }
    default:
      return v;
  }
}

function expectBool(v: unknown, where: string): boolean {
  if (typeof v !== 'boolean') throw new RequestDecodeError(`${where} must be true or false`);
  return v;
}

function asObject(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new RequestDecodeError(`${where} must be a JSON object`);
  }
  return v as Record<string, unknown>;
}

export { isMethod };
