// How much a node reads from NATS to answer history: the stream top (a position check, the
// first step of every recovering subscribe) is one message whatever the channel holds, and a
// recovery reads the publications it returns plus a few single-message probes, never the
// channel's whole retained subject. Bytes are counted on the wire, in front of nats-server.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { validateConfig } from '../../src/node/config/index.ts';
import type { HistoryFilter, PublishOptions, StreamPosition } from '../../src/node/engine/index.ts';
import { NatsEngine } from '../../src/node/engine/nats/index.ts';
import { createLogger } from '../../src/node/observability/index.ts';
import { type NatsServer, startNatsServer } from './harness.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

const RETAINED = 2_000;
const PAYLOAD = 500;
const HISTORY: PublishOptions = { historySize: 10_000, historyTtlMs: 600_000, historyMetaTtlMs: 0 };
/** One stored message as read back: payload, our headers, JetStream's, protocol framing. */
const MESSAGE_BYTES = PAYLOAD + 400;

describe('history reads from NATS', () => {
  let nats: NatsServer;
  let proxy: TcpProxy;
  let engine: NatsEngine;
  let top: StreamPosition;
  const channel = 'big';

  before(async () => {
    nats = await startNatsServer();
    proxy = await startTcpProxy(() => [nats.port]);
    const settings = validateConfig({
      engine: { type: 'nats', nats: { prefix: `hr${randomBytes(3).toString('hex')}` } },
    }).engine.nats;
    engine = await NatsEngine.create({
      settings: { ...settings, urls: [`nats://127.0.0.1:${proxy.port}`] },
      nodeId: 'reader',
      nodeName: 'reader',
      namespaceOf: () => '',
      historyOf: () => ({ size: HISTORY.historySize, ttlMs: HISTORY.historyTtlMs }),
      historyNamespaces: [''],
      metaTtlMs: 3_600_000,
      logger: createLogger({ level: 'none', file: '' }),
    });
    const payload = new Uint8Array(PAYLOAD).fill(120);
    const pending: Array<Promise<unknown>> = [];
    for (let i = 0; i < RETAINED; i++) {
      // Another channel's publications fall between, as in a namespace with many channels.
      pending.push(engine.broker.publish(channel, payload, HISTORY));
      if (i % 3 === 0) pending.push(engine.broker.publish('other', payload, HISTORY));
      if (pending.length >= 64) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    top = (
      await engine.broker.history(channel, { filter: { limit: 0, reverse: false }, metaTtlMs: 0 })
    ).position;
  });
  after(async () => {
    await engine?.close();
    await proxy?.close();
    await nats?.stop();
  });

  const measure = async (filter: HistoryFilter) => {
    const before = proxy.received();
    const res = await engine.broker.history(channel, { filter, metaTtlMs: 0 });
    return { res, bytes: proxy.received() - before };
  };

  it(`reads one message for the stream top of a channel holding ${RETAINED}`, async () => {
    assert.equal(top.offset, RETAINED);
    const { res, bytes } = await measure({ limit: 0, reverse: false });
    assert.deepEqual(res.position, top);
    assert.deepEqual(res.publications, []);
    assert.ok(bytes < 2 * MESSAGE_BYTES, `position check read ${bytes} bytes`);
    console.log(`position check of ${RETAINED}: ${bytes} bytes read from NATS`);
  });

  it('reads what a recovery returns, plus a few probes, not the subject', async () => {
    for (const missed of [1, 10, 100]) {
      const since = { offset: top.offset - missed, epoch: top.epoch };
      const { res, bytes } = await measure({ limit: -1, since, reverse: false });
      assert.deepEqual(
        res.publications.map((p) => p.offset),
        Array.from({ length: missed }, (_, i) => since.offset + 1 + i),
      );
      // The top, the missed publications, and at most 12 single-message probes.
      const bound = (1 + missed + 12) * MESSAGE_BYTES;
      assert.ok(bytes < bound, `recovery of ${missed} read ${bytes} bytes (bound ${bound})`);
      console.log(`recovery of ${missed} of ${RETAINED}: ${bytes} bytes read from NATS`);
    }
  });
});
