// Which headers a proxy call carries, as Centrifugo v6.9 decides them:
// 1. the proxy's static headers (http.static_headers; gRPC: grpc.static_metadata);
// 2. emulated headers, the map a client puts in its connect command, only under the names
//    listed in `emulated_headers`: they are client-controlled, so a name listed in
//    `http_headers` alone is never taken from them (the v6.9.0 security fix; before it a
//    browser could forge, say, X-User-Id through emulation);
// 3. headers of the connection's HTTP request (the WebSocket upgrade) listed in
//    `http_headers`, which win over both, since a proxy in front of the node sets them.
// Names compare case-insensitively. `grpc_metadata` names keys of a gRPC client transport's
// metadata; this node's client transports are all HTTP, so there is none to take.
import type { IncomingHttpHeaders } from 'node:http';
import type { ProxyConfig } from '../config/index.ts';

/** What a connection offers for forwarding. */
export interface HeaderSource {
  /** The connection request's headers (lower-case names, as node:http gives them). */
  transport?: IncomingHttpHeaders | undefined;
  /** The connect command's `headers`, when some proxy forwards emulated headers. */
  emulated?: Readonly<Record<string, string>> | undefined;
}

/** The allow lists of one proxy, lower-cased once. */
export interface HeaderRules {
  http: ReadonlySet<string>;
  emulated: ReadonlySet<string>;
  staticHttp: ReadonlyArray<[string, string]>;
  staticGrpc: ReadonlyArray<[string, string]>;
}

export function headerRules(p: ProxyConfig): HeaderRules {
  return {
    http: new Set(p.http_headers.map((h) => h.toLowerCase())),
    emulated: new Set(p.emulated_headers.map((h) => h.toLowerCase())),
    staticHttp: Object.entries(p.http.static_headers).map(([k, v]) => [k.toLowerCase(), v]),
    staticGrpc: Object.entries(p.grpc.static_metadata).map(([k, v]) => [k.toLowerCase(), v]),
  };
}

/**
 * The forwarded values by lower-case name, and the emulated names dropped only because they
 * are not in emulated_headers although http_headers lists them (worth a hint in the log:
 * a missed migration, or a client probing names the backend trusts).
 */
export function forwardedHeaders(
  rules: HeaderRules,
  from: HeaderSource,
  statics: ReadonlyArray<[string, string]>,
): { headers: Map<string, string | string[]>; droppedEmulated: string[] } {
  const headers = new Map<string, string | string[]>(statics);
  const droppedEmulated: string[] = [];
  for (const [name, value] of Object.entries(from.emulated ?? {})) {
    const lower = name.toLowerCase();
    if (rules.emulated.has(lower)) headers.set(lower, value);
    else if (rules.http.has(lower)) droppedEmulated.push(lower);
  }
  for (const [name, value] of Object.entries(from.transport ?? {})) {
    if (value !== undefined && rules.http.has(name)) headers.set(name, value);
  }
  return { headers, droppedEmulated };
}

/** Headers of an HTTP proxy call: the forwarded ones and the JSON content type. */
export function httpHeaders(rules: HeaderRules, from: HeaderSource) {
  const out = forwardedHeaders(rules, from, rules.staticHttp);
  out.headers.set('content-type', 'application/json');
  return out;
}

/** Metadata of a gRPC proxy call: the forwarded headers as lower-case keys. */
export function grpcMetadata(rules: HeaderRules, from: HeaderSource) {
  return forwardedHeaders(rules, from, rules.staticGrpc);
}
