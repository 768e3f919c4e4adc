// A rolling restart that loses nothing, end to end: the operator (on a real kube-apiserver)
// makes the Deployment of 3 nodes on NATS; its pods run as processes (kubelet.ts: the args,
// env, config file and grace period the pod would get); 100 official `centrifuge` SDK
// clients subscribe through a client Service and a backend publishes 55 msg/s through the
// internal Service over keep-alive connections (service-proxy.ts: endpoints from each pod's
// readiness probe). A change of the pod template (as `kubectl rollout restart` makes) then
// replaces the pods one by one as the Deployment controller does with the strategy the
// operator chose: start a new pod, wait until it is Ready and then minReadySeconds, SIGTERM an
// old one (SIGKILL after its terminationGracePeriodSeconds), next. No kube-controller-manager
// or kubelet runs here, so this choreography is the Deployment controller's, written out.
//
// Checked: every client receives every publication exactly once and in offset order (history
// recovery across its reconnects), no API publish fails, every old pod exits 0 within its
// grace period, and the 3001 disconnects of each drain are spread over the disconnect window.
// Printed: reconnect time p50/p99 and reconnects per second.
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Centrifuge, type Subscription } from 'centrifuge';
import { SignJWT } from 'jose';
import type { DeploymentObject, SecretObject } from '../../src/operator/kube/types.ts';
import { findNatsServer, freePorts, startNatsServer } from '../nats/harness.ts';
import { startServiceProxy } from '../node/service-proxy.ts';
import {
  centrifugo,
  create,
  getOptional,
  paths,
  runOperator,
  startCluster,
  waitFor,
} from '../operator/support.ts';
import { type PodTemplate, planPod, type RunningPod, rewriteEnv, runPod } from './kubelet.ts';

const NS = 'realtime';
const NAME = 'chat';
// Each client subscribes to every channel, so it receives every publication: 55 msg/s in all,
// over four channels (one channel's publishes are serialized per node, so a single channel
// from three nodes at once takes less than that on a loaded 2-core machine).
const CHANNELS = ['chat:a', 'chat:b', 'chat:c', 'chat:d'];
const CLIENTS = 100;
const PUBLISH_INTERVAL_MS = 18; // 55 msg/s
const MAX_IN_FLIGHT = 16;

interface Deployment {
  metadata: { generation: number };
  spec: {
    minReadySeconds: number;
    strategy: { rollingUpdate: { maxSurge: number; maxUnavailable: number } };
    template: PodTemplate & {
      spec: {
        terminationGracePeriodSeconds: number;
        containers: { readinessProbe: { periodSeconds: number } }[];
      };
    };
  };
}

interface Tracked {
  /** Per channel: the offsets and the values received, in order. */
  offsets: Map<string, number[]>;
  values: Map<string, number[]>;
  /** When each 3001 shutdown arrived, and when the client was connected again. */
  shutdowns: number[];
  reconnected: number[];
  subscribes: { wasRecovering: boolean; recovered: boolean }[];
  problems: string[];
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

test('rolling restart: 100 SDK clients on 3 NATS nodes at 55 msg/s lose nothing', {
  timeout: 420_000,
}, async (t) => {
  const cluster = await startCluster(t);
  const natsBin = cluster && findNatsServer(t);
  if (!cluster || !natsBin) return;
  const { api, client } = cluster;
  const nats = await startNatsServer({ bin: natsBin, t });
  await runOperator(t, cluster, { reconciler: { rolloutRequeueMs: 1_000 } });
  await api.createNamespace(NS);
  await create(
    client,
    centrifugo(NS, NAME, {
      replicas: 3,
      engine: { type: 'nats', nats: { urls: ['nats://nats.nats.svc:4222'] } },
      config: {
        channel: {
          namespaces: [
            {
              name: 'chat',
              history_size: 1000,
              history_ttl: '300s',
              force_recovery: true,
              allow_subscribe_for_client: true,
            },
          ],
        },
      },
    }),
  );
  const first = await waitFor('the Deployment', () =>
    getOptional<Deployment & DeploymentObject>(client, paths.deployment(NS, NAME)),
  );
  const secret = await waitFor('the credentials', () =>
    getOptional<SecretObject>(client, paths.secret(NS, `${NAME}-credentials`)),
  );
  const secretValue = (key: string) => Buffer.from(secret.data?.[key] ?? '', 'base64').toString();
  const apiKey = secretValue('http_api.key');
  const hmac = new TextEncoder().encode(secretValue('client.token.hmac_secret_key'));

  const probeMs =
    (first.spec.template.spec.containers[0]?.readinessProbe.periodSeconds ?? 2) * 1000;
  const clientService = await startServiceProxy({ probeMs });
  const internalService = await startServiceProxy({ probeMs });
  t.after(() => Promise.all([clientService.close(), internalService.close()]));
  const pods: RunningPod[] = [];
  t.after(() => Promise.all(pods.map((p) => p.stop(2_000))));

  const runNode = async (template: PodTemplate, name: string) => {
    const plan = await planPod(api, template, { name, namespace: NS, ip: '127.0.0.1' });
    const [clientPort, internalPort] = (await freePorts(2)) as [number, number];
    rewriteEnv(plan, 'CENTRIFUGO_ENGINE_NATS_URLS', nats.url, 'the loopback NATS');
    rewriteEnv(plan, 'CENTRIFUGO_HTTP_SERVER_ADDRESS', '127.0.0.1', 'loopback only');
    rewriteEnv(plan, 'CENTRIFUGO_HTTP_SERVER_INTERNAL_ADDRESS', '127.0.0.1', 'loopback only');
    rewriteEnv(plan, 'CENTRIFUGO_HTTP_SERVER_PORT', String(clientPort), 'pods share this host');
    rewriteEnv(plan, 'CENTRIFUGO_HTTP_SERVER_INTERNAL_PORT', String(internalPort), 'same');
    const pod = await runPod(plan, 'process');
    pods.push(pod);
    const readyUrl = `http://127.0.0.1:${internalPort}${plan.readiness?.path ?? '/ready'}`;
    clientService.add(name, { host: '127.0.0.1', port: clientPort, readyUrl });
    internalService.add(name, { host: '127.0.0.1', port: internalPort, readyUrl });
    return pod;
  };
  const ready = (name: string) =>
    waitFor(`${name} Ready`, async () => clientService.endpoints().includes(name), 60_000);

  const old: RunningPod[] = [];
  for (let i = 0; i < 3; i++) old.push(await runNode(first.spec.template, `${NAME}-old-${i}`));
  for (const p of old) await ready(p.plan.name);
  console.log(`  grace period ${first.spec.template.spec.terminationGracePeriodSeconds} s`);

  // ---- 100 SDK clients, one subscription each, through the client Service ----
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('reader')
    .setExpirationTime('30m')
    .sign(hmac);
  const tracked: Tracked[] = [];
  const sdks: Centrifuge[] = [];
  t.after(() => {
    for (const c of sdks) c.disconnect();
  });
  const url = `ws://${clientService.host}:${clientService.port}/connection/websocket`;
  for (let i = 0; i < CLIENTS; i++) {
    const c = new Centrifuge(url, { token, timeout: 5_000 });
    const tr: Tracked = {
      offsets: new Map(CHANNELS.map((ch) => [ch, []])),
      values: new Map(CHANNELS.map((ch) => [ch, []])),
      shutdowns: [],
      reconnected: [],
      subscribes: [],
      problems: [],
    };
    let sinceShutdown = false;
    c.on('connecting', (ctx) => {
      if (ctx.code === 3001) {
        tr.shutdowns.push(Date.now());
        sinceShutdown = true;
      } else if (ctx.code !== 0) tr.problems.push(`connecting ${ctx.code} ${ctx.reason}`);
    });
    c.on('connected', () => {
      if (sinceShutdown) tr.reconnected.push(Date.now());
      sinceShutdown = false;
    });
    c.on('disconnected', (ctx) => tr.problems.push(`disconnected ${ctx.code} ${ctx.reason}`));
    for (const channel of CHANNELS) {
      const sub: Subscription = c.newSubscription(channel);
      sub.on('publication', (ctx) => {
        tr.offsets.get(channel)?.push(ctx.offset ?? -1);
        tr.values.get(channel)?.push((ctx.data as { n: number }).n);
      });
      sub.on('subscribed', (ctx) =>
        tr.subscribes.push({ wasRecovering: ctx.wasRecovering, recovered: ctx.recovered }),
      );
      sub.on('unsubscribed', (ctx) => tr.problems.push(`unsubscribed ${ctx.code} ${ctx.reason}`));
      sub.on('error', (ctx) => tr.problems.push(`subscription error ${ctx.error.message}`));
      sub.subscribe();
    }
    c.connect();
    sdks.push(c);
    tracked.push(tr);
  }
  await waitFor(
    'every client subscribed',
    async () => tracked.every((tr) => tr.subscribes.length === CHANNELS.length),
    60_000,
  );
  const perPod = old.map((p) => clientService.connectionsTo(p.plan.name));
  console.log(`  clients per pod: ${perPod.join(' ')}`);

  // ---- a backend publishing steadily over keep-alive connections ----
  const agent = new Agent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT });
  t.after(() => agent.destroy());
  /** Per channel: offset -> the value published at it. */
  const byOffset = new Map(CHANNELS.map((ch) => [ch, new Map<number, number>()]));
  const latencies: number[] = [];
  const failures: string[] = [];
  let stopPublishing = false;
  t.after(() => {
    stopPublishing = true;
  });
  let inFlight = 0;
  const publishOnce = (n: number) =>
    new Promise<void>((resolve) => {
      const t0 = Date.now();
      const channel = CHANNELS[n % CHANNELS.length] as string;
      const body = JSON.stringify({ channel, data: { n } });
      const req = httpRequest(
        {
          host: internalService.host,
          port: internalService.port,
          path: '/api/publish',
          method: 'POST',
          agent,
          headers: { 'X-API-Key': apiKey, 'Content-Length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => {
            text += c;
          });
          res.on('end', () => {
            const offset = res.statusCode === 200 ? JSON.parse(text).result?.offset : undefined;
            latencies.push(Date.now() - t0);
            if (typeof offset === 'number') byOffset.get(channel)?.set(offset, n);
            else failures.push(`publish ${n}: ${res.statusCode} ${text}`);
            resolve();
          });
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('no answer in 10 s')));
      req.on('error', (err) => {
        failures.push(`publish ${n}: ${err.message}`);
        resolve();
      });
      req.end(body);
    });
  const publishStart = Date.now();
  let sent = 0;
  const publisher = (async () => {
    while (!stopPublishing) {
      const due = publishStart + sent * PUBLISH_INTERVAL_MS;
      if (Date.now() < due) await sleep(due - Date.now());
      if (inFlight >= MAX_IN_FLIGHT) {
        await sleep(1);
        continue;
      }
      inFlight += 1;
      void publishOnce(++sent).finally(() => {
        inFlight -= 1;
      });
    }
    while (inFlight > 0) await sleep(10);
  })();
  await sleep(3_000);

  // ---- the rollout: a new pod template, pods replaced as the Deployment controller does ----
  await client.mergePatch(
    paths.centrifugo(NS, NAME),
    {
      spec: {
        podTemplate: {
          metadata: { annotations: { 'example.com/restartedAt': new Date().toISOString() } },
        },
      },
    },
    'test',
  );
  const next = await waitFor('the new pod template', async () => {
    const d = await client.get<Deployment & DeploymentObject>(paths.deployment(NS, NAME));
    return d.metadata.generation > first.metadata.generation ? d : undefined;
  });
  const { rollingUpdate } = next.spec.strategy;
  assert.deepEqual(rollingUpdate, { maxSurge: 1, maxUnavailable: 0 });
  const minReadyMs = next.spec.minReadySeconds * 1000;
  const config = JSON.parse(
    (await client.get<{ data: Record<string, string> }>(paths.configMap(NS, `${NAME}-config`)))
      .data['config.json'] as string,
  );
  const delayMs = Number.parseFloat(config.shutdown.drain_delay) * 1000;
  const windowMs = Number.parseFloat(config.shutdown.disconnect_window) * 1000;
  const sigterms: number[] = [];
  const exits: Promise<number | null>[] = [];
  for (const [i, oldPod] of old.entries()) {
    const fresh = await runNode(next.spec.template, `${NAME}-new-${i}`);
    await ready(fresh.plan.name);
    await sleep(minReadyMs);
    sigterms.push(Date.now());
    exits.push(oldPod.stop());
    console.log(`  ${fresh.plan.name} available; SIGTERM ${oldPod.plan.name}`);
  }
  const codes = await Promise.all(exits);
  const rolloutEnd = Date.now();
  await sleep(3_000);
  stopPublishing = true;
  await publisher;
  const publishSeconds = (Date.now() - publishStart) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(
    `  publish latency p50 ${quantile(latencies, 0.5)} ms, p99 ${quantile(latencies, 0.99)} ms`,
  );

  // ---- what the clients saw ----
  const total = CHANNELS.reduce((sum, ch) => sum + (byOffset.get(ch)?.size ?? 0), 0);
  const received = (tr: Tracked) =>
    CHANNELS.reduce((sum, ch) => sum + (tr.offsets.get(ch)?.length ?? 0), 0);
  await waitFor(
    'every client caught up',
    async () => tracked.every((tr) => received(tr) >= total),
    30_000,
  ).catch(() => undefined);
  console.log(`  old pods exited with ${codes.join(' ')}`);
  assert.deepEqual(failures, [], `${failures.length} of ${sent} API publishes failed`);
  assert.deepEqual(codes, [0, 0, 0], 'every old pod drained and exited 0 within its grace');
  const rate = sent / publishSeconds;
  assert.ok(rate >= 50, `${rate.toFixed(1)} msg/s`);
  for (const [i, tr] of tracked.entries()) {
    assert.deepEqual(tr.problems, [], `client ${i}`);
    for (const ch of CHANNELS) {
      const published = byOffset.get(ch) as Map<number, number>;
      const offsets = Array.from({ length: published.size }, (_, k) => k + 1);
      assert.deepEqual(
        tr.offsets.get(ch),
        offsets,
        `client ${i} ${ch}: each offset once, in order`,
      );
      assert.deepEqual(
        tr.values.get(ch),
        offsets.map((o) => published.get(o)),
        `client ${i} ${ch}: the publications themselves`,
      );
    }
    for (const s of tr.subscribes.slice(CHANNELS.length)) {
      assert.deepEqual(s, { wasRecovering: true, recovered: true }, `client ${i} recovered`);
    }
  }

  // ---- how the reconnects were spread ----
  const shutdowns = tracked.flatMap((tr) => tr.shutdowns);
  const reconnectMs = tracked
    .flatMap((tr) => tr.shutdowns.map((s, k) => (tr.reconnected[k] ?? Number.NaN) - s))
    .sort((a, b) => a - b);
  assert.ok(shutdowns.length >= CLIENTS, `every client was moved at least once`);
  assert.ok(
    reconnectMs.every((ms) => Number.isFinite(ms)),
    'every client told to go came back',
  );
  const reconnects = tracked.flatMap((tr) => tr.reconnected);
  const perSecondFrom = (from: number, to: number) => {
    const counts = new Array(Math.max(1, Math.ceil((to - from) / 1000))).fill(0);
    for (const at of reconnects) {
      if (at >= from && at < to) counts[Math.floor((at - from) / 1000)] += 1;
    }
    return counts as number[];
  };
  const counts = perSecondFrom(sigterms[0] as number, rolloutEnd);
  const drainSeconds = (3 * windowMs) / 1000;
  const summary =
    `${CLIENTS} clients x ${CHANNELS.length} channels, ${total} publications at ${rate.toFixed(1)} msg/s, ` +
    `${shutdowns.length} reconnects (3001); reconnect time p50 ${quantile(reconnectMs, 0.5)} ms, ` +
    `p99 ${quantile(reconnectMs, 0.99)} ms, max ${quantile(reconnectMs, 1)} ms; ` +
    `reconnects per second: mean ${(shutdowns.length / drainSeconds).toFixed(1)} over the ` +
    `disconnect windows, busiest second ${Math.max(...counts)} ` +
    `(drain delay ${delayMs} ms, window ${windowMs} ms)`;
  console.log(`  ${summary}`);
  console.log(`  reconnects per second from the first SIGTERM: ${counts.join(' ')}`);
  for (const [i, at] of sigterms.entries()) {
    const end = at + delayMs + windowMs + 1_000;
    const mine = shutdowns.filter((s) => s >= at && s <= end).sort((a, b) => a - b);
    assert.ok(mine.length > 0, `drain ${i} moved clients`);
    const firstAt = (mine[0] as number) - at;
    const span = (mine.at(-1) as number) - (mine[0] as number);
    assert.ok(firstAt >= delayMs - 100, `drain ${i}: none before the delay (${firstAt} ms)`);
    if (mine.length >= 5) {
      assert.ok(span >= windowMs * 0.7, `drain ${i}: 3001s spread over ${span} ms`);
    }
    // Evenly: about mine.length / window a second (3 to 6 here), never a storm.
    const busiest = Math.max(...perSecondFrom(at, end + 3_000));
    const even = (mine.length * 1000) / windowMs;
    assert.ok(
      busiest <= Math.ceil(2.5 * even) + 2,
      `drain ${i}: ${mine.length} clients, busiest second ${busiest} reconnects`,
    );
  }
});
