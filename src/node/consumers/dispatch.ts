// Turns consumed messages into server API commands and says whether each is done. The rules
// are Centrifugo's (internal/api/consuming.go), so a message gets the same fate on both:
// - done: the command succeeded, or failed for good (a bad request, an unknown channel, a
//   payload that does not decode, a method consumers do not run): such a message is logged
//   and skipped, since retrying cannot make it succeed;
// - retry: the command failed with an internal error (code 100: the engine unreachable, say),
//   including one channel of a broadcast doing so. dispatch throws TemporaryDispatchError and
//   the consumer keeps the message, retrying it with backoff. Publishers that set an
//   `idempotency_key` get the publication once even when a retry repeats an accepted publish.
import {
  type ApiExecutor,
  decodeMethodBody,
  decodeRequestObject,
  isMethod,
  type MethodName,
  RequestDecodeError,
} from '../api/index.ts';
import type { RateLimitedLog } from '../observability/index.ts';
import { jsonField, topLevelJsonFields } from './json-fields.ts';

/** The command failed in a way a later attempt may not: keep the message and retry it. */
export class TemporaryDispatchError extends Error {
  override name = 'TemporaryDispatchError';
  readonly code: number;
  constructor(method: string, code: number, message: string) {
    super(`${method}: ${code} ${message}`);
    this.code = code;
  }
}

/** The methods a consumed command may call, as in Centrifugo; others are skipped. */
const CONSUMABLE: ReadonlySet<MethodName> = new Set([
  'publish',
  'broadcast',
  'subscribe',
  'unsubscribe',
  'disconnect',
  'history_remove',
  'refresh',
]);

const INTERNAL = 100;

/** A publication of publication data mode: data as-is, the rest from headers or fields. */
export interface ConsumedPublication {
  data: Uint8Array;
  idempotencyKey: string;
  delta: boolean;
  tags: Record<string, string> | undefined;
  version: number;
  versionEpoch: string;
}

export class Dispatcher {
  private readonly executor: ApiExecutor;
  private readonly log: RateLimitedLog;

  constructor(executor: ApiExecutor, log: RateLimitedLog) {
    this.executor = executor;
    this.log = log;
  }

  /**
   * Runs one consumed command: `method` with `payload` as its request, or, when `method` is
   * empty, a payload `{"method": ..., "payload": ...}` whose payload may also be a JSON string
   * holding the request (as Debezium writes JSONB columns).
   */
  async dispatchCommand(method: string, payload: Uint8Array): Promise<void> {
    if (method !== '') return this.run(method, payload);
    const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString();
    const fields = topLevelJsonFields(text);
    if (fields === undefined) {
      this.log.warn('malformed', 'skip malformed consumed message', () => ({
        reason: 'not a JSON object with method and payload',
      }));
      return;
    }
    const methodText = jsonField(fields, 'method');
    let inner = jsonField(fields, 'payload') ?? 'null';
    if (inner.startsWith('"')) inner = JSON.parse(inner) as string;
    const name = methodText?.startsWith('"') ? (JSON.parse(methodText) as string) : '';
    return this.run(name, Buffer.from(inner));
  }

  /** Publishes data into one channel (publish) or several (broadcast); none: nothing to do. */
  async dispatchPublication(channels: string[], pub: ConsumedPublication): Promise<void> {
    if (channels.length === 0) return;
    const fields = {
      data: pub.data,
      idempotency_key: pub.idempotencyKey,
      delta: pub.delta,
      tags: pub.tags,
      version: pub.version,
      version_epoch: pub.versionEpoch,
    };
    if (channels.length === 1) {
      const request = decodeRequestObject('publish', { ...fields, channel: channels[0] });
      return this.settle('publish', await this.executor.call('publish', request));
    }
    const request = decodeRequestObject('broadcast', { ...fields, channels });
    return this.settle('broadcast', await this.executor.call('broadcast', request));
  }

  private async run(method: string, payload: Uint8Array): Promise<void> {
    if (!isMethod(method) || !CONSUMABLE.has(method)) {
      this.log.warn('unsupported-method', 'skip unsupported API command method', () => ({
        method,
      }));
      return;
    }
    let request: unknown;
    try {
      request = decodeMethodBody(method, Buffer.from(payload));
    } catch (err) {
      if (!(err instanceof RequestDecodeError)) throw err;
      this.skip(method, `invalid data: ${err.message}`);
      return;
    }
    return this.settle(method, await this.executor.call(method, request as never));
  }

  private settle(
    method: MethodName,
    response: { error?: { code: number; message: string }; result?: unknown },
  ): void {
    const { error } = response;
    if (error !== undefined) {
      if (error.code === INTERNAL)
        throw new TemporaryDispatchError(method, error.code, error.message);
      this.skip(method, `${error.code} ${error.message}`);
      return;
    }
    if (method !== 'broadcast') return;
    // One channel of a broadcast failing internally retries the whole message; the channels
    // that took it repeat nothing visible when the publisher gave an idempotency key.
    const responses = (response.result as { responses?: Array<{ error?: { code: number } }> })
      .responses;
    const failed = responses?.find((r) => r.error?.code === INTERNAL);
    if (failed?.error) {
      throw new TemporaryDispatchError(method, failed.error.code, 'internal server error');
    }
  }

  private skip(method: string, reason: string): void {
    this.log.warn(`skip-${method}`, 'non retryable error during consuming, skip message', () => ({
      method,
      reason,
    }));
  }
}
