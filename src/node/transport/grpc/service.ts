// The CentrifugoApi service as routes of the gRPC server (h2-server.ts): key check, bytes to
// request, response to bytes and the error mode; every decision about a command belongs to
// the ApiExecutor, the same one (with protocol="grpc" metrics) that serves HTTP.
//
// A request that is not valid protobuf is the client's fault (INVALID_ARGUMENT, with the field
// at fault), so its bytes are checked before protobufjs decodes them (wire-check.ts says why
// protobufjs alone is not enough).
import type { MethodDefinition, ServiceDefinition } from '@grpc/proto-loader';
import {
  type ApiExecutor,
  decodeBatchObject,
  decodeRequestObject,
  type MethodName,
} from '../../api/index.ts';
import { createApiKeyCheck } from '../../auth/index.ts';
import type { Logger } from '../../observability/index.ts';
import {
  type GrpcCall,
  GrpcCode,
  type GrpcStatus,
  headerValue,
  type Refusals,
  type Route,
  type UnaryOutcome,
} from './h2-server.ts';
import { API_PACKAGE, API_SERVICE, apiDefinition } from './proto.ts';
import { transportStatus, undecodableStatus } from './status-details.ts';
import { type Descriptor, WireChecker, type WireProblem } from './wire-check.ts';

/** The rpcs the executor runs, and its method for each; the rest of the service is PRO. */
const SERVED_METHODS: Readonly<Record<string, MethodName | 'batch'>> = {
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
  MapPublish: 'map_publish',
  MapRemove: 'map_remove',
  MapReadState: 'map_read_state',
  MapReadStream: 'map_read_stream',
  MapStats: 'map_stats',
  MapClear: 'map_clear',
  SharedPollPublish: 'shared_poll_publish',
};

const ERROR_MODE_KEY = 'x-centrifugo-error-mode';
const CANCELLED: UnaryOutcome = { status: { code: GrpcCode.CANCELLED, message: 'cancelled' } };

type Decoded = { ok: true; request: unknown } | { ok: false; problem: WireProblem };

export interface ApiServiceOptions {
  executor: ApiExecutor;
  /** '' = no key check, as Centrifugo (it installs its key interceptor only for a set key). */
  key: string;
  errorMode: '' | 'transport';
  /** Refused calls (key, bytes that are not the message): counted, logged at debug. */
  refusals: Refusals;
  /** For bugs only: a failed call is logged at error. */
  logger: Logger;
}

/** A route per rpc of the service, keyed by path (`/<package>.CentrifugoApi/<Method>`). */
export function apiServiceRoutes(opts: ApiServiceOptions): Map<string, Route> {
  const api = apiDefinition();
  const loaded = api[API_SERVICE] as ServiceDefinition;
  const checker = new WireChecker(
    (name) => (api[`${API_PACKAGE}.${name}`] as { type: Descriptor } | undefined)?.type,
  );
  const authorized = keyCheck(opts.key);
  const routes = new Map<string, Route>();
  for (const [name, m] of Object.entries(loaded)) {
    const target = SERVED_METHODS[name];
    const requestType = `${API_PACKAGE}.${(m.requestType.type as { name: string }).name}`;
    const handle =
      target === undefined
        ? unimplemented(name, authorized, opts)
        : handler(name, target, requestType, m, checker, authorized, opts);
    routes.set(m.path, { kind: 'unary', handle });
  }
  return routes;
}

/** Centrifugo compares the whole first value with `apikey <KEY>`, scheme case included. */
function keyCheck(key: string): (call: GrpcCall) => boolean {
  if (key === '') return () => true;
  const matches = createApiKeyCheck(`apikey ${key}`);
  return (call) => matches(headerValue(call.headers.authorization));
}

function decoder(
  target: MethodName | 'batch',
  method: MethodDefinition<object, object>,
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

function refuse(name: string, call: GrpcCall, opts: ApiServiceOptions): UnaryOutcome {
  opts.refusals.refuse(
    'unauthenticated',
    { method: name, remote: call.peer(), keyGiven: call.headers.authorization !== undefined },
    'missing or wrong API key',
  );
  return { status: { code: GrpcCode.UNAUTHENTICATED, message: 'unauthenticated' } };
}

function unimplemented(
  name: string,
  authorized: (call: GrpcCall) => boolean,
  opts: ApiServiceOptions,
) {
  return (call: GrpcCall): UnaryOutcome => {
    if (!authorized(call)) return refuse(name, call, opts);
    // Centrifugo PRO only; the wording is grpc-go's Unimplemented server's.
    return { status: { code: GrpcCode.UNIMPLEMENTED, message: `method ${name} not implemented` } };
  };
}

function handler(
  name: string,
  target: MethodName | 'batch',
  requestType: string,
  method: MethodDefinition<object, object>,
  checker: WireChecker,
  authorized: (call: GrpcCall) => boolean,
  opts: ApiServiceOptions,
) {
  const decode = decoder(target, method, checker);
  const encode = (response: unknown): UnaryOutcome => ({
    response: method.responseSerialize(response as object),
  });
  return (call: GrpcCall, bytes: Buffer): UnaryOutcome | Promise<UnaryOutcome> => {
    if (!authorized(call)) return refuse(name, call, opts);
    const decoded = decode(bytes);
    if (!decoded.ok) {
      opts.refusals.refuse(
        'bad_protobuf',
        { method: name, remote: call.peer(), field: decoded.problem.field },
        `not valid protobuf: ${decoded.problem.reason}`,
      );
      return { status: undecodableStatus(requestType, decoded.problem) };
    }
    const transportMode =
      opts.errorMode === 'transport' || headerValue(call.headers[ERROR_MODE_KEY]) === 'transport';
    return run(target, decoded.request, transportMode, opts.executor).then(
      (outcome) => {
        if ('status' in outcome) return outcome;
        // A reply no one will read is not encoded (a large history costs more to encode
        // than to read).
        return call.cancelled() ? CANCELLED : encode(outcome.response);
      },
      (err: unknown) => {
        // The executor never throws; this is a bug in this file, not a bad request.
        opts.logger.error({ err, method: name }, 'gRPC API request failed');
        return { status: { code: GrpcCode.INTERNAL, message: 'internal server error' } };
      },
    );
  };
}

async function run(
  target: MethodName | 'batch',
  request: unknown,
  transportMode: boolean,
  executor: ApiExecutor,
): Promise<{ response: unknown } | { status: GrpcStatus }> {
  if (target === 'batch') {
    // Batch replies carry per-command errors and are never turned into a status.
    return { response: await executor.batch(request as Parameters<ApiExecutor['batch']>[0]) };
  }
  const res = await executor.call(target, request as never);
  if (res.error) {
    if (transportMode) return { status: transportStatus(res.error, res.violations) };
    return { response: { error: res.error } };
  }
  return { response: { result: res.result } };
}
