// A gRPC client of the server API built from Centrifugo's own api.proto at run time: the
// request encoded by protobufjs from the case's JSON, the response bytes decoded by the
// same file (unknown field numbers reported, not dropped), the status when it fails.
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { API_SERVICE, decodeMessage, encodeMessage, type Json } from './proto.ts';

export type GrpcAnswer = { response: Json } | { code: number; details: string };

const DEADLINE_MS = 5_000;

export class GrpcApiClient {
  private readonly client: Client;
  private readonly service: protobuf.Service;

  constructor(target: string, api: protobuf.Root) {
    this.client = new Client(target, credentials.createInsecure());
    this.service = api.lookupService(API_SERVICE);
  }

  /** Calls `rpc` (PascalCase, as in the proto's service) with these metadata entries. */
  call(rpc: string, request: Json, metadata: Record<string, string>): Promise<GrpcAnswer> {
    const method = this.service.methods[rpc];
    if (!method?.resolvedRequestType || !method.resolvedResponseType) {
      throw new Error(`api.proto has no rpc ${rpc}`);
    }
    const responseType = method.resolvedResponseType;
    const bytes = Buffer.from(encodeMessage(method.resolvedRequestType, request));
    const md = new Metadata();
    for (const [k, v] of Object.entries(metadata)) md.set(k, v);
    return new Promise((resolve) => {
      this.client.makeUnaryRequest(
        `/${API_SERVICE}/${rpc}`,
        (b: Buffer) => b,
        (b: Buffer) => b,
        bytes,
        md,
        { deadline: Date.now() + DEADLINE_MS },
        (err: ServiceError | null, response?: Buffer) => {
          if (err) resolve({ code: err.code, details: err.details });
          else resolve({ response: decodeMessage(responseType, response ?? Buffer.alloc(0)) });
        },
      );
    });
  }

  close(): void {
    this.client.close();
  }
}

/** The rpc name of an HTTP API method: presence_stats -> PresenceStats, rpc -> RPC. */
export function rpcName(method: string): string {
  if (method === 'rpc') return 'RPC';
  return method
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
