// Frame-level protocol rules with a bare WebSocket: each violation gets its documented
// close code, and a bystander connection keeps receiving throughout. Ends with 1,200
// generated frames (seeded) that must never take the node down.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signHs256 } from '../../src/node/auth/index.ts';
import { Command } from '../../src/node/protocol/descriptors.ts';
import { encodeMessage } from '../../src/node/protocol/protobuf-codec.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { fields } from './protowire.ts';
import { RawClient } from './raw.ts';
import { wsUrl } from './sdk.ts';

let node: TestNode;
let bystander: RawClient;
let bystanderSeen = 0;

const CONNECT = JSON.stringify({ id: 1, connect: {} });
const SECRET = 'raw-frames-secret';

before(async () => {
  node = await startTestNode({
    client: {
      allow_anonymous_connect_without_token: true,
      token: { hmac_secret_key: SECRET },
      ping_interval: '1s',
      // Centrifugo refuses a ping_interval not above pong_timeout (so does this node).
      pong_timeout: '900ms',
    },
    channel: {
      without_namespace: { allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true },
    },
    websocket: { message_size_limit: 4096 },
  });
  bystander = await RawClient.open(wsUrl(node));
  bystander.send(CONNECT);
  await bystander.reply(1);
  bystander.send(JSON.stringify({ id: 2, subscribe: { channel: 'watch' } }));
  await bystander.reply(2);
  // The bystander answers pings, so only the connections under test are cut.
  bystander.ws.on('message', (data: Buffer) => {
    if (data.toString().split('\n').includes('{}')) bystander.send('{}');
  });
});
after(async () => {
  bystander?.terminate();
  await node?.close();
});

/** The bystander still gets publications: nothing that happened to others touched it. */
async function assertBystanderAlive(): Promise<void> {
  bystanderSeen += 1;
  await node.api('publish', { channel: 'watch', data: { seen: bystanderSeen } });
  const deadline = Date.now() + 3000;
  while (!bystander.messages.some((m) => JSON.stringify(m).includes(`"seen":${bystanderSeen}`))) {
    assert.ok(Date.now() < deadline, 'bystander stopped receiving');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function closeCodeAfter(frames: Array<string | Uint8Array>, protocols?: string[]) {
  const c = await RawClient.open(wsUrl(node), protocols);
  for (const f of frames) c.send(f);
  return c.closeCode();
}

describe('protocol violations', () => {
  const cases: Array<[string, Array<string | Uint8Array>, number, string[]?]> = [
    ['garbage JSON', ['{"id":1,"connect":'], 3501],
    ['a JSON value that is not an object', ['[1,2,3]'], 3501],
    ['a wrong field type', ['{"id":"one","connect":{}}'], 3501],
    ['garbage Protobuf', [new Uint8Array([0x05, 0xff, 0xff])], 3501, ['centrifuge-protobuf']],
    ['an empty frame', [''], 3501],
    ['id 0 on a command', ['{"connect":{}}'], 3501],
    ['a command before connect', ['{"id":1,"subscribe":{"channel":"x"}}'], 3501],
    ['a second connect', [CONNECT, '{"id":2,"connect":{}}'], 3501],
    ['an unsolicited pong', [CONNECT, '{}'], 3501],
    ['send', [CONNECT, '{"send":{"data":{}}}'], 3508],
    ['send before connect', ['{"send":{"data":{}}}'], 3501],
    [
      'an id-0 command when no ping awaits a pong',
      [CONNECT, '{"subscribe":{"channel":"x"}}'],
      3501,
    ],
    ['an oversized frame', [`{"id":1,"connect":{"data":"${'x'.repeat(5000)}"}}`], 1009],
  ];
  for (const [name, frames, code, protocols] of cases) {
    it(`closes ${code} for ${name}`, async () => {
      assert.equal(await closeCodeAfter(frames, protocols), code);
      await assertBystanderAlive();
    });
  }

  it('closes 3012 when a ping goes unanswered', async () => {
    const c = await RawClient.open(wsUrl(node));
    c.send(CONNECT);
    await c.reply(1);
    assert.equal(await c.closeCode(5000), 3012);
  });

  it('takes any id-0 command but send as the pong a ping awaits, as Centrifugo does', async () => {
    const c = await RawClient.open(wsUrl(node));
    c.ws.on('message', (data: Buffer) => {
      if (data.toString().split('\n').includes('{}')) c.send('{"subscribe":{"channel":"x"}}');
    });
    c.send(CONNECT);
    await c.reply(1);
    // A ping at 1 s, a pong due 0.9 s later: unanswered, this would close 3012 by now.
    await new Promise((r) => setTimeout(r, 2600));
    assert.equal(c.ws.readyState, c.ws.OPEN);
    assert.equal(
      c.messages.some((m) => m.subscribe !== undefined || m.error !== undefined),
      false,
    );
    c.terminate();
  });

  it('closes 3502 when no connect comes in time', async () => {
    const stale = await startTestNode({ client: { stale_close_delay: '200ms' } });
    try {
      const c = await RawClient.open(wsUrl(stale));
      assert.equal(await c.closeCode(), 3502);
    } finally {
      await stale.close();
    }
  });

  it('answers a Protobuf connect in Protobuf', async () => {
    const c = await RawClient.open(wsUrl(node), ['centrifuge-protobuf']);
    const command = encodeMessage(Command, { id: 7, connect: {} });
    c.send(new Uint8Array([command.length, ...command]));
    const deadline = Date.now() + 3000;
    while (c.binary.length === 0) {
      assert.ok(Date.now() < deadline, 'no binary reply');
      await new Promise((r) => setTimeout(r, 10));
    }
    // Length prefix, then field 1 (id) = 7.
    assert.deepEqual([...(c.binary[0] as Buffer).subarray(1, 3)], [0x08, 7]);
    c.terminate();
  });
});

describe('what Centrifugo v6.9.1 does with frames', () => {
  it('takes an empty Sec-WebSocket-Protocol header as no subprotocol and speaks JSON', async () => {
    // centrifuge-python sends the empty header in JSON mode; ws alone answers HTTP 400.
    const c = await RawClient.open(wsUrl(node), undefined, {
      headers: { 'Sec-WebSocket-Protocol': '' },
    });
    c.send(CONNECT);
    assert.ok((await c.reply(1)).connect);
    assert.equal(c.ws.protocol, '');
    c.terminate();
  });

  it('picks the first subprotocol the client lists that it speaks', async () => {
    const c = await RawClient.open(wsUrl(node), [
      'x-other',
      'centrifuge-json',
      'centrifuge-protobuf',
    ]);
    assert.equal(c.ws.protocol, 'centrifuge-json');
    c.send(CONNECT);
    assert.ok((await c.reply(1)).connect);
    c.terminate();
  });

  it('answers the commands before a malformed one, then closes 3501 (JSON)', async () => {
    const c = await RawClient.open(wsUrl(node));
    c.send(CONNECT);
    await c.reply(1);
    c.send('{"id":2,"subscribe":{"channel":"a"}}\n{"id":3,"publish":{"channel":7}}');
    assert.equal(await c.closeCode(), 3501);
    assert.deepEqual(await c.reply(2), { id: 2, subscribe: {} });
    assert.equal(
      c.messages.some((m) => m.id === 3),
      false,
    );
  });

  it('answers the commands before a cut-short one, then closes 3501 (Protobuf)', async () => {
    const c = await RawClient.open(wsUrl(node), ['centrifuge-protobuf']);
    const connect = encodeMessage(Command, { id: 1, connect: {} });
    const subscribe = encodeMessage(Command, { id: 2, subscribe: { channel: 'a' } });
    // The second message claims 9 bytes and has 1.
    c.send(new Uint8Array([connect.length, ...connect, subscribe.length, ...subscribe, 9, 0x08]));
    assert.equal(await c.closeCode(), 3501);
    const ids = (await c.protobufReplies(2)).map((r) => fields(r).get(1)?.[0]);
    assert.deepEqual(ids, [1, 2]);
  });

  it('stops reading after a failed connect and drops the connection 5 s later', async () => {
    const c = await RawClient.open(wsUrl(node));
    const expired = await signHs256(
      { sub: 'late', exp: Math.floor(Date.now() / 1000) - 10 },
      SECRET,
    );
    const started = Date.now();
    c.send(JSON.stringify({ id: 1, connect: { token: expired } }));
    assert.deepEqual((await c.reply(1)).error, { code: 109, message: 'token expired' });
    // Centrifugo reads nothing more, then lets go without a close frame after 5 s.
    c.send(JSON.stringify({ id: 2, subscribe: { channel: 'watch' } }));
    assert.equal(await c.closeCode(8000), 1006);
    const waited = Date.now() - started;
    assert.ok(waited >= 4500, `dropped after ${waited} ms`);
    assert.equal(
      c.messages.some((m) => m.id === 2),
      false,
    );
  });

  it('closes 3501 for a ping command (v2 pings are empty frames)', async () => {
    assert.equal(await closeCodeAfter([CONNECT, '{"id":2,"ping":{}}']), 3501);
  });
});

describe('cf_ws_frame_ping_pong=true', () => {
  const url = () => `${wsUrl(node)}?cf_ws_frame_ping_pong=true`;

  it('pings with WebSocket frames instead of protocol pings, and says so at connect', async () => {
    const c = await RawClient.open(url());
    let pings = 0;
    c.ws.on('ping', () => {
      pings += 1;
    });
    c.send(CONNECT);
    const connect = (await c.reply(1)).connect as Record<string, unknown>;
    assert.equal(connect.ping, undefined);
    assert.equal(connect.pong, undefined);
    // ping_interval is 1 s here: two frame pings answered (ws answers them itself), no
    // protocol ping ({}), and the connection lives past where a missed pong would end it.
    await new Promise((r) => setTimeout(r, 2600));
    assert.ok(pings >= 2, `${pings} ping frames`);
    assert.equal(c.ws.readyState, c.ws.OPEN);
    assert.deepEqual(
      c.messages.filter((m) => Object.keys(m).length === 0),
      [],
    );
    c.terminate();
  });

  it('drops a connection that answers no ping frame, without a close frame', async () => {
    const c = await RawClient.open(url(), undefined, { autoPong: false });
    c.send(CONNECT);
    await c.reply(1);
    // A ping at 1 s, its pong due within pong_timeout (0.9 s): gone by about 2 s.
    assert.equal(await c.closeCode(4000), 1006);
  });
});

describe('fuzzed frames', () => {
  it('survives 1,200 generated frames, closing only with protocol codes', async () => {
    let seed = 0x1234abcd;
    const rand = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const pieces = [
      '{',
      '}',
      '"id":',
      '1',
      '0',
      '-1',
      ',',
      '"connect":{}',
      '"subscribe":{"channel":"watch"}',
      '"publish":{"channel":"a","data":{}}',
      '"ping":{}',
      '"history":{"channel":"x"}',
      '[',
      ']',
      '"',
      ':',
      'null',
      '\n',
      '🙂',
      '\\',
    ];
    const allowed = new Set([1000, 1005, 1009, 3500, 3501, 3508]);
    const methods = [
      'subscribe',
      'unsubscribe',
      'publish',
      'presence',
      'presence_stats',
      'history',
      'rpc',
    ];
    /** Mostly well-formed commands with random fields, so connections live on and parse. */
    const command = (id: number) => {
      const method = methods[Math.floor(rand() * methods.length)] as string;
      const body: Record<string, unknown> = {};
      if (rand() < 0.99) body.channel = rand() < 0.5 ? 'watch' : `c${Math.floor(rand() * 3)}`;
      if (rand() < 0.3) body.data = { n: Math.floor(rand() * 100) };
      if (rand() < 0.2) body.limit = Math.floor(rand() * 5) - 1;
      if (rand() < 0.1) body.token = 'x.y.z';
      return JSON.stringify({ id, [method]: body });
    };
    let sent = 0;
    let survivors = 0;
    while (sent < 1200) {
      const protobuf = rand() < 0.2;
      const c = await RawClient.open(wsUrl(node), protobuf ? ['centrifuge-protobuf'] : undefined);
      if (!protobuf) c.send(CONNECT);
      for (let i = 0; i < 40 && sent < 1200; i++, sent++) {
        const r = rand();
        if (protobuf) {
          const bytes = Array.from({ length: 1 + Math.floor(rand() * 40) }, () =>
            Math.floor(rand() * 256),
          );
          c.send(new Uint8Array(bytes));
        } else if (r < 0.98) {
          c.send(command(i + 2));
        } else {
          const n = 1 + Math.floor(rand() * 12);
          c.send(
            Array.from({ length: n }, () => pieces[Math.floor(rand() * pieces.length)]).join(''),
          );
        }
      }
      await new Promise((r) => setTimeout(r, 20));
      if (c.ws.readyState === c.ws.OPEN) survivors += 1;
      c.ws.close();
      const code = await c.closeCode();
      assert.ok(allowed.has(code), `unexpected close code ${code}`);
    }
    assert.ok(survivors > 0, 'some connections took their frames and stayed open');
    await assertBystanderAlive();
    const health = await node.api('info', {});
    assert.equal(health.status, 200);
  });
});
