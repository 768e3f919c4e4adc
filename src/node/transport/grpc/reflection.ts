// gRPC server reflection (v1 and v1alpha) for grpcurl, Postman and generated-at-runtime
// clients. @grpc/reflection holds the descriptors and answers the requests; it registers
// itself through a server's addService(definition, implementation), which this adapts to
// streaming routes of h2-server.ts. Its handler only uses on('data'), on('end'), write()
// and end() of the call, so that is all the adapter gives it.
//
// What it serves is corrected first (servedDefinition, conformingDescriptor): the descriptors
// protobufjs writes break two of protobuf's rules, which grpcurl and every client built on
// protobuf's own descriptor checks refuse. And the reflection services describe themselves,
// as grpc-go's do, so `grpcurl list` shows them.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import type { Route, StreamWriter } from './h2-server.ts';
import { DECODE_OPTIONS } from './proto.ts';

interface MethodDef {
  path: string;
  requestDeserialize(bytes: Buffer): unknown;
  responseSerialize(value: unknown): Buffer;
}
type StreamImpl = (call: EventEmitter & { write(v: unknown): void; end(): void }) => void;

/** The reflection services, as @grpc/reflection serves them. */
export const REFLECTION_SERVICES = [
  'grpc.reflection.v1.ServerReflection',
  'grpc.reflection.v1alpha.ServerReflection',
];

/** Streaming routes of the reflection services describing `definition` and themselves. */
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
  new ReflectionService(servedDefinition(definition)).addToServer(server as never);
  return routes;
}

/** `definition` and the reflection services, in descriptors protobuf's own checks accept. */
export function servedDefinition(definition: PackageDefinition): PackageDefinition {
  const own = createRequire(import.meta.url);
  const protoDir = join(dirname(own.resolve('@grpc/reflection/package.json')), 'build', 'proto');
  const files = ['grpc/reflection/v1/reflection.proto', 'grpc/reflection/v1alpha/reflection.proto'];
  const reflection = loadSync(files, { ...DECODE_OPTIONS, includeDirs: [protoDir] });
  const combined = { ...definition, ...reflection };
  const all = new Set<Buffer>();
  for (const entry of Object.values(combined)) {
    for (const b of (entry as { fileDescriptorProtos?: Buffer[] }).fileDescriptorProtos ?? []) {
      all.add(b);
    }
  }
  const fixed = conformingDescriptors([...all]);
  const out: PackageDefinition = {};
  for (const [name, entry] of Object.entries(combined)) {
    const protos = (entry as { fileDescriptorProtos?: Buffer[] }).fileDescriptorProtos;
    out[name] = Array.isArray(protos)
      ? ({
          ...entry,
          fileDescriptorProtos: protos.map((b) => fixed.get(b) ?? b),
        } as PackageDefinition[string])
      : entry;
  }
  return out;
}

interface MessageDescriptor {
  name?: string;
  field?: Array<{ name?: string; typeName?: string }>;
  nestedType?: MessageDescriptor[];
  enumType?: Array<{ name?: string }>;
  reservedRange?: Array<{ start?: number; end?: number }>;
  options?: { mapEntry?: boolean };
}

interface FileDescriptor {
  name?: string;
  package?: string;
  dependency?: string[];
  messageType?: MessageDescriptor[];
  enumType?: Array<{ name?: string }>;
  service?: Array<{ method?: Array<{ inputType?: string; outputType?: string }> }>;
}

/**
 * What protobufjs adds to a reserved range's end when it writes a descriptor: 0 while it
 * writes the inclusive end of its own [from, to] pairs, 1 once it writes protobuf's exclusive
 * end. Asked of protobufjs itself, so a fixed protobufjs is not "fixed" twice.
 */
function reservedEndShortfall(): number {
  const probe = new protobuf.Type('Probe');
  probe.reserved = [[1, 1]];
  const written = (probe as unknown as { toDescriptor(): MessageDescriptor }).toDescriptor();
  return written.reservedRange?.[0]?.end === 1 ? 1 : 0;
}

/** protoc's name for the entry type of a map field: `webpush_keys` -> `WebpushKeysEntry`. */
export function mapEntryName(field: string): string {
  return `${field.replace(/(?:^|_)([a-z0-9]?)/g, (_, c: string) => c.toUpperCase())}Entry`;
}

/**
 * FileDescriptorProtos as protobuf's own descriptor checks (protoc, protobuf-go's protodesc,
 * which grpcurl uses) accept them, where protobufjs writes them otherwise: a reserved range
 * ends after its last number (exclusive); a map field's entry type is named `<Field>Entry`
 * (protobufjs: `<Field>`, "an invalid map" to protodesc); a type is named in full
 * (`.google.protobuf.Any`, where protobufjs leaves `protobuf.Any`) and its file is among the
 * file's dependencies, which protobufjs leaves empty.
 */
export function conformingDescriptors(files: readonly Buffer[]): Map<Buffer, Buffer> {
  const add = reservedEndShortfall();
  const decoded = files.map(
    (b) => descriptor.FileDescriptorProto.decode(b) as unknown as FileDescriptor,
  );
  const definedIn = new Map<string, string>();
  const rename = (message: MessageDescriptor, scope: string, file: string) => {
    const fullName = `${scope}.${message.name}`;
    definedIn.set(fullName, file);
    for (const r of message.reservedRange ?? []) r.end = (r.end ?? 0) + add;
    const entries = new Map(
      (message.nestedType ?? []).filter((n) => n.options?.mapEntry).map((n) => [n.name, n]),
    );
    for (const f of message.field ?? []) {
      const entry = f.typeName ? entries.get(f.typeName) : undefined;
      if (entry === undefined || f.name === undefined) continue;
      entry.name = mapEntryName(f.name);
      f.typeName = `${fullName}.${entry.name}`;
    }
    for (const e of message.enumType ?? []) definedIn.set(`${fullName}.${e.name}`, file);
    for (const nested of message.nestedType ?? []) rename(nested, fullName, file);
  };
  for (const f of decoded) {
    const scope = f.package ? `.${f.package}` : '';
    for (const m of f.messageType ?? []) rename(m, scope, f.name ?? '');
    for (const e of f.enumType ?? []) definedIn.set(`${scope}.${e.name}`, f.name ?? '');
  }
  // protobuf's scoping: a relative name is looked up from the innermost scope outwards.
  const qualify = (name: string | undefined, scope: string): string | undefined => {
    if (!name || name.startsWith('.')) return name;
    for (let s = scope; ; s = s.slice(0, Math.max(0, s.lastIndexOf('.')))) {
      if (definedIn.has(`${s}.${name}`)) return `${s}.${name}`;
      if (s === '') return name;
    }
  };
  const out = new Map<Buffer, Buffer>();
  decoded.forEach((f, i) => {
    const deps = new Set(f.dependency ?? []);
    const use = (name: string | undefined) => {
      const file = name === undefined ? undefined : definedIn.get(name);
      if (file !== undefined && file !== f.name) deps.add(file);
    };
    const visit = (message: MessageDescriptor, scope: string) => {
      const fullName = `${scope}.${message.name}`;
      for (const field of message.field ?? []) {
        if (!field.typeName) continue;
        field.typeName = qualify(field.typeName, fullName);
        use(field.typeName);
      }
      for (const nested of message.nestedType ?? []) visit(nested, fullName);
    };
    const scope = f.package ? `.${f.package}` : '';
    for (const m of f.messageType ?? []) visit(m, scope);
    for (const svc of f.service ?? []) {
      for (const m of svc.method ?? []) {
        m.inputType = qualify(m.inputType, scope);
        m.outputType = qualify(m.outputType, scope);
        use(m.inputType);
        use(m.outputType);
      }
    }
    f.dependency = [...deps].sort();
    const bytes = Buffer.from(descriptor.FileDescriptorProto.encode(f as never).finish());
    out.set(files[i] as Buffer, bytes);
  });
  return out;
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
