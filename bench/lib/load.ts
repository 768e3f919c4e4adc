// Load of the fan-out benchmarks: raw WebSocket subscribers that count publications (and
// time a sample of them), and a steady publisher on the HTTP API.
import WebSocket from 'ws';
import { Command } from '../../src/node/client/protocol/descriptors.ts';
import {
  delimit,
  encodeMessage,
  splitDelimited,
} from '../../src/node/client/protocol/protobuf-codec.ts';
import { BENCH_KEY } from './node-process.ts';

export type Format = 'json' | 'protobuf';

export interface Subscriber {
  ws: WebSocket;
  received: number;
}

export async function connectSubscriber(
  port: number,
  format: Format,
  channel: string,
  latencies: number[] | undefined,
) {
  const url = `ws://127.0.0.1:${port}/connection/websocket`;
  const ws = new WebSocket(url, format === 'protobuf' ? ['centrifuge-protobuf'] : undefined);
  const sub: Subscriber = { ws, received: 0 };
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let subscribed!: () => void;
  const ready = new Promise<void>((r) => {
    subscribed = r;
  });
  let replies = 0;
  ws.on('message', (data: Buffer, isBinary) => {
    const now = Date.now();
    if (!isBinary) {
      const lines = data.toString().split('\n');
      for (const line of lines) {
        if (line.startsWith('{"push"')) {
          sub.received += 1;
          if (latencies) latencies.push(now - Number(/"t":(\d+)/.exec(line)?.[1]));
        } else if (line === '{}') ws.send('{}');
        else if (++replies === 2) subscribed();
      }
      return;
    }
    for (const msg of splitDelimited(data)) {
      if (msg.length === 0) {
        ws.send(new Uint8Array([0]));
        continue;
      }
      // Replies to our commands carry id (field 1); pushes do not.
      if (msg[0] === 0x08) {
        if (++replies === 2) subscribed();
        continue;
      }
      sub.received += 1;
      if (latencies) {
        const t = /"t":(\d+)/.exec(Buffer.from(msg).toString('latin1'))?.[1];
        latencies.push(now - Number(t));
      }
    }
  });
  const commands = [
    { id: 1, connect: {} },
    { id: 2, subscribe: { channel } },
  ];
  if (format === 'json') ws.send(commands.map((c) => JSON.stringify(c)).join('\n'));
  else ws.send(Buffer.concat(commands.map((c) => delimit(encodeMessage(Command, c)))));
  await ready;
  return sub;
}

/** Publishes `rate` per second for `seconds` through the API; returns how many were sent. */
export async function publishLoop(
  port: number,
  channel: string,
  rate: number,
  seconds: number,
): Promise<number> {
  let sent = 0;
  const started = Date.now();
  const interval = 1000 / rate;
  const inFlight: Promise<unknown>[] = [];
  while (Date.now() - started < seconds * 1000) {
    const due = started + sent * interval;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(
      fetch(`http://127.0.0.1:${port}/api/publish`, {
        method: 'POST',
        headers: { 'X-API-Key': BENCH_KEY },
        body: `{"channel":"${channel}","data":{"t":${Date.now()},"text":"${'x'.repeat(100)}"}}`,
      }).then((r) => r.arrayBuffer()),
    );
    sent += 1;
    if (inFlight.length > 200) await Promise.all(inFlight.splice(0));
  }
  await Promise.all(inFlight);
  return sent;
}
