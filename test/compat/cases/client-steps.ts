// Shorthands for client-protocol steps, so cases read as the exchange they are.
import type { Step } from '../case.ts';
import type { Json } from '../proto.ts';

/** Opens connection `name` and sends connect (id 1) with this token, or none. */
export function connected(name: string, token?: string, extra: Record<string, Json> = {}): Step[] {
  return [
    { open: name },
    { send: name, commands: [{ id: 1, connect: { ...(token ? { token } : {}), ...extra } }] },
  ];
}

/** One command with this id on connection `name`. */
export function cmd(name: string, id: number, method: string, body: Json = {}): Step {
  return { send: name, commands: [{ id, [method]: body }] };
}

export function sub(name: string, id: number, channel: string, options: Record<string, Json> = {}) {
  return cmd(name, id, 'subscribe', { channel, ...options });
}

export function api(method: string, body: Json): Step {
  return { api: method, body };
}

/** A field of the reply to command `id` on connection `name`, as that server sent it. */
export function replyRef(name: string, id: number, path: string, fallback?: Json): Json {
  const ref = `reply:${name}:${id}:${path}`;
  return fallback === undefined ? { $ref: ref } : { $ref: ref, default: fallback };
}
