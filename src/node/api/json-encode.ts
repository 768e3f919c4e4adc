// Results into JSON text. `bytes` values (Uint8Array) are embedded raw: they hold the
// JSON a publisher sent, which Centrifugo writes back unchanged rather than as base64.
// Built by string concatenation (V8 joins the pieces lazily), which is the cheapest way to
// write the small replies every API call gets.

export function encodeJson(value: unknown): string {
  if (value instanceof Uint8Array) {
    return value.length === 0
      ? 'null'
      : Buffer.from(value.buffer, value.byteOffset, value.length).toString('utf8');
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += encodeJson(value[i]);
    }
    return `${out}]`;
  }
  if (typeof value === 'object' && value !== null) {
    let out = '{';
    let first = true;
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      if (item === undefined) continue;
      if (!first) out += ',';
      first = false;
      out += `${JSON.stringify(key)}:${encodeJson(item)}`;
    }
    return `${out}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
