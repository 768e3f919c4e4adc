// Server API commands that act on connections travel as control messages through the
// broker, so they reach a user's connections on whichever node holds them (on the memory
// engine the broker hands them straight back to this node). JSON with base64 for bytes.
import type {
  ConnectionControl,
  ConnectionFilter,
  ServerDisconnect,
  ServerRefresh,
  ServerSubscribe,
} from '../core/index.ts';
import type { Broker } from '../engine/index.ts';

type ControlMessage =
  | { op: 'subscribe'; r: ServerSubscribe }
  | { op: 'unsubscribe'; r: ConnectionFilter & { channel: string } }
  | { op: 'disconnect'; r: ServerDisconnect }
  | { op: 'refresh'; r: ServerRefresh };

const BYTES = '$b64';

export function encodeControl(message: ControlMessage): Uint8Array {
  // The replacer looks at the holder's own value: JSON.stringify hands it a Buffer already
  // turned into {type: 'Buffer', data: [...]} by Buffer's toJSON, and the server API's
  // decoders give Buffers (a Uint8Array subclass) for data and info.
  const text = JSON.stringify(message, function (this: Record<string, unknown>, key, value) {
    const own = this[key];
    return own instanceof Uint8Array ? { [BYTES]: Buffer.from(own).toString('base64') } : value;
  });
  return new TextEncoder().encode(text);
}

export function decodeControl(data: Uint8Array): ControlMessage {
  return JSON.parse(new TextDecoder().decode(data), (_key, value) =>
    value && typeof value === 'object' && typeof value[BYTES] === 'string'
      ? new Uint8Array(Buffer.from(value[BYTES], 'base64'))
      : value,
  ) as ControlMessage;
}

/** The ConnectionControl the server API uses: one control message to every node. */
export class BrokerControl implements ConnectionControl {
  private readonly broker: Broker;

  constructor(broker: Broker) {
    this.broker = broker;
  }

  subscribe(r: ServerSubscribe): Promise<void> {
    return this.broker.publishControl(encodeControl({ op: 'subscribe', r }));
  }

  unsubscribe(r: ConnectionFilter & { channel: string }): Promise<void> {
    return this.broker.publishControl(encodeControl({ op: 'unsubscribe', r }));
  }

  disconnect(r: ServerDisconnect): Promise<void> {
    return this.broker.publishControl(encodeControl({ op: 'disconnect', r }));
  }

  refresh(r: ServerRefresh): Promise<void> {
    return this.broker.publishControl(encodeControl({ op: 'refresh', r }));
  }
}

/** Applies a control message to this node's connections. */
export async function applyControl(local: ConnectionControl, data: Uint8Array): Promise<void> {
  const m = decodeControl(data);
  switch (m.op) {
    case 'subscribe':
      return local.subscribe(m.r);
    case 'unsubscribe':
      return local.unsubscribe(m.r);
    case 'disconnect':
      return local.disconnect(m.r);
    case 'refresh':
      return local.refresh(m.r);
  }
}
