// What legitimately differs between two servers given the same inputs, and nothing else:
// - client ids, session ids (unidirectional transports) and epochs (random per server):
//   renamed by first appearance, so "the same id in two places" still has to hold; connections are read first, in the order opened,
//   so a client is named where its connect reply introduced it;
// - times, token TTLs (counted from the second the server read the token), versions;
// - a node's uid (in node info and in an emulated connection's connect result), name, uptime, version, and the values of its metrics and process stats
//   (and the build series of its metrics, named after the version);
// - pings (`{}`), sent on a timer, not in answer to anything;
// - the space after "proto:" in a gRPC status's details: protobuf-go writes a no-break space
//   or a plain one, chosen per build of the binary (to keep callers from matching its text);
// - content-type parameters (both servers' JSON and text are UTF-8): the media type stays;
// - this node's documented extensions (README, "Differences from Centrifugo"): `details` in a
//   transport-mode HTTP error body, and the reason after "Bad Request: " in a plain 400.
import type { Transcript } from './case.ts';
import type { Json } from './proto.ts';

/** "Bad Request: channel must be a string\n": this node names what is wrong. */
const BAD_REQUEST_REASON = /^Bad Request: [^\n]*\n$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class FirstSeen {
  private readonly names = new Map<string, string>();
  private readonly kind: string;
  constructor(kind: string) {
    this.kind = kind;
  }
  name(value: string): string {
    let name = this.names.get(value);
    if (name === undefined) {
      name = `<${this.kind} ${this.names.size + 1}>`;
      this.names.set(value, name);
    }
    return name;
  }
}

interface Names {
  client: FirstSeen;
  session: FirstSeen;
  epoch: FirstSeen;
  node: FirstSeen;
}

export function normalize(t: Transcript): Json {
  const names: Names = {
    client: new FirstSeen('client'),
    session: new FirstSeen('session'),
    epoch: new FirstSeen('epoch'),
    node: new FirstSeen('node'),
  };
  const conns: Record<string, Json> = {};
  for (const [name, record] of Object.entries(t.conns)) {
    const r = record as { messages: Json[] };
    conns[name] = walk({ ...r, messages: r.messages.filter((m) => !isPing(m)) }, names);
  }
  const steps = t.steps.map((s) => normalizeStep(s, names));
  return {
    ...(t.started !== undefined ? { started: t.started } : {}),
    ...(t.refused !== undefined ? { refused: t.refused } : {}),
    steps,
    conns,
  };
}

function normalizeStep(step: Json, names: Names): Json {
  const s = { ...(step as Record<string, Json>) };
  if (typeof s.contentType === 'string') {
    s.contentType = s.contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  }
  const body = s.body as { $json?: Json; $text?: Json } | undefined;
  if (body?.$json !== undefined) s.body = { $json: withoutErrorDetails(body.$json) };
  if (s.status === 400 && typeof body?.$text === 'string' && BAD_REQUEST_REASON.test(body.$text)) {
    s.body = { $text: 'Bad Request\n' };
  }
  return walk(s, names);
}

/** A transport-mode error body `{code, message, details}`: details are this node's extension. */
function withoutErrorDetails(body: Json): Json {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  if (!('details' in body) || !('code' in body) || !('message' in body)) return body;
  const { details: _, ...rest } = body;
  return rest;
}

function isPing(m: Json): boolean {
  return typeof m === 'object' && m !== null && !Array.isArray(m) && Object.keys(m).length === 0;
}

function walk(value: Json, names: Names): Json {
  if (Array.isArray(value)) return value.map((v) => walk(v, names));
  if (typeof value !== 'object' || value === null) return value;
  if ('uid' in value && 'name' in value) return nodeInfo(value, names);
  const out: Record<string, Json> = {};
  for (const [key, v] of Object.entries(value)) {
    const k = UUID.test(key) ? names.client.name(key) : key;
    out[k] = leaf(key, v, names);
  }
  return out;
}

function leaf(key: string, v: Json, names: Names): Json {
  if (typeof v === 'string' && v !== '') {
    if (key === 'client') return names.client.name(v);
    if (key === 'session') return names.session.name(v);
    if (key === 'epoch') return names.epoch.name(v);
    // An emulated connection's connect result names its node (a uid, random per server).
    if (key === 'node' && UUID.test(v)) return names.node.name(v);
    if (key === 'version') return '<version>';
    if (key === 'details') return v.replaceAll('proto:\u00a0', 'proto: ');
  }
  if (typeof v === 'number' && (key === 'time' || key === 'ttl')) return `<${key}>`;
  return walk(v, names);
}

/**
 * One node of an info result: identity and measurements differ, counts must not. Uptime is
 * always there: at 0 s Centrifugo leaves it out (omitempty), a second later it is present.
 */
function nodeInfo(node: { [key: string]: Json }, names: Names): Json {
  const out: Record<string, Json> = { uptime: '<uptime>' };
  for (const [key, v] of Object.entries(node)) {
    if (key === 'uid' && typeof v === 'string') out[key] = names.node.name(v);
    else if (key === 'name' || key === 'version' || key === 'uptime') out[key] = `<${key}>`;
    else if (key === 'metrics') out[key] = measured(withoutBuildSeries(v));
    else if (key === 'process') out[key] = measured(v);
    else out[key] = walk(v, names);
  }
  return out;
}

/**
 * The build series is named after the version (`centrifugo.node.build.version.6.9.1`), and
 * Centrifugo sets it only after its first snapshot: which versions, and when, differ.
 */
function withoutBuildSeries(metrics: Json): Json {
  if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) return metrics;
  const items = metrics.items;
  if (typeof items !== 'object' || items === null || Array.isArray(items)) return metrics;
  const kept = Object.entries(items).filter(([k]) => !k.startsWith('centrifugo.node.build.'));
  return { ...metrics, items: Object.fromEntries(kept) };
}

/** Keeps the shape (which metrics exist), not the values. */
function measured(v: Json): Json {
  if (typeof v === 'number') return '<n>';
  if (Array.isArray(v)) return v.map(measured);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k, k === 'interval' ? x : measured(x)]),
  );
}
