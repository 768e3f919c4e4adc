// HTTP/2 attacks on the gRPC port, side by side: each flood of test/attack/h2-attacks.ts
// against centrifugo-ts and against real Centrifugo v6.9.1 (grpc-go) in the same run, each
// on a fresh server pinned to one CPU, beside a normal gRPC client calling Info. Per attack
// and server: RSS growth (peak over the start), CPU seconds, how the attacking connections
// ended, and what the normal client got.
//
//   node bench/attack-vs.ts [--seconds 20] [--only ping,rapid] [--no-wait] [--out file]
//   (about 6 min at 20 s: 8 attacks x 2 servers)
import { parseArgs } from 'node:util';
import {
  type Attack,
  continuationFlood,
  heldHeaderBlocks,
  measure,
  pingFlood,
  rapidReset,
  refusedCalls,
  settingsFloodUnread,
  silentConnections,
  zeroWindow,
} from '../test/attack/h2-attacks.ts';
import { BENCH_KEY } from './lib/node-process.ts';
import { metric, newResult, prepare, SERVER_CPU, writeResult } from './lib/scenario.ts';
import { SERVER_KINDS, startServer } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    only: { type: 'string' },
    'no-wait': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const SECONDS = Number(values.seconds);
const MB = 1024 * 1024;

const ATTACKS: Array<[string, Attack, string]> = [
  ['continuation', continuationFlood, 'empty CONTINUATION frames, no END_HEADERS, one connection'],
  ['held', heldHeaderBlocks(60), '60 connections x 1-byte CONTINUATIONs up to 120 KiB, held'],
  ['rapid', rapidReset('chat:reset'), 'HEADERS + DATA (a Publish) + RST_STREAM, 20k streams/s'],
  ['ping', pingFlood, 'PING frames as fast as read'],
  ['settings', settingsFloodUnread, 'SETTINGS frames, acks never read'],
  [
    'zero-window',
    zeroWindow('chat:big', 10, 1000),
    '10 connections x 1,000 History (100 x 1 KB), window 0',
  ],
  ['refused', refusedCalls, 'GET requests (not gRPC), 5k/s'],
  ['silent', silentConnections(200), '200 connections that send nothing'],
];
const only = values.only?.split(',');

const { placement, loadBefore } = await prepare({ wait: !values['no-wait'] });
const result = newResult(
  'attack-h2',
  'HTTP/2 attacks on the gRPC port: centrifugo-ts and Centrifugo v6.9.1 (grpc-go)',
  `node bench/attack-vs.ts --seconds ${SECONDS}${values.only ? ` --only ${values.only}` : ''}`,
  placement,
  loadBefore,
  { seconds: SECONDS, attacks: Object.fromEntries(ATTACKS.map(([k, , d]) => [k, d])) },
);

for (const [key, attack, description] of ATTACKS) {
  if (only && !only.includes(key)) continue;
  const runs: Record<string, Awaited<ReturnType<typeof measure>>> = {};
  for (const kind of SERVER_KINDS) {
    const server = await startServer(kind, {
      cpu: SERVER_CPU,
      grpc: true,
      namespaces: [{ name: 'chat', history_size: 100, history_ttl: '600s' }],
    });
    try {
      if (key === 'zero-window') {
        for (let i = 0; i < 100; i++) {
          await fetch(`http://127.0.0.1:${server.httpPort}/api/publish`, {
            method: 'POST',
            headers: { 'X-API-Key': BENCH_KEY },
            body: JSON.stringify({ channel: 'chat:big', data: { pad: 'x'.repeat(1000) } }),
          });
        }
      }
      const target = { host: '127.0.0.1', port: server.grpcPort, key: BENCH_KEY };
      console.error(`${key} against ${kind} for ${SECONDS} s`);
      runs[kind] = await measure(attack, target, server.pid, SECONDS * 1000);
    } finally {
      await server.stop();
    }
  }
  const ts = runs['centrifugo-ts'];
  const c = runs.centrifugo;
  if (!ts || !c) continue;
  const grown = (r: typeof ts) => (r.server.rssMaxBytes - r.server.rssStartBytes) / MB;
  result.metrics.push(
    metric(`${key}: RSS growth, peak`, 'MB', 'lower', grown(ts), grown(c), { headline: true }),
    metric(`${key}: server CPU`, 's', 'lower', ts.server.cpuSeconds, c.server.cpuSeconds),
    metric(`${key}: normal client calls served`, '', 'higher', ts.client.ok, c.client.ok, {
      note: `failed ${ts.client.failed} / ${c.client.failed}`,
    }),
  );
  const endings = (r: typeof ts) =>
    `${r.attack.connections} connections, ${Object.entries(r.attack.endings)
      .map(([how, n]) => `${n} ${how}`)
      .join(', ')}; ${r.attack.sent.toLocaleString('en-US')} sent`;
  result.notes.push(
    `${key} (${description}): centrifugo-ts ${endings(ts)}; Centrifugo ${endings(c)}.`,
  );
  result.runs.push({ attack: key, description, runs });
}

writeResult(result, 'attack-h2', values.out ?? `bench/results/${result.date}-attack-h2`);
