// A total NATS outage under load: the only nats-server is killed while a backend keeps
// publishing (20/s) and asks for history, presence, channels and broadcasts. Every call that
// needs NATS answers 100 within engine.nats.request_timeout, at once once the node knows the
// connection is down, without timeouts stacking behind each other; the log says the outage
// once and the recovery once, with the count of failed calls, and nothing per call.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { validateConfig } from '../../src/node/config/index.ts';
import { type RunningNode, startNode } from '../../src/node/start-node.ts';
import { API_KEY, request } from '../node/harness.ts';
import { type NatsServer, startNatsServer } from './harness.ts';

const REQUEST_TIMEOUT_MS = 1_000;
const OUTAGE_MS = 3_000;
/** What a busy loopback HTTP round trip may add to the engine's bound. */
const SLACK_MS = 400;

type LogLine = { level: number; msg: string; [key: string]: unknown };

interface Call {
  method: string;
  startedAt: number;
  ms: number;
  code: number | undefined;
}

describe('a total NATS outage under load', () => {
  let nats: NatsServer | undefined;
  let running: RunningNode | undefined;
  after(async () => {
    await running?.close();
    await nats?.stop();
  });

  it('answers 100 within request_timeout, at once while down, and logs it once', async () => {
    nats = await startNatsServer();
    const lines: LogLine[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n'))
          if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    const config = validateConfig({
      engine: {
        type: 'nats',
        nats: {
          urls: [nats.url],
          prefix: `o${randomBytes(3).toString('hex')}`,
          request_timeout: `${REQUEST_TIMEOUT_MS}ms`,
        },
      },
      http_server: { address: '127.0.0.1', port: 0 },
      http_api: { key: API_KEY },
      channel: {
        namespaces: [{ name: 'live', presence: true, history_size: 100, history_ttl: '300s' }],
      },
    });
    running = await startNode(config, pino({ level: 'info', base: undefined }, sink));
    const url = `http://127.0.0.1:${running.addresses[0]?.port}`;
    const api = async (method: string, body: unknown): Promise<Call> => {
      const startedAt = Date.now();
      const res = await request(`${url}/api/${method}`, {
        method: 'POST',
        headers: { 'X-API-Key': API_KEY },
        body: JSON.stringify(body),
      });
      const code =
        method === 'broadcast'
          ? res.json?.result?.responses?.find((r: { error?: { code: number } }) => r.error)?.error
              ?.code
          : res.json?.error?.code;
      return { method, startedAt, ms: Date.now() - startedAt, code };
    };
    const calls = {
      publish: () => api('publish', { channel: 'live:a', data: { n: 1 } }),
      history: () => api('history', { channel: 'live:a', limit: 10 }),
      presence: () => api('presence', { channel: 'live:a' }),
      channels: () => api('channels', {}),
      broadcast: () => api('broadcast', { channels: ['live:b', 'live:c'], data: { n: 1 } }),
    };
    for (const [method, call] of Object.entries(calls)) {
      assert.equal((await call()).code, undefined, `${method} works before the outage`);
    }

    // Load through the outage: 20 publishes/s, and every other call 4 times a second.
    await nats.kill();
    const killedAt = Date.now();
    const pending: Array<Promise<Call>> = [];
    for (let tick = 0; Date.now() - killedAt < OUTAGE_MS; tick++) {
      pending.push(calls.publish());
      if (tick % 5 === 0) {
        for (const method of ['history', 'presence', 'channels', 'broadcast'] as const) {
          pending.push(calls[method]());
        }
      }
      await sleep(50);
    }
    const during = await Promise.all(pending);

    const knownDownAt = lines.find((l) => /NATS disconnected/.test(l.msg))?.time;
    assert.ok(knownDownAt, 'the node logged the lost connection');
    const downAt = typeof knownDownAt === 'number' ? knownDownAt : Date.parse(String(knownDownAt));
    const report: string[] = [];
    for (const method of Object.keys(calls)) {
      const mine = during.filter((c) => c.method === method);
      const ms = mine.map((c) => c.ms).sort((a, b) => a - b);
      const afterKnown = mine.filter((c) => c.startedAt > downAt + 50).map((c) => c.ms);
      afterKnown.sort((a, b) => a - b);
      report.push(
        `${method}: ${mine.length} calls, max ${ms.at(-1)} ms, p50 once known down ${afterKnown[afterKnown.length >> 1]} ms`,
      );
      for (const c of mine) assert.equal(c.code, 100, `${method} answers 100 during the outage`);
      assert.ok(
        (ms.at(-1) ?? 0) <= REQUEST_TIMEOUT_MS + SLACK_MS,
        `${method} answered within request_timeout: ${report.at(-1)}`,
      );
      assert.ok(
        (afterKnown[afterKnown.length >> 1] ?? 0) < 100,
        `${method} answers at once while NATS is known down: ${report.at(-1)}`,
      );
    }
    console.log(`outage of ${OUTAGE_MS} ms under load:\n  ${report.join('\n  ')}`);

    await nats.restart();
    const deadline = Date.now() + 15_000;
    while ((await calls.publish()).code !== undefined) {
      assert.ok(Date.now() < deadline, 'publishing resumes once NATS is back');
      await sleep(100);
    }
    const outageLines = lines.filter((l) => /NATS disconnected/.test(l.msg));
    const recoveryLines = lines.filter((l) => /NATS reconnected/.test(l.msg));
    assert.equal(outageLines.length, 1, 'the outage is logged once');
    assert.equal(recoveryLines.length, 1, 'the recovery is logged once');
    console.log(`log: ${JSON.stringify(outageLines[0])}\nlog: ${JSON.stringify(recoveryLines[0])}`);
    const failedApiCalls = during.length;
    assert.ok(
      Number(recoveryLines[0]?.failed) >= failedApiCalls,
      `the recovery line counts the failed calls (${recoveryLines[0]?.failed} >= ${failedApiCalls})`,
    );
    const perCall = lines.filter((l) => l.level >= 40 && !/NATS (dis|re)connected/.test(l.msg));
    assert.ok(
      perCall.length <= 3,
      `no log line per failed call: ${perCall.length} lines, first ${JSON.stringify(perCall[0])?.slice(0, 300)}`,
    );
  });
});
