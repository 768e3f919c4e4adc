// One gRPC proxy endpoint: the `centrifugal.centrifugo.proxy.CentrifugoProxy` service of
// proto/proxy.proto on @grpc/grpc-js, messages encoded by protocol/'s Protobuf codec from the
// descriptors in proxy-messages.ts. As Centrifugo dials it: `grpc://host:port` or a plain
// target, TLS from grpc.tls (else plaintext), grpc.credentials_key/value as metadata on every
// call (over plaintext too, as Centrifugo's RequireTransportSecurity false allows), gzip with
// grpc.compression, and the proxy's timeout as each call's deadline.
import {
  type CallOptions,
  type ChannelCredentials,
  type ChannelOptions,
  type ClientDuplexStream,
  type ClientReadableStream,
  credentials,
  Client as GrpcClient,
  Metadata,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { clientTlsOptions, type ProxyConfig } from '../config/index.ts';
import { decodeMessage, encodeMessage, type MessageDesc } from '../protocol/index.ts';
import { ProxyCallError } from './proxy-errors.ts';

const SERVICE = 'centrifugal.centrifugo.proxy.CentrifugoProxy';
/** grpc-js's CompressionAlgorithms.gzip. */
const GZIP = 2;

type Obj = Record<string, unknown>;

/** A method of the service: its name and message types. */
export interface GrpcMethod {
  name: string;
  request: MessageDesc;
  response: MessageDesc;
}

export class GrpcProxyClient {
  private readonly client: GrpcClient;
  private readonly credentialsKey: string;
  private readonly credentialsValue: string;

  constructor(config: ProxyConfig, key: string) {
    const options: ChannelOptions = {};
    if (config.grpc.compression) options['grpc.default_compression_algorithm'] = GZIP;
    const tls = clientTlsOptions(config.grpc.tls, `${key}.grpc.tls`);
    let creds: ChannelCredentials = credentials.createInsecure();
    if (tls) {
      creds = credentials.createSsl(
        (tls.ca as Buffer | undefined) ?? null,
        (tls.key as Buffer | undefined) ?? null,
        (tls.cert as Buffer | undefined) ?? null,
        tls.rejectUnauthorized === false
          ? { rejectUnauthorized: false, checkServerIdentity: () => undefined }
          : {},
      );
      if (tls.servername) options['grpc.ssl_target_name_override'] = tls.servername;
    }
    this.client = new GrpcClient(targetOf(config.endpoint), creds, options);
    this.credentialsKey = config.grpc.credentials_key;
    this.credentialsValue = config.grpc.credentials_value;
  }

  /** One unary call; throws ProxyCallError for a status, a deadline, an undecodable answer. */
  unary(
    method: GrpcMethod,
    request: Obj,
    headers: ReadonlyMap<string, string | string[]>,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Obj> {
    return new Promise((resolve, reject) => {
      const call = this.client.makeUnaryRequest(
        `/${SERVICE}/${method.name}`,
        (obj: Obj) => Buffer.from(encodeMessage(method.request, obj)),
        (bytes: Buffer) => decodeMessage(method.response, bytes),
        request,
        this.metadata(headers),
        this.callOptions(timeoutMs),
        (err: ServiceError | null, response?: Obj) => {
          signal?.removeEventListener('abort', onAbort);
          if (err) reject(callError(err));
          else resolve(response ?? {});
        },
      );
      const onAbort = () => call.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** SubscribeUnidirectional: the request goes out, the answers come as a stream. */
  serverStream(
    method: GrpcMethod,
    request: Obj,
    headers: ReadonlyMap<string, string | string[]>,
  ): ClientReadableStream<Obj> {
    return this.client.makeServerStreamRequest(
      `/${SERVICE}/${method.name}`,
      (obj: Obj) => Buffer.from(encodeMessage(method.request, obj)),
      (bytes: Buffer) => decodeMessage(method.response, bytes),
      request,
      this.metadata(headers),
      {},
    );
  }

  /** SubscribeBidirectional: both ways are streams. */
  bidiStream(
    method: GrpcMethod,
    headers: ReadonlyMap<string, string | string[]>,
  ): ClientDuplexStream<Obj, Obj> {
    return this.client.makeBidiStreamRequest(
      `/${SERVICE}/${method.name}`,
      (obj: Obj) => Buffer.from(encodeMessage(method.request, obj)),
      (bytes: Buffer) => decodeMessage(method.response, bytes),
      this.metadata(headers),
      {},
    );
  }

  /** A stream's error as the proxy layer reports it. */
  failureOf(err: ServiceError): ProxyCallError {
    return callError(err);
  }

  close(): void {
    this.client.close();
  }

  private metadata(headers: ReadonlyMap<string, string | string[]>): Metadata {
    const md = new Metadata();
    for (const [name, value] of headers) {
      for (const v of Array.isArray(value) ? value : [value]) md.add(name, v);
    }
    if (this.credentialsKey !== '')
      md.set(this.credentialsKey.toLowerCase(), this.credentialsValue);
    return md;
  }

  private callOptions(timeoutMs: number): CallOptions {
    return { deadline: Date.now() + timeoutMs };
  }
}

/** `grpc://host:port` is host:port; anything else is a gRPC target as written. */
export function targetOf(endpoint: string): string {
  if (!endpoint.startsWith('grpc://')) return endpoint;
  return new URL(endpoint).host;
}

/** A failed call as the proxy layer reports it. */
export function callError(err: ServiceError): ProxyCallError {
  if (err.code === status.DEADLINE_EXCEEDED) {
    return new ProxyCallError('timeout', err.details || 'deadline exceeded', { cause: err });
  }
  if (err.code === status.CANCELLED) {
    return new ProxyCallError('closed', 'the call was cancelled', { cause: err });
  }
  // grpc-js reports a message its deserializer threw on as INTERNAL with this text.
  if (err.code === status.INTERNAL && /parsing error/i.test(err.details)) {
    return new ProxyCallError('answer', err.details, { cause: err });
  }
  return new ProxyCallError('unreachable', `gRPC ${status[err.code]}: ${err.details}`, {
    cause: err,
  });
}
