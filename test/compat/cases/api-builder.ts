// Server API cases written once as [method, JSON body] calls and run over HTTP and, unless
// the body has no exact protobuf form (wrong types on purpose), over gRPC: the same calls
// through Centrifugo's own api.proto. The two run in separate groups (same config), so a
// channel used by the HTTP variant is fresh for the gRPC one.
import type { CompatCase, Step } from '../case.ts';
import { rpcName } from '../grpc-client.ts';
import type { Json } from '../proto.ts';

export type Call = [method: string, body: Json];

export interface ApiCaseOptions {
  /** false: HTTP only (the body is not representable in protobuf, or the case is HTTP's). */
  grpc?: boolean;
}

export interface ApiGroups {
  http: string;
  grpc: string;
  /** id prefixes: "api", "grpc" (or "api-transport", ...). */
  httpPrefix: string;
  grpcPrefix: string;
}

export const DEFAULT_GROUPS: ApiGroups = {
  http: 'api',
  grpc: 'grpc',
  httpPrefix: 'api',
  grpcPrefix: 'grpc',
};

export class ApiCases {
  readonly cases: CompatCase[] = [];
  private readonly groups: ApiGroups;

  constructor(groups: ApiGroups = DEFAULT_GROUPS) {
    this.groups = groups;
  }

  add(id: string, calls: Call[], options: ApiCaseOptions = {}): this {
    const g = this.groups;
    this.cases.push({
      id: `${g.httpPrefix}/${id}`,
      group: g.http,
      steps: calls.map(([api, body]): Step => ({ api, body })),
    });
    if (options.grpc !== false) {
      this.cases.push({
        id: `${g.grpcPrefix}/${id}`,
        group: g.grpc,
        steps: calls.map(([method, request]): Step => ({ grpc: rpcName(method), request })),
      });
    }
    return this;
  }

  /** One call. */
  one(id: string, method: string, body: Json, options: ApiCaseOptions = {}): this {
    return this.add(id, [[method, body]], options);
  }

  /** HTTP-only steps, exactly as given. */
  http(id: string, steps: Step[]): this {
    this.cases.push({ id: `${this.groups.httpPrefix}/${id}`, group: this.groups.http, steps });
    return this;
  }

  /** gRPC-only steps, exactly as given. */
  grpc(id: string, steps: Step[]): this {
    this.cases.push({ id: `${this.groups.grpcPrefix}/${id}`, group: this.groups.grpc, steps });
    return this;
  }
}

export const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64');
export const ref = (path: string, fallback?: Json): Json =>
  fallback === undefined ? { $ref: path } : { $ref: path, default: fallback };
