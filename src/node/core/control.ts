// The codec of control messages: server API commands that act on connections travel
// through the broker's control bus (Node.publishControl), so they reach a user's
// connections on whichever node holds them (on the memory engine the broker hands them
// straight back to this node). JSON with base64 for bytes.
import type {
  ConnectionFilter,
  ServerDisconnect,
  ServerRefresh,
  ServerSubscribe,
} from './connection-control.ts';

export type ControlMessage =
  | { op: 'subscribe'; r: ServerSubscribe }
  | { op: 'unsubscribe'; r: ConnectionFilter & { channel: string } }
  | { op: 'disconnect'; r: ServerDisconnect }
  | { op: 'refresh'; r: ServerRefresh }
  /** Commands for an emulated session, sent to the node that holds it (Node.sendEmulation). */
  | { op: 'emulation'; r: { session: string; data: Uint8Array } };

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
