// HTTP/1 attacks on the HTTP port, side by side: the attacks of the suite
// (test/attack/http-attackers.ts) at the default timeouts of both servers (10 s headers, 30 s
// request, 30 s idle), one server after the other. Per attack and server: connections the
// server closed and when, what it answered, its RSS growth (peak over the start) and CPU
// seconds, and a normal publisher's worst latency and failures meanwhile.
//
//   node bench/vs-http-attack.ts [--connections 1000] [--idle 2000] [--oversized 100]
//     [--attacks slow-headers,slow-bodies,idle,oversized] [--no-wait] [--out file]
//   (about 3 min)
import { parseArgs } from 'node:util';
import {
  attacks,
  type Held,
  holdConnections,
  oversizedBodies,
  type Served,
  servedDuring,
  watchProcess,
} from '../test/attack/http-attackers.ts';
import { BENCH_KEY, percentile } from './lib/node-process.ts';
import { metric, newResult, prepare, SERVER_CPU, writeResult } from './lib/scenario.ts';
import { type ServerKind, startServer } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '1000' },
    idle: { type: 'string', default: '2000' },
    oversized: { type: 'string', default: '100' },
    attacks: { type: 'string', default: 'slow-headers,slow-bodies,idle,oversized' },
    'no-wait': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const CONNECTIONS = Number(values.connections);
const IDLE = Number(values.idle);
const OVERSIZED = Number(values.oversized);
const CHOSEN = new Set(values.attacks.split(','));
// 9 MB: over centrifugo-ts's default http_api.max_request_body_size (8 MiB); Centrifugo has
// no limit and reads each whole.
const OVERSIZED_BYTES = 9_000_000;
// Both servers' defaults, and how long past them the attack waits before giving up.
const TIMEOUTS_MS = { 'slow-headers': 10_000, 'slow-bodies': 30_000, idle: 30_000 } as const;
const GRACE_MS = 5_000;

type AttackName = keyof typeof TIMEOUTS_MS | 'oversized';

interface AttackRun {
  attack: AttackName;
  kind: ServerKind;
  connections: number;
  closedByServer: number;
  closeP50s: number;
  closeMaxS: number;
  answers: Record<string, number>;
  rssGrowthMiB: number;
  cpuSeconds: number;
  served: Served;
  oversized?: Awaited<ReturnType<typeof oversizedBodies>>;
}

const MiB = 1024 * 1024;

async function runAttack(kind: ServerKind, attack: AttackName): Promise<AttackRun> {
  const server = await startServer(kind, { cpu: SERVER_CPU });
  try {
    // A few calls first, so that lazy setup is not counted as the attack's.
    for (let i = 0; i < 20; i++) {
      await fetch(`http://127.0.0.1:${server.httpPort}/api/info`, {
        method: 'POST',
        headers: { 'X-API-Key': BENCH_KEY },
        body: '{}',
      }).then((r) => r.text());
    }
    const watch = watchProcess(server.pid);
    let held: Held | undefined;
    let oversized: AttackRun['oversized'];
    let running: Promise<unknown>;
    if (attack === 'oversized') {
      running = oversizedBodies(server.httpPort, BENCH_KEY, OVERSIZED, OVERSIZED_BYTES).then(
        (r) => {
          oversized = r;
        },
      );
    } else {
      const shape =
        attack === 'slow-headers'
          ? attacks.slowHeaders()
          : attack === 'slow-bodies'
            ? attacks.slowBodies(BENCH_KEY)
            : attacks.idleKeepAlive(BENCH_KEY);
      running = holdConnections({
        port: server.httpPort,
        connections: attack === 'idle' ? IDLE : CONNECTIONS,
        ...shape,
        everyMs: 1000,
        maxMs: TIMEOUTS_MS[attack] + GRACE_MS,
      }).then((h) => {
        held = h;
      });
    }
    const served = await servedDuring(server.httpPort, BENCH_KEY, running);
    await running;
    watch.stop();
    const closed = held?.closedAfterMs ?? [];
    return {
      attack,
      kind,
      connections: held?.opened ?? OVERSIZED,
      closedByServer: closed.length,
      closeP50s: percentile(closed, 50) / 1000,
      closeMaxS: (closed[closed.length - 1] ?? Number.NaN) / 1000,
      answers: held?.answers ?? {},
      rssGrowthMiB: (watch.rssPeak() - watch.rssBefore) / MiB,
      cpuSeconds: watch.cpuSeconds(),
      served,
      oversized,
    };
  } finally {
    await server.stop();
  }
}

const { placement, loadBefore } = await prepare({ wait: !values['no-wait'] });
const result = newResult(
  'attack-http',
  'HTTP/1 slow and idle clients, oversized bodies',
  `node bench/vs-http-attack.ts --connections ${CONNECTIONS} --idle ${IDLE} --oversized ${OVERSIZED} --attacks ${values.attacks}${values['no-wait'] ? ' --no-wait' : ''}`,
  placement,
  loadBefore,
  {
    connections: CONNECTIONS,
    idleConnections: IDLE,
    oversizedBodies: OVERSIZED,
    oversizedBytes: OVERSIZED_BYTES,
    timeoutsMs: TIMEOUTS_MS,
    dripEveryMs: 1000,
    normalClient: 'one publish every 100 ms, keep-alive fetch',
  },
);
const order: AttackName[] = ['slow-headers', 'slow-bodies', 'idle', 'oversized'];
for (const attack of order.filter((a) => CHOSEN.has(a))) {
  const ts = await runAttack('centrifugo-ts', attack);
  const cf = await runAttack('centrifugo', attack);
  result.runs.push(ts, cf);
  const name = (what: string) => `${attack}: ${what}`;
  if (attack !== 'oversized') {
    result.metrics.push(
      metric(
        name('closed by the server'),
        `of ${ts.connections}`,
        'higher',
        ts.closedByServer,
        cf.closedByServer,
      ),
      metric(name('last closed after'), 's', 'lower', ts.closeMaxS, cf.closeMaxS),
    );
  } else {
    result.metrics.push(
      metric(
        name('answered (413 / 400)'),
        `of ${OVERSIZED}`,
        'higher',
        ts.oversized?.answered413 ?? 0,
        Object.values(cf.oversized?.otherStatus ?? {}).reduce((a, b) => a + b, 0) +
          (cf.oversized?.answered413 ?? 0),
      ),
    );
  }
  result.metrics.push(
    metric(name('RSS growth, peak'), 'MiB', 'lower', ts.rssGrowthMiB, cf.rssGrowthMiB, {
      headline: true,
    }),
    metric(name('server CPU'), 's', 'lower', ts.cpuSeconds, cf.cpuSeconds),
    metric(name('normal publish, worst'), 'ms', 'lower', ts.served.maxMs, cf.served.maxMs),
    metric(
      name('normal publish, failed'),
      `of ${ts.served.requests} / ${cf.served.requests}`,
      'lower',
      ts.served.failures,
      cf.served.failures,
    ),
  );
  result.notes.push(
    `${attack}: answers before the close, centrifugo-ts ${JSON.stringify(ts.oversized ?? ts.answers)}, Centrifugo ${JSON.stringify(cf.oversized ?? cf.answers)}`,
  );
}
result.notes.push(
  "Timeouts are both servers' defaults: Centrifugo fixes ReadHeaderTimeout 10 s and ReadTimeout 30 s in code (IdleTimeout falls back to it); centrifugo-ts has them as http_server.read_header_timeout, read_timeout, idle_timeout. centrifugo-ts checks them every second, so it closes up to 1 s late.",
  'RSS growth is the peak during the attack over the RSS at its start; each attack runs on a freshly started server.',
);
writeResult(result, 'http-attack', values.out);
