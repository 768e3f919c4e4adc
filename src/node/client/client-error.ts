// Reply errors of the client protocol: a ClientError is answered and the connection lives
// on (a DisconnectError, core/disconnects.ts, ends it). The codes are core/errors.ts's.
import { type ErrorDef, Errors } from '../core/index.ts';

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
