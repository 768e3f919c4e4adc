// The official centrifuge SDK over an in-process socket, the test playing the server: what
// the SDK writes goes to `onFrame`, what the test `deliver`s reaches the SDK as a WebSocket
// message. The SDK's own code does everything else (commands, subscription state, deltas),
// with no network and no server.
import { Centrifuge as CentrifugeJson } from 'centrifuge';
import { Centrifuge as CentrifugeProtobuf } from 'centrifuge/build/protobuf';

export type SdkFormat = 'json' | 'protobuf';

export class InProcessSocket {
  /** Called with each socket the SDK opens, before its open event. */
  static onOpen: ((socket: InProcessSocket) => void) | undefined;
  binaryType = 'blob';
  onopen: (() => void) | undefined;
  onmessage: ((event: { data: unknown }) => void) | undefined;
  onclose: ((event: { code: number; reason: string }) => void) | undefined;
  onerror: ((event: unknown) => void) | undefined;
  onFrame: (data: string | Uint8Array) => void = () => {};

  constructor(_url: string, _protocol?: string) {
    queueMicrotask(() => {
      InProcessSocket.onOpen?.(this);
      this.onopen?.();
    });
  }

  send(data: string | ArrayBuffer | Uint8Array): void {
    this.onFrame(typeof data === 'string' ? data : new Uint8Array(data as ArrayBuffer));
  }

  deliver(data: string | Uint8Array): void {
    const payload =
      typeof data === 'string'
        ? data
        : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
    this.onmessage?.({ data: payload });
  }

  close(): void {
    queueMicrotask(() => this.onclose?.({ code: 1000, reason: '' }));
  }
}

/** An SDK client whose sockets are InProcessSockets; no reconnect within a test. */
export function inProcessClient(format: SdkFormat) {
  const options = { websocket: InProcessSocket, minReconnectDelay: 60_000, timeout: 5_000 };
  return format === 'json'
    ? new CentrifugeJson('ws://in-process', options)
    : new CentrifugeProtobuf('ws://in-process', options);
}
