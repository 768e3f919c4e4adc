// References from one step to what a server answered an earlier one (see resolveRefs).
import type { Transcript } from './case.ts';
import type { Connection } from './ws-connection.ts';

/**
 * A step may use what an earlier one got back, as each server answered it: `{"$ref":
 * "step:<i>:<path>"}` is the answer of the i-th API/gRPC step (its JSON body or response),
 * `{"$ref": "reply:<conn>:<id>:<path>"}` the reply to command <id> on a connection. An
 * epoch to recover from, a client id to disconnect. Absent, it is the ref's `default`, else
 * "<unresolved ref>".
 */
export function resolveRefs(
  value: unknown,
  t: Transcript,
  conns: Map<string, Connection>,
): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, t, conns));
  if (typeof value !== 'object' || value === null) return value;
  const { $ref: ref, default: fallback } = value as { $ref?: unknown; default?: unknown };
  // `default`: what an absent field means (proto3 leaves out a zero offset).
  if (typeof ref === 'string') return lookupRef(ref, t, conns) ?? fallback ?? '<unresolved ref>';
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, t, conns)]));
}

function lookupRef(ref: string, t: Transcript, conns: Map<string, Connection>): unknown {
  const parts = ref.split(':');
  let root: unknown;
  let path: string;
  if (parts[0] === 'step') {
    const observed = t.steps[Number(parts[1])] as {
      body?: { $json?: unknown };
      response?: unknown;
    };
    root = observed?.body?.$json ?? observed?.response;
    path = parts.slice(2).join(':');
  } else if (parts[0] === 'reply') {
    const id = Number(parts[2]);
    root = conns.get(parts[1] ?? '')?.record.messages.find((m) => (m as { id?: number }).id === id);
    path = parts.slice(3).join(':');
  } else {
    throw new Error(`bad $ref ${ref}`);
  }
  for (const key of path.split('.').filter((k) => k !== '')) {
    if (typeof root !== 'object' || root === null) return undefined;
    root = (root as Record<string, unknown>)[key];
  }
  return root;
}
