// The CentrifugoApi service on a grpc-js server: framing only. Key check, bytes to request,
// response to bytes and the error mode; every decision about a command belongs to the
// ApiExecutor, the same one (with protocol="grpc" metrics) that serves HTTP.
//
// The service definition is proto-loader's with the request deserializers replaced: grpc-js
// answers INTERNAL when a deserializer throws, and a request that is not valid protobuf is the
// client's fault (INVALID_ARGUMENT, with the field at fault). So these deserializers check the
// bytes first (wire-check.ts says why protobufjs alone is not enough), never throw, and hand
// the handler a Decoded value.
import {
  type handleUnaryCall,
  type Metadata,
  type Server,
  type ServiceDefinition,
  type StatusObject,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { ServiceDefinition as LoadedService, MethodDefinition } from '@grpc/proto-loader';
import {
  type ApiExecutor,
  decodeBatchObject,
  decodeRequestObject,
  type MethodName,
} from '../../api/index.ts';
import { apiKeyMatches } from '../../auth/index.ts';
import type { Logger } from '../../observability/index.ts';
import { API_PACKAGE, API_SERVICE, apiDefinition } from './proto.ts';
import { transportStatus, undecodableStatus } from './status-details.ts';
import { type Descriptor, WireChecker, type WireProblem } from './wire-check.ts';

/** The OSS rpcs and the executor method each one runs; the rest of the service is PRO. */
const OSS_METHODS: Readonly<Record<string, MethodName | 'batch'>> = {
  Batch: 'batch',
  Publish: 'publish',
  Broadcast: 'broadcast',
  Subscribe: 'subscribe',
  Unsubscribe: 'unsubscribe',
  Disconnect: 'disconnect',
  Presence: 'presence',
  PresenceStats: 'presence_stats',
  History: 'history',
  HistoryRemove: 'history_remove',
  Info: 'info',
  RPC: 'rpc',
  Refresh: 'refresh',
  Channels: 'channels',
};

const ERROR_MODE_KEY = 'x-centrifugo-error-mode';

type Decoded = { ok: true; request: unknown } | { ok: false; problem: WireProblem };

export interface ApiServiceOptions {
  executor: ApiExecutor;
  /** '' = no key check, as Centrifugo (it installs its key interceptor only for a set key). */
  key: string;
  errorMode: '' | 'transport';
  logger: Logger;
}

export function addApiService(server: Server, opts: ApiServiceOptions): void {
  const api = apiDefinition();
  const loaded = api[API_SERVICE] as LoadedService;
  const checker = new WireChecker(
    (name) => (api[`${API_PACKAGE}.${name}`] as { type: Descriptor } | undefined)?.type,
  );
  const definition: Record<string, MethodDefinition<object, object, unknown>> = {};
  const implementation: UntypedServiceImplementation = {};
  for (const [name, m] of Object.entries(loaded)) {
    const target = OSS_METHODS[name];
    const requestType = `${API_PACKAGE}.${(m.requestType.type as { name: string }).name}`;
    definition[name] = {
      ...m,
      requestDeserialize:
        target === undefined ? (buf: Buffer) => buf : safeDeserializer(target, m, checker),
    };
    implementation[name] =
      target === undefined ? unimplemented(name, opts) : handler(name, target, requestType, opts);
  }
  server.addService(definition as unknown as ServiceDefinition, implementation);
}

function safeDeserializer(
  target: MethodName | 'batch',
  method: MethodDefinition<object, object, unknown>,
  checker: WireChecker,
): (buf: Buffer) => Decoded {
  const descriptor = method.requestType.type as Descriptor;
  checker.prepare(descriptor);
  return (buf) => {
    try {
      const problem = checker.problem(buf, descriptor);
      if (problem) return { ok: false, problem };
      const obj = method.requestDeserialize(buf);
      const request =
        target === 'batch' ? decodeBatchObject(obj) : decodeRequestObject(target, obj);
      return { ok: true, request };
    } catch (err) {
      return { ok: false, problem: { field: '', reason: (err as Error).message } };
    }
  };
}

function authorized(metadata: Metadata, key: string): boolean {
  if (key === '') return true;
  // Centrifugo compares the whole first value with `apikey <KEY>`, scheme case included.
  const value = metadata.get('authorization')[0];
  return typeof value === 'string' && apiKeyMatches(value, `apikey ${key}`);
}

function refuse(name: string, metadata: Metadata, peer: string, opts: ApiServiceOptions) {
  opts.logger.warn(
    { method: name, remote: peer, keyGiven: metadata.get('authorization').length > 0 },
    'gRPC API request refused: missing or wrong API key',
  );
  return { code: status.UNAUTHENTICATED, details: 'unauthenticated' };
}

function unimplemented(name: string, opts: ApiServiceOptions): handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    if (!authorized(call.metadata, opts.key)) {
      callback(refuse(name, call.metadata, call.getPeer(), opts));
      return;
    }
    // Centrifugo PRO only; the wording is grpc-go's Unimplemented server's.
    callback({ code: status.UNIMPLEMENTED, details: `method ${name} not implemented` });
  };
}

function handler(
  name: string,
  target: MethodName | 'batch',
  requestType: string,
  opts: ApiServiceOptions,
): handleUnaryCall<Decoded, unknown> {
  return (call, callback) => {
    if (!authorized(call.metadata, opts.key)) {
      callback(refuse(name, call.metadata, call.getPeer(), opts));
      return;
    }
    const decoded = call.request;
    if (!decoded.ok) {
      opts.logger.warn(
        { method: name, field: decoded.problem.field, reason: decoded.problem.reason },
        'gRPC API request refused: not valid protobuf',
      );
      callback(undecodableStatus(requestType, decoded.problem));
      return;
    }
    const transportMode =
      opts.errorMode === 'transport' || call.metadata.get(ERROR_MODE_KEY)[0] === 'transport';
    run(target, decoded.request, transportMode, opts.executor).then(
      ({ error, response }) => callback(error ?? null, response),
      (err: unknown) => {
        // The executor never throws; this is a bug in this file, not a bad request.
        opts.logger.error({ err, method: name }, 'gRPC API request failed');
        callback({ code: status.INTERNAL, details: 'internal server error' });
      },
    );
  };
}

async function run(
  target: MethodName | 'batch',
  request: unknown,
  transportMode: boolean,
  executor: ApiExecutor,
): Promise<{ error?: Partial<StatusObject>; response?: unknown }> {
  if (target === 'batch') {
    // Batch replies carry per-command errors and are never turned into a status.
    return { response: await executor.batch(request as Parameters<ApiExecutor['batch']>[0]) };
  }
  const res = await executor.call(target, request as never);
  if (res.error) {
    if (transportMode) return { error: transportStatus(res.error, res.violations) };
    return { response: { error: res.error } };
  }
  return { response: { result: res.result } };
}
