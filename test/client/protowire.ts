// A protobuf wire-format reader for tests, independent of the node's own codec: it knows
// field numbers and wire types only, so a test can check a field (say Publication.epoch,
// 14) without trusting the descriptors it tests.

export type WireValue = number | Uint8Array;

/** Every field of one message: number → values in order (varints as numbers, else bytes). */
export function fields(bytes: Uint8Array): Map<number, WireValue[]> {
  const out = new Map<number, WireValue[]>();
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[pos++];
      if (b === undefined) throw new Error('truncated varint');
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
    }
  };
  while (pos < bytes.length) {
    const key = varint();
    const no = Math.floor(key / 8);
    const type = key % 8;
    let value: WireValue;
    if (type === 0) value = varint();
    else if (type === 2) {
      const len = varint();
      value = bytes.subarray(pos, pos + len);
      pos += len;
    } else if (type === 1) {
      value = bytes.subarray(pos, pos + 8);
      pos += 8;
    } else if (type === 5) {
      value = bytes.subarray(pos, pos + 4);
      pos += 4;
    } else throw new Error(`wire type ${type}`);
    out.set(no, [...(out.get(no) ?? []), value]);
  }
  return out;
}

/** The messages of one varint-delimited frame. */
export function delimited(frame: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos < frame.length) {
    let len = 0;
    let shift = 0;
    for (;;) {
      const b = frame[pos++] as number;
      len += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
      shift += 7;
    }
    out.push(frame.subarray(pos, pos + len));
    pos += len;
  }
  return out;
}

/** The bytes at a path of length-delimited fields (first value of each), or undefined. */
export function at(message: Uint8Array, ...path: number[]): Uint8Array | undefined {
  let current: Uint8Array | undefined = message;
  for (const no of path) {
    const value: WireValue | undefined = current ? fields(current).get(no)?.[0] : undefined;
    current = value instanceof Uint8Array ? value : undefined;
  }
  return current;
}

export const text = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : new TextDecoder().decode(bytes);
