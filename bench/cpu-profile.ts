// CPU profile of centrifugo-ts under one of the side-by-side loads: the node runs with
// `node --cpu-prof` (pinned to CPU 0, as in bench/vs-*.ts), this process drives the load
// from CPU 1, then the profile is summarised: functions by self time, and by total time
// for the project's own files. The .cpuprofile stays for a flame graph (Chrome DevTools,
// speedscope).
//
//   node bench/cpu-profile.ts [--load fanout|api|batch|grpc] [--http-client node|raw] [--format json|protobuf] [--subscribers 1000]
//     [--rate 400] [--seconds 10] [--top 30] [--dir /tmp/centrifugo-ts-prof]
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  closedLoop,
  DATA_128,
  httpPublisher,
  rawGrpcPublisher,
  rawHttpPublisher,
} from './lib/api-load.ts';
import {
  closeApiAgents,
  connectMany,
  type Format,
  publishLoop,
  totalReceived,
} from './lib/load.ts';
import { LOADGEN_CPU, SERVER_CPU } from './lib/scenario.ts';
import { pinSelf, startServer } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    load: { type: 'string', default: 'fanout' },
    format: { type: 'string', default: 'json' },
    subscribers: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '400' },
    seconds: { type: 'string', default: '10' },
    top: { type: 'string', default: '30' },
    dir: { type: 'string', default: '/tmp/centrifugo-ts-prof' },
    // node: node:http's client; raw: HTTP/1.1 by hand, which keeps the server core busy.
    'http-client': { type: 'string', default: 'node' },
  },
});
const DIR = `${values.dir}/${Date.now()}`;
mkdirSync(DIR, { recursive: true });
pinSelf(LOADGEN_CPU);

const server = await startServer('centrifugo-ts', {
  cpu: SERVER_CPU,
  nodeFlags: ['--cpu-prof', '--cpu-prof-dir', DIR],
  grpc: values.load === 'grpc',
});
try {
  const cpu0 = server.cpuSeconds();
  if (values.load === 'api' || values.load === 'batch' || values.load === 'grpc') {
    const command = { channel: 'bench', data: JSON.parse(DATA_128) };
    const http = values['http-client'] === 'raw' ? rawHttpPublisher : httpPublisher;
    const p =
      values.load === 'grpc'
        ? rawGrpcPublisher(server.grpcPort, 'bench')
        : values.load === 'batch'
          ? http(
              server.httpPort,
              JSON.stringify({
                commands: Array.from({ length: 20 }, () => ({ publish: command })),
              }),
              { path: '/api/batch' },
            )
          : http(server.httpPort, JSON.stringify(command));
    const r = await closedLoop(p.publish, Number(values.seconds), 64, server.cpuSeconds);
    p.close();
    console.log(
      `${values.load}: ${Math.round(r.rate)} publish/s, ${Math.round(r.count / r.serverCpu)} per server CPU-s`,
    );
  } else {
    const subs = await connectMany(
      server.httpPort,
      values.format as Format,
      'bench',
      Number(values.subscribers),
    );
    const t0 = Date.now();
    const sent = await publishLoop(
      server.httpPort,
      'bench',
      Number(values.rate),
      Number(values.seconds),
    );
    const deadline = Date.now() + 3000;
    while (totalReceived(subs) < sent * subs.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const cpu = server.cpuSeconds() - cpu0;
    console.log(
      `fanout ${values.format}: ${totalReceived(subs)}/${sent * subs.length} delivered in ${(Date.now() - t0) / 1000} s, ${Math.round(totalReceived(subs) / cpu)} per server CPU-s`,
    );
    for (const s of subs) s.ws.terminate();
  }
} finally {
  closeApiAgents();
  await server.stop();
}

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const file = readdirSync(DIR).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error(`no profile in ${DIR} (did the node exit cleanly?)`);
const profile = JSON.parse(readFileSync(`${DIR}/${file}`, 'utf8')) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
};
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const label = (n: Node) => {
  const url = n.callFrame.url.replace(/^file:\/\//, '').replace(/.*\/(node_modules|src)\//, '$1/');
  return `${n.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
};
const self = new Map<string, number>();
for (const [id, us] of selfUs) {
  const key = label(byId.get(id) as Node);
  self.set(key, (self.get(key) ?? 0) + us);
}
// Inclusive time of each function (counted once per stack).
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const incl = new Map<string, number>();
for (const [id, us] of selfUs) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const key = label(byId.get(cur) as Node);
    if (seen.has(key)) continue;
    seen.add(key);
    incl.set(key, (incl.get(key) ?? 0) + us);
  }
}
const top = Number(values.top);
const pct = (us: number) => `${((100 * us) / total).toFixed(1)}%`.padStart(6);
console.log(`\nprofile ${DIR}/${file}: ${(total / 1e6).toFixed(2)} s sampled\n\nself time:`);
for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${pct(us)}  ${k}`);
console.log('\ntotal time, project files and ws:');
for (const [k, us] of [...incl]
  .filter(([k]) => /src\/node|node_modules\/ws/.test(k))
  .sort((a, b) => b[1] - a[1])
  .slice(0, top)) {
  console.log(`${pct(us)}  ${k}`);
}
