// Which consumed messages are done and which are kept for a retry, with the executor's
// answers stubbed: only an internal error (100) keeps a message, as in Centrifugo.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { ApiExecutor } from '../api/index.ts';
import { RateLimitedLog } from '../observability/index.ts';
import { Dispatcher, TemporaryDispatchError } from './dispatch.ts';
import { topLevelJsonFields } from './json-fields.ts';
import { BadPublicationField, publicationOf } from './publication-fields.ts';

type Answer = { result?: unknown; error?: { code: number; message: string } };

function dispatcher(answer: (method: string, request: unknown) => Answer) {
  const calls: Array<[string, unknown]> = [];
  const executor = {
    call: async (method: string, request: unknown) => {
      calls.push([method, request]);
      return answer(method, request);
    },
  } as unknown as ApiExecutor;
  const log = new RateLimitedLog(pino({ level: 'silent' }));
  return { d: new Dispatcher(executor, log), calls };
}

const bytes = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

describe('Dispatcher', () => {
  it('keeps a message whose command failed internally, skips other failures', async () => {
    const { d } = dispatcher(() => ({ error: { code: 100, message: 'internal server error' } }));
    await assert.rejects(
      d.dispatchCommand('publish', bytes({ channel: 'a', data: {} })),
      TemporaryDispatchError,
    );
    for (const code of [102, 107, 108]) {
      const { d: skip } = dispatcher(() => ({ error: { code, message: 'x' } }));
      await skip.dispatchCommand('publish', bytes({ channel: 'a', data: {} }));
    }
  });

  it('retries a broadcast when one channel failed internally', async () => {
    const { d } = dispatcher(() => ({
      result: { responses: [{ result: {} }, { error: { code: 100, message: 'x' } }] },
    }));
    await assert.rejects(
      d.dispatchCommand('broadcast', bytes({ channels: ['a', 'b'], data: {} })),
      TemporaryDispatchError,
    );
    const { d: ok } = dispatcher(() => ({
      result: { responses: [{ result: {} }, { error: { code: 102, message: 'x' } }] },
    }));
    await ok.dispatchCommand('broadcast', bytes({ channels: ['a', 'b'], data: {} }));
  });

  it('skips what cannot decode and methods consumers do not run, calling nothing', async () => {
    const { d, calls } = dispatcher(() => ({ result: {} }));
    await d.dispatchCommand('publish', bytes('{"channel": 1}'));
    await d.dispatchCommand('publish', bytes('not json'));
    await d.dispatchCommand('presence', bytes({ channel: 'a' }));
    await d.dispatchCommand('nosuch', bytes({}));
    await d.dispatchCommand('', bytes('[1]'));
    assert.deepEqual(calls, []);
  });

  it('reads the method from the payload, the request raw or as a JSON string', async () => {
    const { d, calls } = dispatcher(() => ({ result: {} }));
    await d.dispatchCommand(
      '',
      bytes('{"method":"publish","payload":{"channel":"a","data":{"big":12345678901234567890}}}'),
    );
    await d.dispatchCommand(
      '',
      bytes({ Method: 'publish', payload: JSON.stringify({ channel: 'b', data: [1] }) }),
    );
    assert.deepEqual(
      calls.map(([m, r]) => [m, (r as { channel: string }).channel]),
      [
        ['publish', 'a'],
        ['publish', 'b'],
      ],
    );
    // data reaches the executor byte for byte: the big number is not rounded.
    const data = (calls[0]?.[1] as { data?: Uint8Array } | undefined)?.data ?? new Uint8Array();
    assert.equal(Buffer.from(data).toString(), '{"big":12345678901234567890}');
  });

  it('publishes into one channel, broadcasts into several, and does nothing for none', async () => {
    const { d, calls } = dispatcher(() => ({ result: { responses: [] } }));
    const pub = {
      data: bytes({ x: 1 }),
      idempotencyKey: 'k',
      delta: false,
      tags: { t: 'v' },
      version: 0,
      versionEpoch: '',
    };
    await d.dispatchPublication([], pub);
    await d.dispatchPublication(['a'], pub);
    await d.dispatchPublication(['a', 'b'], pub);
    assert.deepEqual(
      calls.map(([m]) => m),
      ['publish', 'broadcast'],
    );
    assert.equal((calls[0]?.[1] as { idempotency_key?: string } | undefined)?.idempotency_key, 'k');
    assert.deepEqual((calls[1]?.[1] as { channels?: string[] } | undefined)?.channels, ['a', 'b']);
  });
});

describe('topLevelJsonFields', () => {
  it('gives each value as written', () => {
    const f = topLevelJsonFields('{ "a" : {"x": [1, "}"]}, "b":"s\\"t", "c": 1e3 , "d":null}');
    assert.deepEqual(
      [...(f ?? [])],
      [
        ['a', '{"x": [1, "}"]}'],
        ['b', '"s\\"t"'],
        ['c', '1e3'],
        ['d', 'null'],
      ],
    );
    assert.equal(topLevelJsonFields('[1]'), undefined);
    assert.equal(topLevelJsonFields('{'), undefined);
  });
});

describe('publicationOf', () => {
  const names = {
    channels: 'ch',
    idempotencyKey: 'ik',
    delta: 'd',
    version: 'v',
    versionEpoch: 've',
    tagsPrefix: 'tag-',
  };
  const of = (fields: Record<string, string>) =>
    publicationOf(
      names,
      new Uint8Array(),
      (n) => fields[n] ?? '',
      () => Object.entries(fields),
    );

  it('reads fields as Go parses them', () => {
    const { channels, publication } = of({
      ch: 'a,b',
      ik: 'k',
      d: 'T',
      v: '18446744073709551615',
      ve: 'e',
      'tag-x': '1',
    });
    assert.deepEqual(channels, ['a', 'b']);
    assert.equal(publication.delta, true);
    assert.equal(publication.idempotencyKey, 'k');
    assert.deepEqual(publication.tags, { x: '1' });
    assert.deepEqual(of({}).channels, []);
    assert.throws(() => of({ ch: 'a', d: 'yes' }), BadPublicationField);
    assert.throws(() => of({ ch: 'a', v: '-1' }), BadPublicationField);
    assert.throws(() => of({ ch: 'a', v: '18446744073709551616' }), BadPublicationField);
  });
});
