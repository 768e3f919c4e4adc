// Close codes and reply errors of the client protocol (reference §2.7, §2.8). A
// DisconnectError stops the connection with a WebSocket close frame; a ClientError is a
// reply error and the connection lives on.
import { type ErrorDef, Errors } from '../../core/index.ts';

export interface Disconnect {
  code: number;
  reason: string;
}

const d = (code: number, reason: string): Disconnect => Object.freeze({ code, reason });

export const Disconnects = Object.freeze({
  connectionClosed: d(3000, 'connection closed'),
  shutdown: d(3001, 'shutdown'),
  internal: d(3004, 'internal server error'),
  expired: d(3005, 'connection expired'),
  subExpired: d(3006, 'subscription expired'),
  slow: d(3008, 'slow'),
  writeError: d(3009, 'write error'),
  insufficientState: d(3010, 'insufficient state'),
  forceReconnect: d(3011, 'force reconnect'),
  noPong: d(3012, 'no pong'),
  invalidToken: d(3500, 'invalid token'),
  badRequest: d(3501, 'bad request'),
  stale: d(3502, 'stale'),
  forceNoReconnect: d(3503, 'force disconnect'),
  connectionLimit: d(3504, 'connection limit'),
  channelLimit: d(3505, 'channel limit'),
  inappropriateProtocol: d(3506, 'inappropriate protocol'),
  permissionDenied: d(3507, 'permission denied'),
  notAvailable: d(3508, 'not available'),
});

export class DisconnectError extends Error {
  override name = 'DisconnectError';
  readonly disconnect: Disconnect;
  constructor(disconnect: Disconnect, detail?: string) {
    super(detail ?? disconnect.reason);
    this.disconnect = disconnect;
  }
}

/** Reply error shapes: the client protocol's own messages where they differ from the API's. */
export interface ClientErrorShape {
  code: number;
  message: string;
  temporary?: boolean;
}

const CLIENT_MESSAGES: Record<number, string> = { 104: 'method not found' };

export class ClientError extends Error {
  override name = 'ClientError';
  readonly shape: ClientErrorShape;
  constructor(def: ErrorDef, detail?: string) {
    super(detail ?? def.message);
    const message = CLIENT_MESSAGES[def.code] ?? def.message;
    this.shape = def.temporary
      ? { code: def.code, message, temporary: true }
      : { code: def.code, message };
  }
}

export const clientError = (name: keyof typeof Errors, detail?: string) =>
  new ClientError(Errors[name], detail);

/** Unsubscribe push codes. */
export const Unsubscribes = Object.freeze({
  server: { code: 2000, reason: 'server unsubscribe' },
  insufficientState: { code: 2500, reason: 'insufficient state' },
  expired: { code: 2501, reason: 'subscription expired' },
});
