// Smoke test of the NATS harness: real servers start, answer, survive losing one cluster
// member, and come back on the same port.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { it } from 'node:test';
import { findNatsServer, natsInfo, startNatsCluster, startNatsServer } from './harness.ts';

it('one server: JetStream on, reachable, store removed on stop', async (t) => {
  const bin = findNatsServer(t);
  if (!bin) return;
  const nats = await startNatsServer({ bin, t });
  const info = await natsInfo(nats.url);
  assert.equal(info.port, nats.port);
  assert.equal(info.jetstream, true);
  assert.ok(nats.pid);
  await nats.stop();
  assert.equal(nats.pid, undefined);
  assert.equal(existsSync(nats.storeDir), false);
});

it('3-server cluster: survives a killed member, which restarts on its port', async (t) => {
  const bin = findNatsServer(t);
  if (!bin) return;
  const cluster = await startNatsCluster(3, { bin, t });
  assert.equal(cluster.urls.length, 3);
  for (const url of cluster.urls) {
    const info = await natsInfo(url);
    assert.equal(info.cluster, cluster.name);
    assert.equal(info.jetstream, true);
  }
  const [victim, ...others] = cluster.servers;
  assert.ok(victim);
  await victim.kill();
  assert.equal(victim.pid, undefined);
  await assert.rejects(natsInfo(victim.url));
  for (const s of others) assert.equal((await natsInfo(s.url)).server_name, s.name);
  // Two of three still form a quorum, so JetStream keeps (or re-elects) a meta leader.
  assert.ok(await cluster.waitForMetaLeader());

  await victim.restart();
  assert.equal((await natsInfo(victim.url)).port, victim.port);
  assert.ok(await cluster.waitForMetaLeader());
  await cluster.stop();
});
