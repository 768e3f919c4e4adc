// S1 idle connections, side by side: N JSON WebSocket connections, each subscribed to its
// own channel, held with the default 25 s server pings (the load generator answers pongs).
// Per server: RSS per connection (RSS after the ramp and a settle minus RSS before it) and
// CPU µs per second per idle connection over the hold, plus the connect rate of the ramp.
//
//   node bench/vs-idle.ts [--connections 19500] [--hold-seconds 50] [--concurrency 200]
//     [--no-wait] [--out file]
//
// 19,500 by default: the open-files limit here is 20,000 (soft = hard, not raisable in this
// container), and the server needs one descriptor per connection plus its own.
import { parseArgs } from 'node:util';
import { connectSubscriber, type Subscriber } from './lib/load.ts';
import { metric, newResult, prepare, SERVER_CPU, sleep, writeResult } from './lib/scenario.ts';
import { type ServerKind, startServer } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '19500' },
    'hold-seconds': { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '200' },
    'no-wait': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const N = Number(values.connections);
const HOLD = Number(values['hold-seconds']);
const CONCURRENCY = Number(values.concurrency);

interface Run {
  kind: ServerKind;
  connected: number;
  failed: number;
  rampSeconds: number;
  connectsPerSecond: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  rssPerConnKiB: number;
  holdCpuSeconds: number;
  cpuMicrosPerSecondPerConn: number;
  /** Connections the server closed during the hold (should be 0: pongs are answered). */
  closedDuringHold: number;
}

async function runServer(kind: ServerKind, sourceAddress: string): Promise<Run> {
  const server = await startServer(kind, { cpu: SERVER_CPU });
  const subs: Subscriber[] = [];
  try {
    await sleep(1000);
    const rssBefore = server.rssBytes();
    let failed = 0;
    const t0 = Date.now();
    for (let i = 0; i < N; i += CONCURRENCY) {
      const batch = await Promise.allSettled(
        Array.from({ length: Math.min(CONCURRENCY, N - i) }, (_, j) =>
          connectSubscriber(server.httpPort, 'json', `idle-${i + j}`, {
            localAddress: sourceAddress,
          }),
        ),
      );
      for (const b of batch) {
        if (b.status === 'fulfilled') subs.push(b.value);
        else {
          failed += 1;
          if (failed <= 3) console.error(`  connect failed: ${(b.reason as Error).message}`);
        }
      }
    }
    const rampSeconds = (Date.now() - t0) / 1000;
    console.error(`  ${kind}: ${subs.length} connected (${failed} failed) in ${rampSeconds} s`);
    await sleep(5000);
    const cpu0 = server.cpuSeconds();
    const h0 = Date.now();
    await sleep(HOLD * 1000);
    const hold = (Date.now() - h0) / 1000;
    const cpu = server.cpuSeconds() - cpu0;
    const rssAfter = server.rssBytes();
    const closed = subs.filter((s) => s.closeCode !== undefined).length;
    const run: Run = {
      kind,
      connected: subs.length,
      failed,
      rampSeconds,
      connectsPerSecond: Math.round(subs.length / rampSeconds),
      rssBeforeMiB: Math.round(rssBefore / 2 ** 20),
      rssAfterMiB: Math.round(rssAfter / 2 ** 20),
      rssPerConnKiB: Number(((rssAfter - rssBefore) / 1024 / Math.max(1, subs.length)).toFixed(1)),
      holdCpuSeconds: Number(cpu.toFixed(2)),
      cpuMicrosPerSecondPerConn: Number(((cpu / hold / Math.max(1, subs.length)) * 1e6).toFixed(2)),
      closedDuringHold: closed,
    };
    console.error(`  ${JSON.stringify(run)}`);
    return run;
  } finally {
    for (const s of subs) s.ws.terminate();
    await server.stop();
    await sleep(2000);
  }
}

const { placement, loadBefore } = await prepare({ wait: !values['no-wait'] });
const result = newResult(
  'S1',
  `idle connections (${N.toLocaleString('en-US')} JSON connections, 1 channel each)`,
  `node bench/vs-idle.ts --connections ${N} --hold-seconds ${HOLD}`,
  placement,
  loadBefore,
  { connections: N, holdSeconds: HOLD, pingInterval: '25s', connectConcurrency: CONCURRENCY },
);
// Each server gets its own source address, so the first run's TIME_WAIT ports do not limit
// the second's.
const ts = await runServer('centrifugo-ts', '127.0.0.2');
const c = await runServer('centrifugo', '127.0.0.3');
result.runs = [ts, c];
result.metrics.push(
  metric('RSS per idle connection', 'KiB', 'lower', ts.rssPerConnKiB, c.rssPerConnKiB, {
    headline: true,
  }),
  metric(
    'CPU per idle connection',
    'µs/s',
    'lower',
    ts.cpuMicrosPerSecondPerConn,
    c.cpuMicrosPerSecondPerConn,
    { headline: true },
  ),
  metric(
    'connect + subscribe rate during the ramp',
    'conn/s',
    'higher',
    ts.connectsPerSecond,
    c.connectsPerSecond,
  ),
  metric('server RSS with all connections', 'MiB', 'lower', ts.rssAfterMiB, c.rssAfterMiB),
);
result.notes.push(
  `Connections established: centrifugo-ts ${ts.connected}/${N}, Centrifugo ${c.connected}/${N}; closed by the server during the hold: ${ts.closedDuringHold} / ${c.closedDuringHold}.`,
  'RSS per connection = (RSS after ramp + 5 s settle + hold) − (RSS before the ramp), divided by connections; kernel socket memory (~4 KB per socket) is not in RSS.',
  `CPU per connection = server CPU over the ${HOLD} s hold (pings every 25 s, answered) / hold / connections.`,
  'Open-files limit here is 20,000 (soft = hard, not raisable), so 19,500 is the largest run; the S1 scenario asks for 20k.',
);
writeResult(result, 'idle', values.out);
