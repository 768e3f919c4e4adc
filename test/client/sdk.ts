// The official centrifuge SDK against a real node, in either wire format. Each helper
// bounds its wait so a broken server fails a test instead of hanging it.
import { Centrifuge as CentrifugeJson, type Options } from 'centrifuge';
import { Centrifuge as CentrifugeProtobuf } from 'centrifuge/build/protobuf';
import WebSocket from 'ws';
import type { TestNode } from '../node/harness.ts';

export type WireFormat = 'json' | 'protobuf';
export const FORMATS: WireFormat[] = ['json', 'protobuf'];

export type Client = InstanceType<typeof CentrifugeJson>;

export function wsUrl(node: TestNode): string {
  return `${node.url.replace('http://', 'ws://')}/connection/websocket`;
}

export function newClient(
  node: TestNode,
  format: WireFormat,
  options: Partial<Options> = {},
): Client {
  const Ctor = format === 'json' ? CentrifugeJson : CentrifugeProtobuf;
  return new Ctor(wsUrl(node), {
    minReconnectDelay: 50,
    maxReconnectDelay: 300,
    timeout: 3000,
    ...options,
  }) as Client;
}

/** A WebSocket that sends `headers` with its upgrade request, as a browser sends cookies. */
export function socketWith(headers: Record<string, string>) {
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  };
}

/**
 * A client of the server at `base` (ws://host:port) whose upgrade request carries
 * `upgradeHeaders`; it reconnects late, so that a story sees one connection.
 */
export function clientAt(
  base: string,
  format: WireFormat,
  upgradeHeaders: Record<string, string>,
  options: Partial<Options> = {},
): Client {
  const Ctor = format === 'json' ? CentrifugeJson : CentrifugeProtobuf;
  return new Ctor(`${base}/connection/websocket`, {
    websocket: socketWith(upgradeHeaders),
    minReconnectDelay: 5000,
    timeout: 3000,
    ...options,
  }) as Client;
}

/** Resolves with the first emitted event's argument, or rejects after `ms`. */
export function once<T>(
  target: { once(event: string, fn: (arg: T) => void): unknown },
  event: string,
  ms = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    target.once(event, (arg: T) => {
      clearTimeout(timer);
      resolve(arg);
    });
  });
}

export async function waitUntil(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Publication data as the SDK of each format takes it: JSON values, or bytes of JSON text. */
export function payload(format: WireFormat, value: unknown): unknown {
  return format === 'json' ? value : new TextEncoder().encode(JSON.stringify(value));
}

/** The inverse of payload(): what a publication carried, as a JSON value. */
export function dataValue(format: WireFormat, data: unknown): unknown {
  return format === 'json' ? data : JSON.parse(new TextDecoder().decode(data as Uint8Array));
}
