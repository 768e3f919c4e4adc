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

function encode(message: ControlMessage): Uint8Array {
  const text = JSON.stringify(message, (_key, value) =>
    value instanceof Uint8Array ? { [BYTES]: Buffer.from(value).toString('base64') } : value,
  );
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
    return this.broker.publishControl(encode({ op: 'subscribe', r }));
  }

  unsubscribe(r: ConnectionFilter & { channel: string }): Promise<void> {
    return this.broker.publishControl(encode({ op: 'unsubscribe', r }));
  }

  disconnect(r: ServerDisconnect): Promise<void> {
    return this.broker.publishControl(encode({ op: 'disconnect', r }));
  }

  refresh(r: ServerRefresh): Promise<void> {
    return this.broker.publishControl(encode({ op: 'refresh', r }));
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
