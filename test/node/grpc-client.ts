// gRPC clients for tests, the two ways a user gets one: loaded from proto/api.proto with
// proto-loader (what code generation gives), and built at run time from server reflection
// (what grpcurl and Postman do). Calls resolve to the response or to the status, never throw.
import {
  type ChannelCredentials,
  type Client,
  credentials as channelCredentials,
  loadPackageDefinition,
  Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  loadFileDescriptorSetFromBuffer,
  loadSync,
  type MessageTypeDefinition,
  type Options,
  type PackageDefinition,
} from '@grpc/proto-loader';
import { API_KEY, startTestNode, type TestNode } from './harness.ts';

export const PROTO_DIR = new URL('../../proto/', import.meta.url).pathname;
export const SERVICE = 'centrifugal.centrifugo.api.CentrifugoApi';

/** How a client application would load the file: bytes as Buffer, 64-bit ints as numbers. */
export const CLIENT_OPTIONS: Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: false,
  includeDirs: [PROTO_DIR],
};

// biome-ignore lint/suspicious/noExplicitAny: responses are inspected field by field.
export type Json = any;

export type Answer =
  | { ok: true; response: Json; trailers?: Metadata }
  | { ok: false; code: number; details: string; metadata: Metadata };

export interface ApiClient {
  raw: Client;
  /** Calls `<rpc>` (e.g. `Publish`) with the key unless `metadata` is given. */
  call(rpc: string, request: Json, metadata?: Metadata): Promise<Answer>;
  close(): void;
}

export function keyMetadata(key = API_KEY, extra: Record<string, string> = {}): Metadata {
  const md = new Metadata();
  if (key !== '') md.set('authorization', `apikey ${key}`);
  for (const [k, v] of Object.entries(extra)) md.set(k, v);
  return md;
}

function wrap(raw: Client): ApiClient {
  const methods = raw as unknown as Record<
    string,
    (req: Json, md: Metadata, cb: (err: ServiceError | null, res: Json) => void) => void
  >;
  return {
    raw,
    call: (rpc, request, metadata = keyMetadata()) =>
      new Promise((resolve) => {
        const fn = methods[rpc];
        if (typeof fn !== 'function') throw new Error(`client has no ${rpc}`);
        fn.call(raw, request, metadata, (err, response) => {
          if (err) {
            resolve({ ok: false, code: err.code, details: err.details, metadata: err.metadata });
          } else resolve({ ok: true, response });
        });
      }),
    close: () => raw.close(),
  };
}

function clientFrom(
  def: PackageDefinition,
  target: string,
  creds: ChannelCredentials,
  options: Record<string, unknown> = {},
): ApiClient {
  const loaded = loadPackageDefinition(def) as Json;
  const Ctor = loaded.centrifugal.centrifugo.api.CentrifugoApi;
  return wrap(new Ctor(target, creds, options));
}

let apiDef: PackageDefinition | undefined;
export function apiDefinition(): PackageDefinition {
  apiDef ??= loadSync('api.proto', CLIENT_OPTIONS);
  return apiDef;
}

/** A client from proto/api.proto, as code generated from the file would be. */
export function generatedClient(
  target: string,
  creds: ChannelCredentials = channelCredentials.createInsecure(),
  options: Record<string, unknown> = {},
): ApiClient {
  return clientFrom(apiDefinition(), target, creds, options);
}

/** Asks the server's reflection service which services it has and their file descriptors. */
export async function reflect(
  target: string,
): Promise<{ services: string[]; descriptorSet: Buffer }> {
  const def = loadSync(
    new URL(
      '../../node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto',
      import.meta.url,
    ).pathname,
    { keepCase: true, longs: Number, defaults: false },
  );
  const loaded = loadPackageDefinition(def) as Json;
  const client = new loaded.grpc.reflection.v1.ServerReflection(
    target,
    channelCredentials.createInsecure(),
  );
  try {
    const stream = client.ServerReflectionInfo();
    const answers: Json[] = [];
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (m: Json) => answers.push(m));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    stream.write({ list_services: '*' });
    stream.write({ file_containing_symbol: SERVICE });
    stream.end();
    await done;
    const services = (answers[0]?.list_services_response?.service ?? []).map(
      (s: Json) => s.name as string,
    );
    const files: Buffer[] = answers[1]?.file_descriptor_response?.file_descriptor_proto ?? [];
    if (files.length === 0) throw new Error(`no descriptors: ${JSON.stringify(answers[1])}`);
    // A FileDescriptorSet is `repeated FileDescriptorProto file = 1`: each file as field 1.
    const parts: Buffer[] = [];
    for (const f of files) parts.push(Buffer.from([0x0a]), varint(f.length), f);
    return { services, descriptorSet: Buffer.concat(parts) };
  } finally {
    client.close();
  }
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

/** A client built only from what reflection told: no .proto file involved. */
export async function reflectedClient(target: string): Promise<ApiClient> {
  const { descriptorSet } = await reflect(target);
  const def = loadFileDescriptorSetFromBuffer(descriptorSet, CLIENT_OPTIONS);
  return clientFrom(def, target, channelCredentials.createInsecure());
}

let rpcDef: PackageDefinition | undefined;
function rpcType(name: string): MessageTypeDefinition<object, Json> {
  rpcDef ??= loadSync(
    ['google/rpc/status.proto', 'google/rpc/error_details.proto'],
    CLIENT_OPTIONS,
  );
  return rpcDef[name] as MessageTypeDefinition<object, Json>;
}

export interface DecodedDetails {
  code: number;
  message: string;
  /** The centrifugal.centrifugo.api.Error in the details (Centrifugo's own). */
  error?: { code: number; message: string };
  /** The google.rpc.BadRequest field violations, if any. */
  violations?: Array<{ field: string; description: string }>;
  typeUrls: string[];
}

/** Reads `grpc-status-details-bin` the way a Go or Java client's status.Details() would. */
export function decodeStatusDetails(metadata: Metadata): DecodedDetails | undefined {
  const bin = metadata.get('grpc-status-details-bin')[0];
  if (bin === undefined) return undefined;
  const status = rpcType('google.rpc.Status').deserialize(bin as Buffer);
  const out: DecodedDetails = {
    code: status.code ?? 0,
    message: status.message ?? '',
    typeUrls: [],
  };
  for (const any of status.details ?? []) {
    out.typeUrls.push(any.type_url);
    if (any.type_url === 'type.googleapis.com/centrifugal.centrifugo.api.Error') {
      const e = (
        apiDefinition()['centrifugal.centrifugo.api.Error'] as MessageTypeDefinition<object, Json>
      ).deserialize(any.value);
      out.error = { code: e.code ?? 0, message: e.message ?? '' };
    }
    if (any.type_url === 'type.googleapis.com/google.rpc.BadRequest') {
      const br = rpcType('google.rpc.BadRequest').deserialize(any.value);
      out.violations = (br.field_violations ?? []).map((v: Json) => ({
        field: v.field ?? '',
        description: v.description ?? '',
      }));
    }
  }
  return out;
}

/** Sends raw bytes as the request message of `path`: what a broken client puts on the wire. */
export function rawCall(
  client: ApiClient,
  path: string,
  bytes: Buffer,
  metadata = keyMetadata(),
): Promise<Answer> {
  return new Promise((resolve) => {
    client.raw.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      metadata,
      (err, response) => {
        if (err)
          resolve({ ok: false, code: err.code, details: err.details, metadata: err.metadata });
        else resolve({ ok: true, response });
      },
    );
  });
}

export interface GrpcTestNode extends TestNode {
  /** host:port of the node's gRPC server API. */
  target: string;
  client: ApiClient;
}

/** A node with the gRPC API on a free loopback port (key API_KEY unless configured). */
export async function startGrpcTestNode(raw: Record<string, unknown> = {}): Promise<GrpcTestNode> {
  const node = await startTestNode({
    ...raw,
    grpc_api: {
      enabled: true,
      address: '127.0.0.1',
      port: 0,
      key: API_KEY,
      ...(raw.grpc_api as object),
    },
  });
  const grpc = node.running.grpc;
  if (!grpc) throw new Error('node has no gRPC listener');
  const target = `127.0.0.1:${grpc.port}`;
  const client = generatedClient(target);
  return {
    ...node,
    target,
    client,
    close: async () => {
      client.close();
      await node.close();
    },
  };
}
