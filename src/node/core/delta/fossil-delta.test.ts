// createDelta against three judges: Fossil's own vectors (made by `fossil
// test-delta-create`), the bytes Centrifugo's encoder makes of generated cases, and the
// decoder inside the official centrifuge SDK, which must rebuild every target byte for byte
// from our deltas, over Protobuf and over JSON.
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { InProcessSocket, inProcessClient } from '../../../../test/client/in-process-sdk.ts';
import { deltaPayload } from './delta-payload.ts';
import { createDelta } from './fossil-delta.ts';
import { type DeltaCase, deltaCases, jsonDocument } from './testdata/cases.ts';

const testdata = new URL('./testdata/', import.meta.url);
const read = (path: string) => new Uint8Array(readFileSync(new URL(path, testdata)));
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('fossil delta: createDelta', () => {
  it("gives Fossil's bytes for Fossil's reference vectors", () => {
    for (const n of [1, 2, 3, 4, 5]) {
      const delta = createDelta(
        read(`fossil-vectors/${n}/origin`),
        read(`fossil-vectors/${n}/target`),
      );
      assert.equal(text(delta), text(read(`fossil-vectors/${n}/delta`)), `vector ${n}`);
    }
  });

  it("gives Centrifugo's encoder's bytes for every generated case", () => {
    const expected = JSON.parse(text(read('centrifuge-deltas.json'))) as Record<
      string,
      { length: number; sha256: string }
    >;
    const cases = deltaCases();
    assert.deepEqual(cases.map((c) => c.name).sort(), Object.keys(expected).sort());
    for (const c of cases) {
      const delta = createDelta(c.prev, c.next);
      assert.deepEqual(
        { length: delta.length, sha256: sha256(delta) },
        expected[c.name],
        `case ${c.name}`,
      );
    }
  });

  it('compresses a 10 KiB JSON document changing a little to a few percent', () => {
    // The same documents as the benchmark note; a regression in matching shows here as size.
    const json = jsonDocument(105, 7);
    let prev = json.step();
    let deltaBytes = 0;
    let fullBytes = 0;
    for (let s = 0; s < 50; s++) {
      const next = json.step();
      deltaBytes += createDelta(prev, next).length;
      fullBytes += next.length;
      prev = next;
    }
    assert.ok(fullBytes / 50 > 10_000, `documents of ${fullBytes / 50} bytes`);
    assert.ok(deltaBytes / fullBytes < 0.03, `delta/full = ${deltaBytes / fullBytes}`);
  });
});

// ---- the SDK's decoder, through an in-process socket ------------------------------------

const proto = new protobuf.Root();
proto.loadSync(new URL('../../../../proto/client.proto', import.meta.url).pathname, {
  keepCase: true,
});
const CommandType = proto.lookupType('centrifugal.centrifuge.protocol.Command');
const ReplyType = proto.lookupType('centrifugal.centrifuge.protocol.Reply');

/** A stand-in server: answers connect and subscribe (delta negotiated), then pushes. */
function serve(socket: InProcessSocket, format: 'json' | 'protobuf'): void {
  const reply = (r: Record<string, unknown>) => {
    if (format === 'json') socket.deliver(JSON.stringify(r));
    else socket.deliver(ReplyType.encodeDelimited(ReplyType.fromObject(r)).finish());
  };
  socket.onFrame = (frame) => {
    const commands =
      typeof frame === 'string'
        ? frame.split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
        : delimitedCommands(frame);
    for (const cmd of commands) {
      if (cmd.connect) reply({ id: cmd.id, connect: { client: 'c1', version: 'test' } });
      else if (cmd.subscribe) {
        assert.equal((cmd.subscribe as { delta?: string }).delta, 'fossil');
        reply({ id: cmd.id, subscribe: { delta: true } });
      }
    }
  };
  pushTo = (pub) => reply({ push: { channel: 'ch', pub } });
}
let pushTo: (pub: Record<string, unknown>) => void = () => {};

function delimitedCommands(frame: Uint8Array): Array<Record<string, unknown>> {
  const reader = protobuf.Reader.create(frame);
  const out: Array<Record<string, unknown>> = [];
  while (reader.pos < reader.len) {
    out.push(CommandType.toObject(CommandType.decodeDelimited(reader)) as Record<string, unknown>);
  }
  return out;
}

/**
 * Publishes `targets` in order to an SDK subscription with delta 'fossil': the first one
 * whole, each next one as createDelta from the one before, the way a server sends them to
 * one subscriber. Returns what the SDK handed to the application.
 */
async function throughSdk(format: 'json' | 'protobuf', targets: Uint8Array[]) {
  let socket: InProcessSocket | undefined;
  InProcessSocket.onOpen = (s) => {
    socket = s;
    serve(s, format);
  };
  const client = inProcessClient(format);
  const received: unknown[] = [];
  let fullSent = 0;
  try {
    const sub = client.newSubscription('ch', { delta: 'fossil' });
    sub.on('publication', (ctx) => received.push(ctx.data));
    sub.on('error', (ctx) => assert.fail(`subscription error: ${JSON.stringify(ctx.error)}`));
    client.connect();
    sub.subscribe();
    await sub.ready(5_000);
    assert.ok(socket, 'the SDK opened a socket');
    targets.forEach((next, i) => {
      const prev = targets[i - 1];
      const { data, delta } = prev
        ? deltaPayload(prev, next, format === 'json')
        : { data: next, delta: false };
      if (!delta) fullSent++;
      pushTo({
        offset: i + 1,
        delta: delta || undefined,
        // In JSON, Centrifugo writes the bytes as a JSON string (the reply's encoder escapes it).
        data: format === 'json' ? text(data) : data,
      });
    });
    const deadline = Date.now() + 5_000;
    while (received.length < targets.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    client.disconnect();
    InProcessSocket.onOpen = undefined;
  }
  return { received, fullSent };
}

describe("fossil delta: the centrifuge SDK's decoder", () => {
  const documents = () => {
    const json = jsonDocument(105, 11);
    return Array.from({ length: 100 }, () => json.step());
  };

  it('rebuilds 100 steps of a changing 10 KiB JSON document byte for byte (Protobuf)', async () => {
    const targets = documents();
    const { received, fullSent } = await throughSdk('protobuf', targets);
    assert.equal(received.length, targets.length);
    assert.equal(fullSent, 1);
    received.forEach((data, i) => {
      assert.ok(data instanceof Uint8Array, `publication ${i} is bytes`);
      assert.equal(sha256(data), sha256(targets[i] as Uint8Array), `publication ${i}`);
    });
  });

  it('rebuilds every generated case byte for byte (Protobuf)', async () => {
    // Cases chained pairwise: prev, next, prev, next, ... each next as a delta of its prev.
    const pairs = deltaCases().filter((c: DeltaCase) => c.prev.length > 0 && c.next.length > 0);
    const targets = pairs.flatMap((c) => [c.prev, c.next]);
    const { received } = await throughSdk('protobuf', targets);
    assert.equal(received.length, targets.length);
    received.forEach((data, i) => {
      assert.equal(sha256(data as Uint8Array), sha256(targets[i] as Uint8Array), `target ${i}`);
    });
  });

  it('rebuilds the JSON document over the JSON protocol, whole where a delta is not UTF-8', async () => {
    const targets = documents();
    const { received, fullSent } = await throughSdk('json', targets);
    assert.equal(received.length, targets.length);
    received.forEach((data, i) => {
      assert.equal(JSON.stringify(data), text(targets[i] as Uint8Array), `publication ${i}`);
    });
    // The documents change a non-ASCII note now and then ("é" to "è" share a first byte):
    // step 20 gives a delta that is no UTF-8, sent whole.
    assert.equal(fullSent, 2);
  });
});

describe('fossil delta: deltaPayload', () => {
  const utf8 = (s: string) => new TextEncoder().encode(s);
  // A copy runs up to the byte where "é" (C3 A9) and "è" (C3 A8) part: the literal is A8.
  const pad = 'x'.repeat(40);
  const prev = utf8(`{"pad":"${pad}","note":"héllo","more":"${pad}"}`);
  const next = utf8(`{"pad":"${pad}","note":"hèllo","more":"${pad}"}`);

  it('sends the delta when shorter, the whole data when not', () => {
    const small = deltaPayload(utf8('a'.repeat(100)), utf8(`${'a'.repeat(100)}b`), false);
    assert.deepEqual(
      [small.delta, text(small.data)],
      [true, text(createDelta(utf8('a'.repeat(100)), utf8(`${'a'.repeat(100)}b`)))],
    );
    const unrelated = deltaPayload(
      utf8('0123456789abcdefghij'),
      utf8('zyxwvutsrqponmlkjihg'),
      false,
    );
    assert.deepEqual([unrelated.delta, text(unrelated.data)], [false, 'zyxwvutsrqponmlkjihg']);
  });

  it('sends a delta that cuts a character in two whole on JSON only', () => {
    assert.equal(isUtf8(createDelta(prev, next)), false, 'the delta cuts "è" in two');
    assert.deepEqual(deltaPayload(prev, next, true), { data: next, delta: false });
    assert.equal(deltaPayload(prev, next, false).delta, true);
  });
});
