import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { TraceEvent } from '../client/index.ts';
import { type TraceLimits, TraceStreams } from './trace-stream.ts';

type Emit = (event: TraceEvent) => void;

/** A server whose one trace is fed by the test through `emit`; resolves its SSE text. */
async function traced(
  limits: Partial<TraceLimits>,
  feed: (emit: Emit) => void,
  created?: (streams: TraceStreams) => void,
): Promise<{ text: string; stopped: number; streams: TraceStreams }> {
  const streams = new TraceStreams(limits);
  created?.(streams);
  let stopped = 0;
  const server: Server = createServer((_req, res) => {
    void streams.run(res, { channel: 'ch' }, 'node-1', async (emit) => {
      setImmediate(() => feed(emit));
      return () => {
        stopped++;
      };
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) });
    return { text: await res.text(), stopped, streams };
  } finally {
    server.close();
  }
}

const pub = (frame: string): TraceEvent => ({ type: 'publication', channel: 'ch', frame });

function events(text: string): Array<{ event: string; data: Record<string, unknown> }> {
  return text
    .split('\n\n')
    .filter((b) => b.startsWith('event: '))
    .map((b) => {
      const [event, data] = b.split('\n');
      return { event: event?.slice(7) ?? '', data: JSON.parse(data?.slice(6) ?? '{}') };
    });
}

describe('TraceStreams', () => {
  it('ends at the event limit and removes its taps once', async () => {
    const { text, stopped, streams } = await traced({ maxEvents: 3 }, (emit) => {
      for (let i = 0; i < 10; i++) emit(pub(`f${i}`));
    });
    const got = events(text);
    assert.deepEqual(
      got.map((e) => e.event),
      ['start', 'trace', 'trace', 'trace', 'end'],
    );
    assert.deepEqual(got.at(-1)?.data, {
      reason: 'event limit (3) reached',
      events: 3,
      dropped: 0,
    });
    assert.equal(stopped, 1);
    assert.equal(streams.size, 0);
  });

  it('cuts long frames and ends at the size limit', async () => {
    const { text } = await traced({ maxFrameChars: 4, maxChars: 10 }, (emit) => {
      for (let i = 0; i < 10; i++) emit(pub('abcdefgh'));
    });
    const got = events(text);
    assert.deepEqual(got[1]?.data.frame, 'abcd');
    assert.equal(got[1]?.data.truncated, 8);
    assert.equal(got.filter((e) => e.event === 'trace').length, 3);
    assert.match(String(got.at(-1)?.data.reason), /^size limit/);
  });

  it('drops events a slow reader cannot take, and says how many', async () => {
    const { text } = await traced({ maxBuffered: -1, maxEvents: 5 }, (emit) => {
      for (let i = 0; i < 5; i++) emit(pub('x'));
    });
    const got = events(text);
    assert.deepEqual(
      got.map((e) => e.event),
      ['start', 'end'],
    );
    assert.equal(got[1]?.data.dropped, 5);
  });

  it('ends at the time limit', async () => {
    const { text } = await traced({ maxDurationMs: 50 }, () => {});
    assert.match(String(events(text).at(-1)?.data.reason), /^time limit \(0.05 s\) reached/);
  });

  it('closeAll ends every open trace (node shutdown)', async () => {
    let registry: TraceStreams | undefined;
    const { text, streams } = await traced(
      {},
      () => registry?.closeAll(),
      (s) => {
        registry = s;
      },
    );
    assert.equal(events(text).at(-1)?.data.reason, 'the node is shutting down');
    assert.equal(streams.size, 0);
  });
});
