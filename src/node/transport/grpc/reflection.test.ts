// The descriptors reflection serves, checked against protobuf's own rules for a
// FileDescriptorProto (the ones protoc and protobuf-go's protodesc enforce, which grpcurl and
// Postman apply to what they receive): reserved ranges, field numbers, map entries, names
// that resolve. test/node/grpc-grpcurl.test.ts runs grpcurl itself against a node.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { apiDefinition, rpcStatusDefinition } from './proto.ts';
import { mapEntryName, REFLECTION_SERVICES, servedDefinition } from './reflection.ts';

interface Field {
  name: string;
  number: number;
  label?: string;
  type?: string;
  typeName?: string;
}
interface Message {
  name: string;
  field?: Field[];
  nestedType?: Message[];
  enumType?: { name: string }[];
  reservedRange?: { start: number; end: number }[];
  options?: { mapEntry?: boolean };
}
interface File {
  name: string;
  package?: string;
  dependency?: string[];
  messageType?: Message[];
  enumType?: { name: string }[];
  service?: { name: string; method: { inputType: string; outputType: string }[] }[];
}

/** Highest field number plus one: the exclusive end of `reserved N to max`. */
const MAX_FIELD_END = 2 ** 29;

/** A FileDescriptorProto as plain data: enums by name, absent fields absent. */
function decode(bytes: Buffer): File {
  const type = descriptor.FileDescriptorProto;
  return type.toObject(type.decode(bytes), { enums: String, defaults: false }) as File;
}

function servedFiles(): File[] {
  const served = servedDefinition({ ...apiDefinition(), ...rpcStatusDefinition() });
  const seen = new Set<Buffer>();
  const files: File[] = [];
  for (const entry of Object.values(served)) {
    for (const bytes of (entry as { fileDescriptorProtos?: Buffer[] }).fileDescriptorProtos ?? []) {
      if (seen.has(bytes)) continue;
      seen.add(bytes);
      files.push(decode(bytes));
    }
  }
  return files;
}

/** Every problem protobuf's descriptor checks would report, as text. */
function problems(files: File[]): string[] {
  const out: string[] = [];
  /** Each type's full name, and the file that defines it. */
  const types = new Map<string, string>();
  const collect = (scope: string, m: Message, file: string) => {
    const full = `${scope}.${m.name}`;
    types.set(full, file);
    for (const e of m.enumType ?? []) types.set(`${full}.${e.name}`, file);
    for (const n of m.nestedType ?? []) collect(full, n, file);
  };
  for (const f of files) {
    const scope = f.package ? `.${f.package}` : '';
    for (const m of f.messageType ?? []) collect(scope, m, f.name);
    for (const e of f.enumType ?? []) types.set(`${scope}.${e.name}`, f.name);
  }
  let current: File | undefined;
  // protobuf's scoping: a relative name is looked up from the innermost scope outwards; the
  // file defining it must be this file or one it imports.
  const resolves = (scope: string, name: string) => {
    const visible = (full: string) => {
      const file = types.get(full);
      return (
        file !== undefined && (file === current?.name || !!current?.dependency?.includes(file))
      );
    };
    if (name.startsWith('.')) return visible(name);
    for (let s = scope; ; s = s.slice(0, Math.max(0, s.lastIndexOf('.')))) {
      if (types.has(`${s}.${name}`)) return visible(`${s}.${name}`);
      if (s === '') return false;
    }
  };
  const check = (scope: string, m: Message) => {
    const full = `${scope}.${m.name}`;
    const ranges = [...(m.reservedRange ?? [])].sort((a, b) => a.start - b.start);
    ranges.forEach((r, i) => {
      if (!(r.start >= 1 && r.start < r.end && r.end <= MAX_FIELD_END)) {
        out.push(`${full}: reserved range [${r.start}, ${r.end}) is empty or out of bounds`);
      }
      const next = ranges[i + 1];
      if (next && next.start < r.end) out.push(`${full}: reserved ranges overlap at ${next.start}`);
    });
    const numbers = new Set<number>();
    for (const f of m.field ?? []) {
      if (f.number < 1 || f.number >= MAX_FIELD_END || (f.number >= 19000 && f.number <= 19999)) {
        out.push(`${full}.${f.name}: invalid field number ${f.number}`);
      }
      if (numbers.has(f.number)) out.push(`${full}.${f.name}: number ${f.number} used twice`);
      numbers.add(f.number);
      if (ranges.some((r) => f.number >= r.start && f.number < r.end)) {
        out.push(`${full}.${f.name}: number ${f.number} is reserved`);
      }
      if (f.typeName !== undefined && !resolves(full, f.typeName)) {
        out.push(
          `${full}.${f.name}: type ${f.typeName} does not resolve, or its file is not imported`,
        );
      }
      const entry = (m.nestedType ?? []).find(
        (n) => n.options?.mapEntry && (f.typeName === `${full}.${n.name}` || f.typeName === n.name),
      );
      if (entry) {
        if (entry.name !== mapEntryName(f.name)) {
          out.push(`${full}.${f.name}: map entry named ${entry.name}, not ${mapEntryName(f.name)}`);
        }
        if (f.label !== 'LABEL_REPEATED') out.push(`${full}.${f.name}: a map field is repeated`);
        const kv = (entry.field ?? []).map((e) => `${e.name}=${e.number}`).join(',');
        if (kv !== 'key=1,value=2') out.push(`${full}.${f.name}: map entry fields ${kv}`);
      }
    }
    for (const n of m.nestedType ?? []) check(full, n);
  };
  for (const f of files) {
    current = f;
    const scope = f.package ? `.${f.package}` : '';
    for (const m of f.messageType ?? []) check(scope, m);
    for (const s of f.service ?? []) {
      for (const method of s.method) {
        for (const t of [method.inputType, method.outputType]) {
          if (!resolves(scope, t)) out.push(`${scope}.${s.name}: type ${t} does not resolve`);
        }
      }
    }
  }
  return out;
}

describe('served descriptors', () => {
  it("break none of protobuf's descriptor rules", () => {
    const files = servedFiles();
    assert.ok(files.length >= 3, 'the API, google.rpc and the reflection services');
    assert.deepEqual(problems(files), []);
  });

  it('write `reserved 1, 2, 3` as protoc does: [1,2) [2,3) [3,4)', () => {
    const api = servedFiles().find((f) => f.package === 'centrifugal.centrifugo.api');
    const command = api?.messageType?.find((m) => m.name === 'Command');
    assert.deepEqual(
      command?.reservedRange?.map((r) => [r.start, r.end]),
      [
        [1, 2],
        [2, 3],
        [3, 4],
      ],
    );
  });

  it("name map entries as protoc does, and the check catches protobufjs's own names", () => {
    assert.equal(mapEntryName('tags'), 'TagsEntry');
    assert.equal(mapEntryName('subscription_tokens'), 'SubscriptionTokensEntry');
    assert.equal(mapEntryName('webpush_keys2'), 'WebpushKeys2Entry');
    // What protobufjs writes unaided fails the check: it is not a check that passes anything.
    const raw = new Set<Buffer>();
    for (const e of Object.values({ ...apiDefinition(), ...rpcStatusDefinition() })) {
      for (const b of (e as { fileDescriptorProtos?: Buffer[] }).fileDescriptorProtos ?? [])
        raw.add(b);
    }
    const unfixed = [...raw].map(
      (b) => descriptor.FileDescriptorProto.decode(b) as unknown as File,
    );
    const found = problems(unfixed).join('\n');
    assert.match(found, /Command: reserved range \[1, 1\) is empty/);
    assert.match(found, /PublishRequest\.tags: map entry named Tags, not TagsEntry/);
    assert.match(found, /google\.rpc\.Status\.details: type protobuf\.Any does not resolve/);
  });

  it('describe the reflection services themselves', () => {
    const services = servedFiles().flatMap((f) =>
      (f.service ?? []).map((s) => `${f.package}.${s.name}`),
    );
    for (const s of REFLECTION_SERVICES) assert.ok(services.includes(s), s);
  });
});
