// Results into JSON text. `bytes` values (Uint8Array) are embedded raw: they hold the
// JSON a publisher sent, which Centrifugo writes back unchanged rather than as base64.

export function encodeJson(value: unknown): string {
  const parts: string[] = [];
  write(value, parts);
  return parts.join('');
}

function write(value: unknown, out: string[]): void {
  if (value instanceof Uint8Array) {
    out.push(
      value.length === 0
        ? 'null'
        : Buffer.from(value.buffer, value.byteOffset, value.length).toString('utf8'),
    );
    return;
  }
  if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i > 0) out.push(',');
      write(item, out);
    });
    out.push(']');
    return;
  }
  if (typeof value === 'object' && value !== null) {
    out.push('{');
    let first = true;
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(key), ':');
      write(item, out);
    }
    out.push('}');
    return;
  }
  out.push(JSON.stringify(value) ?? 'null');
}
