// What makes a unidirectional connection's protocol differ from a bidirectional one, as
// Centrifugo's Client does for transports whose Unidirectional() is true: every message is
// a Push on its own (the connect result is a connect push), and a connect that fails is a
// disconnect, its error code turned into a close code (defaults below, then
// client.connect_code_to_unidirectional_disconnect).

import type { Config } from '../config/index.ts';
import { type Disconnect, DisconnectError, Disconnects, Errors } from '../core/index.ts';
import { ClientError } from './client-error.ts';

type Transforms = Config['client']['connect_code_to_unidirectional_disconnect'];

/** Why a unidirectional connect failed, when the transport answers it itself. */
export type ConnectFailure =
  | { kind: 'disconnect'; code: number; reason: string }
  | { kind: 'error'; code: number; message: string };

/** Centrifugo's defaultUniErrorCodeToDisconnect: the codes a client can act on. */
const DEFAULT_DISCONNECTS: ReadonlyMap<number, Disconnect> = new Map([
  [Errors.expired.code, Disconnects.expired],
  [Errors.tokenExpired.code, Disconnects.expired],
  [Errors.tooManyRequests.code, Disconnects.tooManyRequests],
  [Errors.permissionDenied.code, Disconnects.permissionDenied],
]);

/** The disconnect a failed connect ends a unidirectional connection with. */
export function unidirectionalDisconnect(err: unknown, transforms: Transforms): Disconnect {
  if (err instanceof DisconnectError) return err.disconnect;
  if (!(err instanceof ClientError)) return Disconnects.internal;
  const code = err.shape.code;
  if (transforms.enabled) {
    const to = transforms.transforms.find((t) => t.code === code)?.to;
    if (to) return { code: to.code, reason: to.reason };
  }
  return DEFAULT_DISCONNECTS.get(code) ?? Disconnects.internal;
}

/** A failed connect as a transport answers it itself (connect_code_to_http_response). */
export function connectFailure(err: unknown): ConnectFailure {
  if (err instanceof DisconnectError) {
    return { kind: 'disconnect', code: err.disconnect.code, reason: err.disconnect.reason };
  }
  if (err instanceof ClientError) {
    return { kind: 'error', code: err.shape.code, message: err.shape.message };
  }
  return { kind: 'error', code: Errors.internal.code, message: Errors.internal.message };
}

/** The Push a unidirectional connection gets for a reply: its push, or the connect result. */
export function unidirectionalPush(reply: Record<string, unknown>): Record<string, unknown> {
  if (reply.push !== undefined) return reply.push as Record<string, unknown>;
  return { connect: reply.connect };
}
