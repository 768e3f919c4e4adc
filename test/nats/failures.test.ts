// What an operator fears: a NATS server dies under load, NATS restarts, a node is killed.
// Acknowledged publications must survive and reach subscribers; nodes must ride it out.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { signHs256 } from '../../src/node/auth/index.ts';
import { type Client, newClient, waitUntil } from '../client/sdk.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { type Started, startBinary } from '../node/node-process.ts';
import { startNatsCluster, startNatsServer } from './harness.ts';
import { startTcpProxy } from './tcp-proxy.ts';

const SECRET = 'failure-secret';
const token = (sub: string) => signHs256({ sub, exp: Math.floor(Date.now() / 1000) + 600 }, SECRET);

function config(urls: string[], prefix: string, replicas = 1) {
  return {
    engine: {
      type: 'nats',
      nats: {
        urls,
        prefix,
        replicas,
        request_timeout: '2s',
        node_info_interval: '200ms',
        node_info_ttl: '1s',
      },
    },
    client: { token: { hmac_secret_key: SECRET }, channel_position_check_delay: '500ms' },
    channel: {
      namespaces: [
        {
          name: 'load',
          allow_subscribe_for_client: true,
          history_size: 1000,
          history_ttl: '600s',
          force_recovery: true,
        },
      ],
    },
  };
}

const ns = (data: unknown) => (data as { n: number }).n;

describe('NATS failures', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  it('loses no acknowledged publication when 1 of 3 NATS servers dies under load', async () => {
    const cluster = await startNatsCluster(3);
    cleanups.push(() => cluster.stop());
    const prefix = `f${randomBytes(3).toString('hex')}`;
    const publisher = await startTestNode(config(cluster.urls, prefix, 3));
    cleanups.push(() => publisher.close());
    const subscriberNode = await startTestNode(config(cluster.urls, prefix, 3));
    cleanups.push(() => subscriberNode.close());
    const client = newClient(subscriberNode, 'json', { token: await token('reader') });
    cleanups.push(async () => client.disconnect());
    const received: number[] = [];
    const sub = client.newSubscription('load:1');
    sub.on('publication', (ctx) => received.push(ns(ctx.data)));
    client.connect();
    sub.subscribe();
    await sub.ready(5000);

    // A backend's way through a failover: a publish answered 100 is retried with the same
    // idempotency key, so one that was stored but whose answer was lost is not stored twice.
    // How long the retries last depends on which server the node was connected to and on the
    // stream's leader election, so the bound is in time, not in attempts.
    const acked: number[] = [];
    let failed = 0;
    let killedAt = 0;
    let recoveredAfterMs = 0;
    const deadline = Date.now() + 30_000;
    for (let n = 1; n <= 300; n++) {
      if (n === 100) {
        await cluster.servers[0]?.kill();
        killedAt = Date.now();
      }
      for (;;) {
        const res = await publisher.api('publish', {
          channel: 'load:1',
          data: { n },
          idempotency_key: `n${n}`,
        });
        if (res.json?.result) {
          if (failed > 0 && recoveredAfterMs === 0) recoveredAfterMs = Date.now() - killedAt;
          acked.push(n);
          break;
        }
        failed += 1;
        assert.equal(res.json?.error?.code, 100, `publish ${n}: ${res.text}`);
        assert.ok(
          Date.now() < deadline,
          `publish ${n} still failing 30 s in: 2 of 3 NATS servers did not take over`,
        );
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    assert.equal(acked.length, 300, 'every publication acknowledged in the end');
    console.log(
      `NATS server killed: ${failed} publish attempts answered 100, publishing resumed after ${recoveredAfterMs} ms`,
    );
    const history = await subscriberNode.api('history', { channel: 'load:1', limit: -1 });
    const stored = new Set<number>(
      history.json.result.publications.map((p: { data: unknown }) => ns(p.data)),
    );
    for (const n of acked) assert.ok(stored.has(n), `acknowledged publication ${n} is in history`);
    await waitUntil(
      () => acked.every((n) => received.includes(n)),
      'every acked publication delivered',
      15_000,
    );
    assert.equal(new Set(received).size, received.length, 'no duplicates');
  });

  it('rides out a NATS restart: errors 100 quickly meanwhile, then resumes', async () => {
    const nats = await startNatsServer();
    cleanups.push(() => nats.stop());
    const node = await startTestNode({
      ...config([nats.url], `r${randomBytes(3).toString('hex')}`),
      prometheus: { enabled: true },
    });
    cleanups.push(() => node.close());
    const client: Client = newClient(node, 'json', { token: await token('patient') });
    cleanups.push(async () => client.disconnect());
    const received: number[] = [];
    const sub = client.newSubscription('load:restart');
    sub.on('publication', (ctx) => received.push(ns(ctx.data)));
    client.connect();
    sub.subscribe();
    await sub.ready(5000);
    assert.ok((await node.api('publish', { channel: 'load:restart', data: { n: 1 } })).json.result);

    await nats.kill();
    const metricsText = async () =>
      (await fetch(`${node.url}/metrics`).then((r) => r.text())).match(
        /^centrifugo_engine_nats_connected (\d)/m,
      )?.[1];
    const started = Date.now();
    const during = await node.api('publish', { channel: 'load:restart', data: { n: 2 } });
    assert.equal(during.json.error?.code, 100);
    assert.ok(Date.now() - started < 5000, 'the error comes within the request timeout');

    assert.equal(await metricsText(), '0', '/metrics shows the outage');
    await nats.restart();
    const deadline = Date.now() + 15_000;
    for (;;) {
      const res = await node.api('publish', { channel: 'load:restart', data: { n: 3 } });
      if (res.json.result) break;
      assert.ok(Date.now() < deadline, `publishing resumes: ${res.text}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await waitUntil(() => received.includes(3), 'delivery resumes', 10_000);
    assert.equal(await metricsText(), '1', '/metrics shows the recovery');
    assert.deepEqual(
      received.filter((n) => n !== 3),
      [1],
    );
  });

  it('moves SDK clients of a killed node to another node, recovered and without a gap', async () => {
    const nats = await startNatsServer();
    cleanups.push(() => nats.stop());
    const prefix = `k${randomBytes(3).toString('hex')}`;
    const dir = mkdtempSync(join(tmpdir(), 'cfts-kill-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ ...config([nats.url], prefix), http_api: { key: 'test-api-key' } }),
    );
    const doomed: Started = await startBinary(
      ['-c', 'config.json', '--http_server.address', '127.0.0.1', '-p', '0'],
      dir,
    );
    cleanups.push(async () => doomed.child.kill('SIGKILL'));
    const survivor = await startTestNode(config([nats.url], prefix));
    cleanups.push(() => survivor.close());
    const doomedPort = Number(new URL(doomed.apiUrl).port);
    const survivorPort = Number(new URL(survivor.url).port);
    let doomedAlive = true;
    const proxy = await startTcpProxy(() =>
      doomedAlive ? [doomedPort, survivorPort] : [survivorPort],
    );
    cleanups.push(() => proxy.close());

    const client = newClient({ url: proxy.url } as TestNode, 'json', {
      token: await token('mover'),
    });
    cleanups.push(async () => client.disconnect());
    const received: number[] = [];
    const subscribed: Array<{ recovered: boolean }> = [];
    const sub = client.newSubscription('load:kill');
    sub.on('publication', (ctx) => received.push(ns(ctx.data)));
    sub.on('subscribed', (ctx) => subscribed.push(ctx));
    client.connect();
    sub.subscribe();
    await sub.ready(5000);
    for (let n = 1; n <= 5; n++)
      await survivor.api('publish', { channel: 'load:kill', data: { n } });
    await waitUntil(() => received.length === 5, 'first five');

    doomedAlive = false;
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    for (let n = 6; n <= 10; n++)
      await survivor.api('publish', { channel: 'load:kill', data: { n } });
    await waitUntil(() => received.length >= 10, 'missed publications recovered', 15_000);
    assert.deepEqual(
      received,
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
    assert.equal(subscribed.at(-1)?.recovered, true);
  });
});
