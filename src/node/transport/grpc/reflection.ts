// gRPC server reflection (v1 and v1alpha) for grpcurl, Postman and generated-at-runtime
// clients. @grpc/reflection holds the descriptors and answers the requests; it registers
// itself through a server's addService(definition, implementation), which this adapts to
// streaming routes of h2-server.ts. Its handler only uses on('data'), on('end'), write()
// and end() of the call, so that is all the adapter gives it.
import { EventEmitter } from 'node:events';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import type { Route, StreamWriter } from './h2-server.ts';

interface MethodDef {
  path: string;
  requestDeserialize(bytes: Buffer): unknown;
  responseSerialize(value: unknown): Buffer;
}
type StreamImpl = (call: EventEmitter & { write(v: unknown): void; end(): void }) => void;

/** Streaming routes of the reflection services describing `definition`. */
export function reflectionRoutes(definition: PackageDefinition): Map<string, Route> {
  const routes = new Map<string, Route>();
  const server = {
    addService(service: Record<string, MethodDef>, impl: Record<string, StreamImpl>) {
      for (const [name, method] of Object.entries(service)) {
        const run = impl[name];
        if (run !== undefined)
          routes.set(method.path, { kind: 'stream', handle: adapt(method, run) });
      }
    },
  };
  new ReflectionService(definition).addToServer(server as never);
  return routes;
}

function adapt(method: MethodDef, run: StreamImpl): Extract<Route, { kind: 'stream' }>['handle'] {
  return (_call, out: StreamWriter) => {
    const call = Object.assign(new EventEmitter(), {
      write: (value: unknown) => out.write(method.responseSerialize(value)),
      end: () => out.end(),
    });
    run(call);
    return {
      message: (bytes) => {
        let request: unknown;
        try {
          request = method.requestDeserialize(bytes);
        } catch (err) {
          out.end({
            code: 3,
            message: `not a valid reflection request: ${(err as Error).message}`,
          });
          return;
        }
        call.emit('data', request);
      },
      end: () => call.emit('end'),
    };
  };
}
