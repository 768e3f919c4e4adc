// The shape of intended.ts and pending.ts: one reason, the cases it covers.
export function byReason(groups: Record<string, string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [reason, ids] of Object.entries(groups)) {
    for (const id of ids) {
      if (out[id] !== undefined) throw new Error(`${id} is listed twice`);
      out[id] = reason;
    }
  }
  return out;
}

/** A client case in both encodings. */
export const both = (id: string): string[] => [`${id}/json`, `${id}/protobuf`];
