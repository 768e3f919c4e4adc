// Request bodies into typed requests. JSON bodies of the HTTP server API are read the way
// Centrifugo's Go decoder (encoding/json) reads them, so the same body gets the same answer:
// - a body that is not JSON, is empty, or has a field of the wrong type is a
//   RequestDecodeError (plain HTTP 400, as Centrifugo answers an unmarshal failure);
// - unknown fields are ignored; a field name matches case-insensitively when no field has
//   that exact name, and the last of repeated names wins;
// - `null` leaves a field at its zero value (a `null` body is an empty request), except a
//   `bytes` field, which holds the four bytes `null` as Go's Raw type does;
// - an integer field takes only an integer literal within its proto type's range (`1.0`,
//   `1e2` or 2^31 for an int32 are 400s).
// Objects a protobuf decoder made (the gRPC API) go through the same field table, so both
// transports hand the executor the same shapes with the same proto3 zero values.
import { indexSpans, type Span, type SpanNode } from '../protocol/index.ts';
import {
  BATCH_ORDER,
  type BatchCommand,
  type BatchRequest,
  isMethod,
  type MethodName,
  type RequestOf,
} from './requests.ts';

export class RequestDecodeError extends Error {
  override name = 'RequestDecodeError';
}

type IntKind = 'int32' | 'int64' | 'uint32' | 'uint64';
type Kind =
  | 'string'
  | 'bool'
  | IntKind
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
  version: 'uint64',
  version_epoch: 'string',
} as const;

const CHANNEL = { channel: 'string' } as const;

/** Field kinds per method (api.proto's types): the one description decoding comes from. */
const FIELDS: { [M in MethodName]: Record<string, Kind> } = {
  publish: { channel: 'string', ...PUBLISH_FIELDS },
  broadcast: { channels: 'stringList', ...PUBLISH_FIELDS },
  subscribe: {
    channel: 'string',
    user: 'string',
    expire_at: 'int64',
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
  history: { channel: 'string', limit: 'int32', since: 'position', reverse: 'bool' },
  history_remove: CHANNEL,
  info: {},
  rpc: { method: 'string', params: 'bytes' },
  refresh: {
    user: 'string',
    client: 'string',
    expired: 'bool',
    expire_at: 'int64',
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
    version: 'uint64',
    version_epoch: 'string',
    score: 'int64',
    key_mode: 'string',
  },
  map_remove: { channel: 'string', key: 'string', idempotency_key: 'string' },
  map_read_state: {
    channel: 'string',
    cursor: 'string',
    limit: 'int32',
    key: 'string',
    asc: 'bool',
    revision_offset: 'uint64',
    revision_epoch: 'string',
  },
  map_read_stream: {
    channel: 'string',
    since_offset: 'uint64',
    since_epoch: 'string',
    limit: 'int32',
    reverse: 'bool',
  },
  map_stats: CHANNEL,
  map_clear: CHANNEL,
  shared_poll_publish: {
    channel: 'string',
    key: 'string',
    data: 'bytes',
    b64data: 'string',
    version: 'uint64',
    epoch: 'string',
  },
};

const POSITION_FIELDS: Record<string, Kind> = { offset: 'uint64', epoch: 'string' };
const DISCONNECT_FIELDS: Record<string, Kind> = { code: 'uint32', reason: 'string' };
const OVERRIDE_KEYS = [
  'presence',
  'join_leave',
  'force_recovery',
  'force_positioning',
  'force_push_join_leave',
] as const;
const BOOL_VALUE_FIELDS: Record<string, Kind> = { value: 'bool' };
const BATCH_FIELDS: Record<string, Kind> = Object.fromEntries(BATCH_ORDER.map((m) => [m, 'bytes']));

const EMPTY = new Uint8Array(0);
const NULL_BYTES = new Uint8Array(Buffer.from('null'));
const ZERO: Record<Kind, unknown> = {
  string: '',
  bool: false,
  int32: 0,
  int64: 0,
  uint32: 0,
  uint64: 0,
  bytes: EMPTY,
  stringMap: undefined,
  stringList: undefined,
  position: undefined,
  override: undefined,
  disconnect: undefined,
};

const INT_LITERAL = /^-?(?:0|[1-9][0-9]*)$/;
const UINT_LITERAL = /^(?:0|[1-9][0-9]*)$/;
const RANGE: Record<IntKind, readonly [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

/**
 * Where a request's values came from. JSON keeps the body text, so `bytes` fields are the
 * raw bytes as sent and integer literals can be checked as Go checks them; protobuf
 * objects carry typed values already.
 */
interface Source {
  /** The raw text of a member's value (JSON only). */
  raw(key: string): string | undefined;
  /** The source of a member that is an object or a list. */
  member(key: string): Source;
  /** The source of a list's item. */
  item(index: number): Source;
  /** A `bytes` field's value. */
  bytes(key: string, value: unknown, where: string): Uint8Array;
}

class JsonSource implements Source {
  private node: SpanNode | undefined;
  private readonly text: string;
  private readonly span: Span | undefined;

  constructor(text: string, span: Span | undefined) {
    this.text = text;
    this.span = span;
  }

  private index(): SpanNode | undefined {
    if (this.span === undefined) return undefined;
    this.node ??= indexSpans(this.text, this.span, 1);
    return this.node;
  }

  raw(key: string): string | undefined {
    const s = this.index()?.members?.get(key);
    return s === undefined ? undefined : this.text.slice(s.start, s.end);
  }

  member(key: string): Source {
    return new JsonSource(this.text, this.index()?.members?.get(key));
  }

  item(index: number): Source {
    return new JsonSource(this.text, this.index()?.items?.[index]);
  }

  bytes(key: string, value: unknown): Uint8Array {
    if (value === null) return NULL_BYTES;
    const raw = this.raw(key) ?? '';
    const buf = Buffer.from(raw, 'utf8');
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  }
}

const PROTO_SOURCE: Source = {
  raw: () => undefined,
  member: () => PROTO_SOURCE,
  item: () => PROTO_SOURCE,
  bytes: (_key, value, where) => {
    if (!(value instanceof Uint8Array)) throw new RequestDecodeError(`${where} must be bytes`);
    // A plain view: a Buffer would serialise as {type, data} wherever JSON.stringify meets it.
    return new Uint8Array(value.buffer, value.byteOffset, value.length);
  },
};

function parseBody(body: string | Buffer): { value: unknown; text: string } {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  // As Go's json.Unmarshal into a request struct: no JSON at all is an error (a `null` body
  // is the empty request: decodeObject takes null as no fields).
  if (text.trim() === '') throw new RequestDecodeError('body is empty');
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
  return decodeRequest(method, value, new JsonSource(text, { start: 0, end: text.length }), '');
}

/**
 * A request a protobuf decoder produced (proto field names, absent fields left out, bytes as
 * Uint8Array, 64-bit integers as numbers), with the zero values and checks JSON bodies get.
 */
export function decodeRequestObject<M extends MethodName>(method: M, value: unknown): RequestOf[M] {
  return decodeRequest(method, value, PROTO_SOURCE, '');
}

/** A BatchRequest a protobuf decoder produced; PRO commands resolve to no method (104). */
export function decodeBatchObject(value: unknown): BatchRequest {
  return decodeBatch(value, PROTO_SOURCE);
}

/** Decodes the body of `POST <prefix>/batch`. */
export function decodeBatchBody(body: string | Buffer): BatchRequest {
  const { value, text } = parseBody(body);
  return decodeBatch(value, new JsonSource(text, { start: 0, end: text.length }));
}

function decodeBatch(value: unknown, source: Source): BatchRequest {
  const obj = objectOrNull(value, 'request') ?? {};
  const fields = matchFields(obj, { commands: 'stringList', parallel: 'bool' });
  const parallelKey = fields.get('parallel');
  const parallel = parallelKey === undefined ? false : expectBool(obj[parallelKey], 'parallel');
  const commandsKey = fields.get('commands');
  const list = commandsKey === undefined ? null : obj[commandsKey];
  if (list === null || list === undefined) return { commands: [], parallel };
  if (!Array.isArray(list)) throw new RequestDecodeError('commands must be a list');
  const listSource = source.member(commandsKey as string);
  const commands = list.map((cmd: unknown, i): BatchCommand => {
    const where = `commands[${i}]`;
    const cmdObj = objectOrNull(cmd, where);
    // A null command is a bad request of its own, not a reason to refuse the batch.
    if (cmdObj === undefined) return { method: undefined, invalid: true };
    const byMethod = matchFields(cmdObj, BATCH_FIELDS);
    // The first method present in the order Centrifugo's executor tries them.
    for (const method of BATCH_ORDER) {
      const key = byMethod.get(method);
      if (key === undefined || cmdObj[key] === null) continue;
      const request = decodeRequest(
        method,
        cmdObj[key],
        listSource.item(i).member(key),
        `${where}.${method}.`,
      );
      return { method, request };
    }
    return { method: undefined };
  });
  return { commands, parallel };
}

function decodeRequest<M extends MethodName>(
  method: M,
  value: unknown,
  source: Source,
  prefix: string,
): RequestOf[M] {
  const where = prefix === '' ? 'request' : prefix.slice(0, -1);
  return decodeObject(FIELDS[method], value, source, prefix, where) as unknown as RequestOf[M];
}

// Each field table as a list, built once: decoding walks it for every request.
const ENTRIES = new WeakMap<Record<string, Kind>, Array<[string, Kind]>>();
function entriesOf(fields: Record<string, Kind>): Array<[string, Kind]> {
  let list = ENTRIES.get(fields);
  if (list === undefined) {
    list = Object.entries(fields);
    ENTRIES.set(fields, list);
  }
  return list;
}

/** An object of known fields: every field present, at its zero value when absent or null. */
function decodeObject(
  fields: Record<string, Kind>,
  value: unknown,
  source: Source,
  prefix: string,
  where: string,
): Record<string, unknown> {
  const obj = objectOrNull(value, where) ?? {};
  const keys = matchFields(obj, fields);
  const out: Record<string, unknown> = {};
  for (const [name, kind] of entriesOf(fields)) {
    const key = keys.get(name);
    const v = key === undefined ? undefined : obj[key];
    const at = `${prefix}${name}`;
    if (v === undefined || (v === null && kind !== 'bytes')) {
      if (ZERO[kind] !== undefined) out[name] = ZERO[kind];
      continue;
    }
    out[name] = decodeField(kind, v, source, key as string, at);
  }
  return out;
}

function decodeField(kind: Kind, v: unknown, source: Source, key: string, where: string): unknown {
  switch (kind) {
    case 'string':
      if (typeof v !== 'string') throw new RequestDecodeError(`${where} must be a string`);
      return v;
    case 'bool':
      return expectBool(v, where);
    case 'int32':
    case 'int64':
    case 'uint32':
    case 'uint64':
      return integer(kind, v, source.raw(key), where);
    case 'bytes':
      return source.bytes(key, v, where);
    case 'stringList':
      if (!Array.isArray(v)) throw new RequestDecodeError(`${where} must be a list of strings`);
      return v.map((s, i) => {
        if (s === null) return '';
        if (typeof s !== 'string') throw new RequestDecodeError(`${where}[${i}] must be a string`);
        return s;
      });
    case 'stringMap': {
      const m = objectOrNull(v, where) ?? {};
      const out: Record<string, string> = {};
      for (const [k, s] of Object.entries(m)) {
        if (s !== null && typeof s !== 'string') {
          throw new RequestDecodeError(`${where}.${k} must be a string`);
        }
        out[k] = s ?? '';
      }
      return out;
    }
    case 'position':
      return decodeObject(POSITION_FIELDS, v, source.member(key), `${where}.`, where);
    case 'disconnect':
      return decodeObject(DISCONNECT_FIELDS, v, source.member(key), `${where}.`, where);
    case 'override': {
      const o = objectOrNull(v, where) ?? {};
      const keys = matchFields(o, Object.fromEntries(OVERRIDE_KEYS.map((k) => [k, 'bool'])));
      const nested = source.member(key);
      const out: Record<string, { value: boolean }> = {};
      for (const name of OVERRIDE_KEYS) {
        const k = keys.get(name);
        if (k === undefined || o[k] === null || o[k] === undefined) continue;
        out[name] = decodeObject(
          BOOL_VALUE_FIELDS,
          o[k],
          nested.member(k),
          `${where}.${name}.`,
          `${where}.${name}`,
        ) as { value: boolean };
      }
      return out;
    }
  }
}

/** A number of an integer proto type; from JSON, only an integer literal in range. */
function integer(kind: IntKind, v: unknown, raw: string | undefined, where: string): number {
  if (typeof v !== 'number') throw new RequestDecodeError(`${where} must be an integer`);
  if (raw === undefined) {
    if (!Number.isInteger(v)) throw new RequestDecodeError(`${where} must be an integer`);
    return v;
  }
  const unsigned = kind === 'uint32' || kind === 'uint64';
  if (!(unsigned ? UINT_LITERAL : INT_LITERAL).test(raw)) {
    throw new RequestDecodeError(
      `${where} must be ${unsigned ? 'a non-negative integer' : 'an integer'} (${kind}), got ${raw}`,
    );
  }
  const [min, max] = RANGE[kind];
  const big = BigInt(raw);
  if (big < min || big > max) {
    throw new RequestDecodeError(`${where} is out of range for ${kind}: ${raw}`);
  }
  return v === 0 ? 0 : v; // -0 is 0
}

/**
 * Each field's key in the object: its exact name, else a name equal to it ignoring case
 * (Go's encoding/json matching); the later of two keys for one field wins, as in Go.
 */
function matchFields(obj: Record<string, unknown>, fields: Record<string, unknown>) {
  const out = new Map<string, string>();
  for (const key of Object.keys(obj)) {
    if (Object.hasOwn(fields, key)) {
      out.set(key, key);
      continue;
    }
    // U+017F (long s) folds to s in Go; toLowerCase maps the Kelvin sign to k already.
    const folded = key.toLowerCase().replaceAll('\u017f', 's');
    if (Object.hasOwn(fields, folded)) out.set(folded, key);
  }
  return out;
}

function expectBool(v: unknown, where: string): boolean {
  if (v === null) return false;
  if (typeof v !== 'boolean') throw new RequestDecodeError(`${where} must be true or false`);
  return v;
}

/** An object, or undefined for null (Go leaves the value at its zero); anything else is 400. */
function objectOrNull(v: unknown, where: string): Record<string, unknown> | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new RequestDecodeError(`${where} must be a JSON object`);
  }
  return v as Record<string, unknown>;
}

export { isMethod };

/** The field table requests are decoded with, for documents that describe them (openapi.ts). */
export const REQUEST_FIELDS = {
  methods: FIELDS,
  position: POSITION_FIELDS,
  disconnect: DISCONNECT_FIELDS,
  override: OVERRIDE_KEYS,
} as const;
export type RequestFieldKind = Kind;
