// One client WebSocket connection of a case: sends exactly the frames a case gives, in JSON
// or in Protobuf (client.proto), and records every reply and push it receives, in order,
// and how it ended (close code and reason, or the HTTP answer that refused the upgrade).
import type protobuf from 'protobufjs';
import WebSocket from 'ws';
import { decodeDelimited, encodeDelimited, type Json } from './proto.ts';

export type Encoding = 'json' | 'protobuf';

export interface OpenOptions {
  encoding: Encoding;
  path?: string;
  headers?: Record<string, string>;
  /** Subprotocols to ask for; default: none for JSON, centrifuge-protobuf for Protobuf. */
  subprotocols?: string[];
  /** Answer app-level pings (`{}`, or an empty Reply) with a pong, as the SDKs do. */
  pong: boolean;
  /** Unidirectional: no barrier commands either (the server reads only the connect request). */
  uni?: boolean;
}

export interface ConnectionRecord {
  /** Replies and pushes in the order received; frames are split into their messages. */
  messages: Json[];
  close?: { code: number; reason: string };
  /** The upgrade was refused: the HTTP answer instead. */
  refused?: { status: number; body: string };
  /** Set once the server sent an app-level ping (dropped from messages: timer-driven). */
  appPings?: true;
  /** Set once the server sent a WebSocket ping frame. */
  wsPings?: true;
}

export interface ClientCodec {
  command: protobuf.Type;
  reply: protobuf.Type;
}

const OPEN_TIMEOUT_MS = 5_000;
/** Ids from here on are the runner's barriers, never a case's own commands. */
export const BARRIER_ID_BASE = 900_000;
const BARRIER_CHANNEL = 'compat_barrier:x';

export class Connection {
  readonly record: ConnectionRecord = { messages: [] };
  private ws: WebSocket | undefined;
  private closed: Promise<void> = Promise.resolve();
  private barriers = 0;
  /** Set when the case is over: the close the runner causes is not recorded. */
  private ended = false;
  private changed: (() => void) | undefined;
  /** When this connection last received a message or closed (ms since epoch). */
  lastEventAt = Date.now();
  private pong = true;
  private uni = false;

  private readonly encoding: Encoding;
  private readonly codec: ClientCodec;

  constructor(encoding: Encoding, codec: ClientCodec) {
    this.encoding = encoding;
    this.codec = codec;
  }

  async open(url: string, options: OpenOptions): Promise<void> {
    const protocols =
      options.subprotocols ?? (options.encoding === 'protobuf' ? ['centrifuge-protobuf'] : []);
    const ws = new WebSocket(`${url}${options.path ?? '/connection/websocket'}`, protocols, {
      headers: options.headers,
    });
    this.ws = ws;
    this.pong = options.pong;
    this.uni = options.uni === true;
    ws.on('ping', () => {
      this.record.wsPings = true;
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        if (this.record.refused === undefined && !this.ended) {
          this.record.close = { code, reason: reason.toString() };
        }
        this.notify();
        resolve();
      });
    });
    ws.on('message', (data: Buffer, isBinary) => {
      this.take(data, isBinary);
      this.notify();
    });
    ws.on('error', () => {});
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.record.refused = { status: 0, body: 'open timed out' };
        ws.terminate();
        resolve();
      }, OPEN_TIMEOUT_MS);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => {
          clearTimeout(timer);
          this.record.refused = { status: res.statusCode ?? 0, body };
          resolve();
        });
      });
      ws.once('error', () => {
        clearTimeout(timer);
        this.record.refused ??= { status: 0, body: 'connection error' };
        resolve();
      });
    });
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** A connect reply without error arrived. */
  get connected(): boolean {
    return this.record.messages.some(
      (m) => typeof m === 'object' && m !== null && 'connect' in m && !('error' in m),
    );
  }

  /**
   * Waits for the server to close a connection that never connected, up to `ms`: no command
   * can be a barrier there (any command before connect is itself a protocol error), so what
   * a server does with such a connection is seen within a fixed time or not at all.
   */
  async settleUnconnected(ms: number): Promise<void> {
    if (!this.isOpen || this.connected || this.uni) return;
    await this.waitClosed(ms);
  }

  /** Waits for the server to close this connection, up to `ms`. */
  async waitClosed(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.closed,
      new Promise((r) => {
        timer = setTimeout(r, ms);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Commands as JSON objects, encoded in this connection's encoding, all in one frame. */
  sendCommands(commands: Json[]): void {
    if (!this.isOpen) return;
    if (this.encoding === 'json') {
      this.ws?.send(commands.map((c) => JSON.stringify(c)).join('\n'));
    } else {
      this.ws?.send(encodeDelimited(this.codec.command, commands));
    }
  }

  sendRaw(data: string | Uint8Array): void {
    if (this.isOpen) this.ws?.send(data);
  }

  /** Waits until a reply carries each id, or the connection closes, or `ms` passes. */
  async waitReplies(ids: number[], ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    const missing = () =>
      ids.filter((id) => !this.record.messages.some((m) => (m as { id?: number }).id === id));
    while (missing().length > 0 && this.record.close === undefined && this.isOpen) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.changed = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /**
   * Everything the server meant to send so far has arrived: a command both servers answer
   * without side effects (presence_stats of an unknown namespace) goes last in the
   * connection's order, and its reply (dropped from the record) comes after what was
   * queued before it. Only on a connected connection: before connect any command closes it.
   */
  async barrier(ms: number): Promise<void> {
    if (!this.isOpen || !this.connected || this.uni) return;
    const id = BARRIER_ID_BASE + this.barriers++;
    this.sendCommands([{ id, presence_stats: { channel: BARRIER_CHANNEL } }]);
    await this.waitReplies([id], ms);
  }

  async terminate(): Promise<void> {
    this.ended = true;
    if (this.ws && this.ws.readyState !== WebSocket.CLOSED) {
      // What the server sends after the case ended is not part of it.
      this.ws.removeAllListeners('message');
      this.ws.terminate();
    }
    await this.closed;
  }

  /** The record without the runner's barrier replies. */
  result(): ConnectionRecord {
    const messages = this.record.messages.filter(
      (m) =>
        !(
          (m as { id?: number }).id !== undefined &&
          Number((m as { id: number }).id) >= BARRIER_ID_BASE
        ),
    );
    return { ...this.record, messages };
  }

  private notify(): void {
    this.lastEventAt = Date.now();
    const changed = this.changed;
    this.changed = undefined;
    changed?.();
  }

  private take(data: Buffer, isBinary: boolean): void {
    const before = this.record.messages.length;
    this.split(data, isBinary);
    for (const m of this.record.messages.slice(before)) {
      if (typeof m !== 'object' || m === null || Object.keys(m).length > 0) continue;
      this.record.appPings = true;
      // The pong is an empty command: `{}` in JSON, a zero length prefix in Protobuf.
      if (this.pong) this.sendRaw(this.encoding === 'json' ? '{}' : new Uint8Array([0]));
    }
  }

  private split(data: Buffer, isBinary: boolean): void {
    if (this.encoding === 'protobuf' && isBinary) {
      this.record.messages.push(...decodeDelimited(this.codec.reply, data));
      return;
    }
    if (isBinary) {
      this.record.messages.push({ $binary: data.toString('base64') });
      return;
    }
    for (const line of data.toString().split('\n')) {
      if (line === '') continue;
      try {
        this.record.messages.push(JSON.parse(line) as Json);
      } catch {
        this.record.messages.push({ $text: line });
      }
    }
  }
}
