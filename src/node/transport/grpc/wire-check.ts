// Request bytes checked against the message's descriptor before protobufjs decodes them.
//
// Why: protobufjs reads leniently. On Node it clamps a string that runs past the end of the
// buffer, and it reads a known field by its declared type whatever wire type arrived, so cut
// or mistyped bytes would turn into a plausible request (`0a 20 61`, a 32-byte channel with
// one byte present, publishes into channel "a"). grpc-go refuses such input. Checked here:
// every tag has a wire type that exists and a field number above 0; varints, lengths and
// fixed-width values stay inside the bytes; a known field comes with its type's wire type
// (packed repeated scalars also as length-delimited); strings are UTF-8 (as proto3 requires);
// known message fields recursively. Unknown fields are skipped, as proto3 requires.
import { isUtf8 } from 'node:buffer';

/** A message descriptor as proto-loader gives it (`MessageTypeDefinition.type`). */
export interface Descriptor {
  name?: string;
  field: Array<{ name: string; number: number; label: string; type: string; typeName: string }>;
  nestedType?: Descriptor[];
}

export interface WireProblem {
  /** Path of the known field at fault (`recover_since.epoch`), '' when none is. */
  field: string;
  reason: string;
}

interface FieldShape {
  name: string;
  wire: number;
  packable: boolean;
  utf8: boolean;
  message: MessageShape | undefined;
}

type MessageShape = Map<number, FieldShape>;

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

function wireOf(type: string): number {
  switch (type) {
    case 'TYPE_STRING':
    case 'TYPE_BYTES':
    case 'TYPE_MESSAGE':
      return LEN;
    case 'TYPE_DOUBLE':
    case 'TYPE_FIXED64':
    case 'TYPE_SFIXED64':
      return FIXED64;
    case 'TYPE_FLOAT':
    case 'TYPE_FIXED32':
    case 'TYPE_SFIXED32':
      return FIXED32;
    default:
      return VARINT;
  }
}

/**
 * Checks bytes against message types looked up by name. `lookup` resolves a package-level
 * type name (`StreamPosition`); map entries resolve among the parent's nested types.
 */
export class WireChecker {
  private readonly lookup: (name: string) => Descriptor | undefined;
  private readonly shapes = new Map<Descriptor, MessageShape>();

  constructor(lookup: (name: string) => Descriptor | undefined) {
    this.lookup = lookup;
  }

  /** Resolves a message's shape ahead of use; throws when a field's type cannot be found. */
  prepare(descriptor: Descriptor): void {
    this.shapeOf(descriptor);
  }

  /** Why the bytes are not a well-formed encoding of the message, or undefined. */
  problem(bytes: Uint8Array, descriptor: Descriptor): WireProblem | undefined {
    return this.check(bytes, 0, bytes.length, this.shapeOf(descriptor), '');
  }

  private shapeOf(d: Descriptor): MessageShape {
    let shape = this.shapes.get(d);
    if (shape !== undefined) return shape;
    shape = new Map();
    this.shapes.set(d, shape);
    for (const f of d.field) {
      const nested =
        f.type === 'TYPE_MESSAGE'
          ? (d.nestedType?.find((n) => n.name === f.typeName) ?? this.lookup(f.typeName))
          : undefined;
      if (f.type === 'TYPE_MESSAGE' && nested === undefined) {
        throw new Error(`descriptor of ${f.typeName} (field ${f.name}) not found`);
      }
      const wire = wireOf(f.type);
      shape.set(f.number, {
        name: f.name,
        wire,
        packable: f.label === 'LABEL_REPEATED' && wire !== LEN,
        utf8: f.type === 'TYPE_STRING',
        // Resolved now, so a descriptor that does not resolve fails at startup. The cache
        // entry made above ends recursion for a message that contains itself.
        message: nested && this.shapeOf(nested),
      });
    }
    return shape;
  }

  private check(
    buf: Uint8Array,
    start: number,
    end: number,
    shape: MessageShape,
    path: string,
  ): WireProblem | undefined {
    let pos = start;
    while (pos < end) {
      const tag = readVarint(buf, pos, end);
      if (tag === undefined) return { field: path, reason: `tag at byte ${pos} is cut short` };
      pos = tag.next;
      const number = Math.floor(tag.value / 8);
      const wire = tag.value % 8;
      const known = shape.get(number);
      const where = known ? `${path}${known.name}` : path;
      const label = known ? `field ${known.name} (${number})` : `field ${number}`;
      if (number === 0) return { field: path, reason: `field number 0 at byte ${tag.next - 1}` };
      let valueStart = pos;
      switch (wire) {
        case VARINT: {
          const v = readVarint(buf, pos, end);
          if (v === undefined) return { field: where, reason: `${label}: varint is cut short` };
          pos = v.next;
          break;
        }
        case FIXED64:
        case FIXED32: {
          pos += wire === FIXED64 ? 8 : 4;
          if (pos > end) return { field: where, reason: `${label}: value is cut short` };
          break;
        }
        case LEN: {
          const len = readVarint(buf, pos, end);
          if (len === undefined) return { field: where, reason: `${label}: length is cut short` };
          valueStart = len.next;
          pos = len.next + len.value;
          if (pos > end) {
            return {
              field: where,
              reason: `${label}: ${len.value} bytes announced, ${end - len.next} present`,
            };
          }
          break;
        }
        default:
          return { field: where, reason: `${label}: wire type ${wire} is not used by proto3` };
      }
      if (known === undefined) continue;
      if (wire !== known.wire && !(wire === LEN && known.packable)) {
        return {
          field: where,
          reason: `${label}: wire type ${wire} where its type needs ${known.wire}`,
        };
      }
      if (wire !== LEN) continue;
      if (known.utf8 && !isUtf8(buf.subarray(valueStart, pos))) {
        return { field: where, reason: `${label}: not valid UTF-8` };
      }
      if (known.message) {
        const inner = this.check(buf, valueStart, pos, known.message, `${where}.`);
        if (inner) return inner;
      }
    }
    return undefined;
  }
}

/** A varint of at most 10 bytes; numbers past 2^53 lose precision, which only lengths use. */
function readVarint(
  buf: Uint8Array,
  start: number,
  end: number,
): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = start; i < end && i < start + 10; i++) {
    const b = buf[i] as number;
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return { value, next: i + 1 };
    scale *= 128;
  }
  return undefined;
}
