// A bare WebSocket client for frame-level tests: sends exactly the bytes given and records
// every reply line and the close code.
import WebSocket from 'ws';
import { delimited } from './protowire.ts';

export class RawClient {
  readonly ws: WebSocket;
  readonly messages: Array<Record<string, unknown>> = [];
  readonly binary: Buffer[] = [];
  closed: Promise<{ code: number; reason: string }>;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        this.binary.push(data);
        return;
      }
      for (const line of data.toString().split('\n')) {
        if (line.trim() !== '') this.messages.push(JSON.parse(line));
      }
    });
    ws.on('error', () => {});
  }

  static open(
    url: string,
    protocols?: string[],
    options: WebSocket.ClientOptions = {},
  ): Promise<RawClient> {
    const ws = new WebSocket(url, protocols, options);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('open timed out')), 5000);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(new RawClient(ws));
      });
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      ws.once('unexpected-response', (_req, res) => {
        clearTimeout(timer);
        reject(new Error(`HTTP ${res.statusCode}`));
      });
    });
  }

  send(frame: string | Uint8Array): void {
    this.ws.send(frame);
  }

  /** Waits for a reply with this id. */
  async reply(id: number, ms = 5000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.messages.find((m) => m.id === id);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`no reply ${id}: ${JSON.stringify(this.messages)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Waits for the first reply line matching `pred`. */
  async waitFor(
    pred: (m: Record<string, unknown>) => boolean,
    what: string,
    ms = 5000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.messages.find(pred);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(`no ${what}: ${JSON.stringify(this.messages)}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Waits until binary frames hold `count` Protobuf replies in all; returns every reply. */
  async protobufReplies(count: number, ms = 5000): Promise<Uint8Array[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const replies = this.binary.flatMap((f) => delimited(f));
      if (replies.length >= count) return replies;
      if (Date.now() > deadline) throw new Error(`only ${replies.length} Protobuf replies`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async closeCode(ms = 5000): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('not closed in time')), ms);
    });
    try {
      return (await Promise.race([this.closed, timeout])).code;
    } finally {
      clearTimeout(timer);
    }
  }

  terminate(): void {
    this.ws.terminate();
  }
}
