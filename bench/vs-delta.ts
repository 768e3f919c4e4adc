// Delta compression on the wire, side by side: a 10 KiB JSON document changing a little at
// each of N publications (a revision and three rows), to one subscriber with
// `delta: 'fossil'` and one without, through the official centrifuge SDK, JSON and
// Protobuf, on centrifugo-ts and on real Centrifugo v6.9.1. Per server and format: the
// WebSocket bytes each subscriber received during the publications, their ratio, and
// whether the SDK rebuilt every document byte for byte.
//
//   node bench/vs-delta.ts [--publications 100] [--out bench/results/<date>-vs-delta.md]
//
// Bytes are counted as the WebSocket messages' payloads the client reads (frame headers and
// permessage-deflate off, as both servers default). Byte counts do not depend on the
// machine's load, so no CPU pinning and no quiet wait.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Centrifuge as CentrifugeJson } from 'centrifuge';
import { Centrifuge as CentrifugeProtobuf } from 'centrifuge/build/protobuf';
import { BENCH_KEY } from './lib/node-process.ts';
import { type ServerKind, startServer, versions } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    publications: { type: 'string', default: '100' },
    out: { type: 'string' },
  },
});
const N = Number(values.publications);
const ROWS = 128;
const FORMATS = ['json', 'protobuf'] as const;
type Format = (typeof FORMATS)[number];

/** A JSON document of about 10 KiB; each step changes its revision and three rows. */
function documents(n: number): string[] {
  const rows = Array.from({ length: ROWS }, (_, i) => ({
    id: i,
    name: `row-${i}-${'x'.repeat(40)}`,
    value: i * 7,
  }));
  const out: string[] = [];
  for (let rev = 1; rev <= n; rev++) {
    for (let k = 0; k < 3; k++) {
      (rows[(rev * 37 + k * 11) % ROWS] as { value: number }).value = rev * 1000 + k;
    }
    out.push(JSON.stringify({ rev, rows }));
  }
  return out;
}

/** A WebSocket that counts the bytes of the messages it receives. */
function countingWebSocket(counter: { bytes: number }) {
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener('message', (ev: MessageEvent) => {
        const d = ev.data as string | ArrayBuffer | Blob;
        counter.bytes +=
          typeof d === 'string'
            ? Buffer.byteLength(d)
            : d instanceof ArrayBuffer
              ? d.byteLength
              : d.size;
      });
    }
  };
}

interface Subscriber {
  counter: { bytes: number };
  texts: string[];
  close(): void;
  stats(): { numDeltaPayloads: number };
}

async function subscriber(
  port: number,
  format: Format,
  channel: string,
  delta: boolean,
): Promise<Subscriber> {
  const counter = { bytes: 0 };
  const Ctor = format === 'json' ? CentrifugeJson : CentrifugeProtobuf;
  const client = new Ctor(`ws://127.0.0.1:${port}/connection/websocket`, {
    websocket: countingWebSocket(counter),
    timeout: 5000,
  });
  const sub = client.newSubscription(channel, delta ? { delta: 'fossil' } : {});
  const texts: string[] = [];
  sub.on('publication', (ctx) => {
    texts.push(
      format === 'json'
        ? JSON.stringify(ctx.data)
        : Buffer.from(ctx.data as Uint8Array).toString('utf8'),
    );
  });
  client.connect();
  sub.subscribe();
  await sub.ready(10_000);
  // From here on: the publications only.
  counter.bytes = 0;
  return { counter, texts, close: () => client.disconnect(), stats: () => sub.deltaStats() };
}

interface Row {
  kind: ServerKind;
  format: Format;
  plainBytes: number;
  deltaBytes: number;
  deltas: number;
  rebuilt: number;
}

async function runServer(kind: ServerKind, docs: string[]): Promise<Row[]> {
  const server = await startServer(kind, {
    namespaces: [
      {
        name: 'doc',
        allowed_delta_types: ['fossil'],
        delta_publish: true,
        allow_subscribe_for_client: true,
        allow_subscribe_for_anonymous: true,
        history_size: 10,
        history_ttl: '300s',
        // Deltas need a position: the previous publication is the one before in the stream.
        force_positioning: true,
      },
    ],
  });
  const rows: Row[] = [];
  try {
    for (const format of FORMATS) {
      const channel = `doc:${format}`;
      const plain = await subscriber(server.httpPort, format, channel, false);
      const withDelta = await subscriber(server.httpPort, format, channel, true);
      for (const text of docs) {
        const res = await fetch(`http://127.0.0.1:${server.httpPort}/api/publish`, {
          method: 'POST',
          headers: { 'X-API-Key': BENCH_KEY },
          body: `{"channel":"${channel}","data":${text}}`,
        });
        if (!res.ok) throw new Error(`${kind} publish: ${res.status}`);
        await res.text();
      }
      const deadline = Date.now() + 10_000;
      while (
        (plain.texts.length < docs.length || withDelta.texts.length < docs.length) &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 20));
      }
      rows.push({
        kind,
        format,
        plainBytes: plain.counter.bytes,
        deltaBytes: withDelta.counter.bytes,
        deltas: withDelta.stats().numDeltaPayloads,
        rebuilt: docs.filter((d, i) => withDelta.texts[i] === d).length,
      });
      plain.close();
      withDelta.close();
    }
  } finally {
    await server.stop();
  }
  return rows;
}

const docs = documents(N);
const rows: Row[] = [];
for (const kind of ['centrifugo-ts', 'centrifugo'] as const)
  rows.push(...(await runServer(kind, docs)));

const meanDoc = Math.round(docs.reduce((n, d) => n + d.length, 0) / docs.length);
const v = versions();
const lines = [
  `# Delta compression on the wire (${new Date().toISOString().slice(0, 10)})`,
  '',
  `${N} publications of a ${meanDoc}-byte JSON document (a revision and 3 of ${ROWS} rows change each time), one subscriber without delta and one with \`delta: 'fossil'\` (official centrifuge SDK), \`delta_publish: true\`, \`force_positioning: true\`. centrifugo-ts ${v['centrifugo-ts']} (node ${v.node}) and ${v.centrifugo}.`,
  '',
  '| server | format | bytes without delta | bytes with delta | with / without | deltas | rebuilt byte for byte |',
  '|---|---|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.kind} | ${r.format} | ${r.plainBytes} | ${r.deltaBytes} | ${(r.deltaBytes / r.plainBytes).toFixed(4)} | ${r.deltas}/${N} | ${r.rebuilt}/${N} |`,
  ),
  '',
];
const report = lines.join('\n');
console.log(report);
if (values.out) writeFileSync(values.out, report);
