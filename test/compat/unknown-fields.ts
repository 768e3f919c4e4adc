// Field numbers a message's bytes hold that its descriptor does not define. protobufjs skips
// them silently when decoding; the compat suite reports them, so a field one server sends
// and the proto file does not know is a difference instead of nothing.
import protobuf from 'protobufjs';

/** Appends `<Message path>#<field number>` for each field number `type` does not define. */
export function unknownFields(type: protobuf.Type, bytes: Uint8Array, out: string[]): void {
  walk(type, bytes, type.name, out);
}

function walk(type: protobuf.Type, bytes: Uint8Array, path: string, out: string[]): void {
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const number = tag >>> 3;
    const wireType = tag & 7;
    const field = type.fieldsById[number];
    const nested = field?.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    if (!field) {
      out.push(`${path}#${number}`);
      reader.skipType(wireType);
    } else if (nested && wireType === 2) {
      const length = reader.uint32();
      const body = bytes.subarray(reader.pos, reader.pos + length);
      reader.pos += length;
      if (field.map) mapEntryUnknown(nested, body, `${path}.${field.name}`, out);
      else walk(nested, body, `${path}.${field.name}`, out);
    } else {
      reader.skipType(wireType);
    }
  }
}

/** A map entry is {1: key, 2: value}; only a message value can hide unknown fields. */
function mapEntryUnknown(valueType: protobuf.Type, entry: Uint8Array, path: string, out: string[]) {
  const reader = protobuf.Reader.create(entry);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 2 && (tag & 7) === 2) {
      const length = reader.uint32();
      walk(valueType, entry.subarray(reader.pos, reader.pos + length), path, out);
      reader.pos += length;
    } else {
      reader.skipType(tag & 7);
    }
  }
}
