// The engine conformance suite, unchanged, against the NATS JetStream engine on a real
// nats-server; then what the engine sets up in NATS at startup.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { pino } from 'pino';
import { validateConfig } from '../../src/node/config/index.ts';
import { describeEngine } from '../../src/node/engine/conformance.ts';
import { EngineUnavailableError } from '../../src/node/engine/index.ts';
import { NatsEngine } from '../../src/node/engine/nats/index.ts';
import { MetaWriter, metaKey } from '../../src/node/engine/nats/meta-writer.ts';
import { NatsGate } from '../../src/node/engine/nats/nats-gate.ts';
import { createLogger } from '../../src/node/observability/index.ts';
import {
  findNatsServer,
  freePorts,
  natsInfo,
  startNatsCluster,
  startNatsServer,
} from './harness.ts';

describeEngine('nats', async () => {
  const server = await startNatsServer();
  const config = validateConfig({
    engine: {
      type: 'nats',
      nats: { urls: [server.url], prefix: `conf${randomBytes(3).toString('hex')}` },
    },
  });
  const engine = await NatsEngine.create({
    settings: config.engine.nats,
    nodeId: 'node-1',
    nodeName: 'conformance',
    namespaceOf: () => '',
    historyOf: () => undefined,
    historyNamespaces: [],
    metaTtlMs: 3_600_000,
    logger: createLogger({ level: 'none', file: '' }),
  });
  return { engine, cleanup: () => server.stop() };
});

describe('NATS engine setup', () => {
  const logger = createLogger({ level: 'none', file: '' });
  const settingsFor = (url: string, prefix: string, replicas = 1) =>
    validateConfig({ engine: { type: 'nats', nats: { urls: [url], prefix, replicas } } }).engine
      .nats;

  it('creates history streams at startup and updates them when options change', async (t) => {
    const server = await startNatsServer({ t });
    const prefix = `s${randomBytes(3).toString('hex')}`;
    const open = (size: number) =>
      NatsEngine.create({
        settings: settingsFor(server.url, prefix),
        nodeId: 'n',
        nodeName: 'setup',
        namespaceOf: () => 'chat',
        historyOf: () => ({ size, ttlMs: 60_000 }),
        historyNamespaces: ['chat'],
        metaTtlMs: 3_600_000,
        logger,
      });
    const first = await open(10);
    await first.close();
    const nc = await connect({ servers: server.url });
    t.after(() => nc.close());
    const jsm = await jetstreamManager(nc);
    const name = `${prefix}_history_${Buffer.from('chat').toString('base64url')}`;
    assert.equal((await jsm.streams.info(name)).config.max_msgs_per_subject, 10);
    const second = await open(25);
    await second.close();
    const updated = (await jsm.streams.info(name)).config;
    assert.equal(updated.max_msgs_per_subject, 25);
    assert.equal(updated.max_age, 60_000 * 1_000_000);
  });

  it('creates streams and buckets with three replicas on a 3-server cluster', async (t) => {
    const cluster = await startNatsCluster(3);
    t.after(() => cluster.stop());
    const prefix = `r${randomBytes(3).toString('hex')}`;
    const engine = await NatsEngine.create({
      settings: validateConfig({
        engine: { type: 'nats', nats: { urls: cluster.urls, prefix, replicas: 3 } },
      }).engine.nats,
      nodeId: 'n',
      nodeName: 'r3',
      namespaceOf: () => '',
      historyOf: () => ({ size: 5, ttlMs: 60_000 }),
      historyNamespaces: [''],
      metaTtlMs: 3_600_000,
      logger,
    });
    t.after(() => engine.close());
    const nc = await connect({ servers: cluster.urls });
    t.after(() => nc.close());
    const jsm = await jetstreamManager(nc);
    const names = [`${prefix}_history__`, `KV_${prefix}_meta`, `KV_${prefix}_presence`];
    for (const name of names) {
      assert.equal((await jsm.streams.info(name)).config.num_replicas, 3, name);
    }
  });

  it('refuses to start on a NATS without JetStream, saying so', async (t) => {
    const [port] = await freePorts(1);
    const proc = spawn(findNatsServer(), ['-a', '127.0.0.1', '-p', String(port)], {
      stdio: 'ignore',
    });
    t.after(() => proc.kill('SIGKILL'));
    const url = `nats://127.0.0.1:${port}`;
    const deadline = Date.now() + 10_000;
    while (
      !(await natsInfo(url).then(
        () => true,
        () => false,
      ))
    ) {
      assert.ok(Date.now() < deadline, 'plain nats-server did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    await assert.rejects(
      NatsEngine.create({
        settings: settingsFor(url, 'nojs'),
        nodeId: 'n',
        nodeName: 'nojs',
        namespaceOf: () => '',
        historyOf: () => undefined,
        historyNamespaces: [],
        metaTtlMs: 3_600_000,
        logger,
      }),
      /has no JetStream.*-js/,
    );
  });
});

describe('NATS meta positions', () => {
  it('never go back within an epoch, whichever node writes last', async (t) => {
    const server = await startNatsServer({ t });
    const nc = await connect({ servers: server.url });
    t.after(() => nc.close());
    const kv = await new Kvm(nc).create(`meta${randomBytes(3).toString('hex')}`, { history: 1 });
    const logger = createLogger({ level: 'none', file: '' });
    const gate = new NatsGate({ nc, requestTimeoutMs: 2_000, logger });
    t.after(() => gate.close());
    // Two writers, as two nodes publishing into one channel: one of them is late.
    const fast = new MetaWriter(kv, gate);
    const late = new MetaWriter(kv, gate);
    const stored = async () =>
      (await kv.get(metaKey('ch')))?.json<{ offset: number; epoch: string }>();
    fast.write('ch', { offset: 8, epoch: 'e1' }, 60_000);
    await fast.flush();
    late.write('ch', { offset: 7, epoch: 'e1' }, 60_000);
    await late.flush();
    assert.deepEqual(await stored(), { offset: 8, epoch: 'e1' });
    late.write('ch', { offset: 9, epoch: 'e1' }, 60_000);
    await late.flush();
    assert.deepEqual(await stored(), { offset: 9, epoch: 'e1' });
    // A new epoch (the stream was lost) replaces the record whatever its offset.
    fast.write('ch', { offset: 1, epoch: 'e2' }, 60_000);
    await fast.flush();
    assert.deepEqual(await stored(), { offset: 1, epoch: 'e2' });
  });
});

describe('NATS gate', () => {
  it('answers NATS failures as EngineUnavailableError, told once and then summed up', async (t) => {
    const server = await startNatsServer({ t });
    const nc = await connect({ servers: server.url });
    t.after(() => nc.close());
    const lines: Array<{ msg: string; failed?: number; calls?: Record<string, number> }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n'))
          if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    const gate = new NatsGate({
      nc,
      requestTimeoutMs: 500,
      logger: pino({ level: 'info', base: undefined }, sink),
      reportIntervalMs: 2_000,
    });
    t.after(() => gate.close());
    // What nats.js throws when a request gets no answer.
    const timeout = () => Object.assign(new Error('timeout'), { name: 'TimeoutError' });
    for (let i = 0; i < 5; i++) {
      await assert.rejects(
        gate.call('history', async () => {
          throw timeout();
        }),
        EngineUnavailableError,
      );
    }
    // A refusal is the caller's to handle, not an outage.
    const refusal = Object.assign(new Error('stream not found'), {
      name: 'JetStreamApiError',
      code: 10059,
    });
    await assert.rejects(
      gate.call('history', async () => {
        throw refusal;
      }),
      (err) => err === refusal,
    );
    // A call that outlives the deadline is answered at the deadline, not when NATS answers.
    const started = Date.now();
    await assert.rejects(
      gate.call('publish', () => new Promise(() => {})),
      /no answer from NATS in 500 ms/,
    );
    assert.ok(Date.now() - started < 1_000);
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(lines.length, 2, JSON.stringify(lines));
    assert.match(lines[0]?.msg ?? '', /NATS call failed/);
    assert.match(lines[1]?.msg ?? '', /NATS calls failed \(answered 100\): 5 in the last 2 s/);
    assert.deepEqual(lines[1]?.calls, { history: 4, publish: 1 });
  });
});
