// Client commands answered as Centrifugo v6.9.1 answers them, measured with raw frames
// against the real server (its answer is quoted in each test's name or comment): channel
// name rules, publish data, refresh and sub_refresh, rpc, flag 2, history positions, the
// epoch of a stream's first publication, and server-side subscriptions made at connect.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signHs256 } from '../../src/node/auth/index.ts';
import { Command } from '../../src/node/protocol/descriptors.ts';
import { encodeMessage } from '../../src/node/protocol/protobuf-codec.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { at, fields, text } from './protowire.ts';
import { RawClient } from './raw.ts';
import { wsUrl } from './sdk.ts';

const SECRET = 'commands-secret';
const now = () => Math.floor(Date.now() / 1000);
const jwt = (claims: Record<string, unknown>) => signHs256(claims, SECRET);
const anyone = {
  allow_subscribe_for_client: true,
  allow_subscribe_for_anonymous: true,
  allow_publish_for_client: true,
  allow_publish_for_anonymous: true,
  allow_history_for_client: true,
  allow_history_for_anonymous: true,
};

let node: TestNode;
const open: RawClient[] = [];
let seq = 0;
/** A channel name no other test uses. */
const fresh = (ns: string) => `${ns}:c${++seq}`;

before(async () => {
  node = await startTestNode({
    client: {
      token: { hmac_secret_key: SECRET },
      allow_anonymous_connect_without_token: true,
      expired_sub_close_delay: '100ms',
    },
    channel: {
      without_namespace: anyone,
      namespaces: [
        { name: 'rx', channel_regex: '^[a-z]+$', ...anyone },
        { name: 'hist', history_size: 2, history_ttl: '300s', ...anyone },
        { name: 'rec', history_size: 2, history_ttl: '300s', force_recovery: true, ...anyone },
        { name: 'jl', presence: true, join_leave: true, allow_subscribe_for_client: true },
        {
          name: 'jlf',
          presence: true,
          join_leave: true,
          force_push_join_leave: true,
          allow_subscribe_for_client: true,
        },
      ],
    },
  });
});
after(async () => {
  for (const c of open) c.terminate();
  await node?.close();
});

async function connect(claims?: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const c = await RawClient.open(wsUrl(node));
  open.push(c);
  const token = claims ? await jwt(claims) : undefined;
  c.send(JSON.stringify({ id: 1, connect: { ...(token ? { token } : {}), ...extra } }));
  const reply = await c.reply(1);
  assert.ok(reply.connect, JSON.stringify(reply));
  return { c, reply };
}

let nextId = 100;
async function ask(c: RawClient, command: Record<string, unknown>) {
  const id = ++nextId;
  c.send(JSON.stringify({ id, ...command }));
  return c.reply(id);
}

const errorOf = (reply: Record<string, unknown>) => (reply.error as { code: number })?.code;

describe('channel names', () => {
  it('answers 107 for a non-ASCII name, one failing channel_regex, or one over max_length bytes', async () => {
    const { c } = await connect();
    assert.equal(errorOf(await ask(c, { subscribe: { channel: 'ыы' } })), 107);
    assert.equal(errorOf(await ask(c, { subscribe: { channel: 'rx:ABC' } })), 107);
    assert.deepEqual(await ask(c, { subscribe: { channel: 'rx:abc' } }), {
      id: nextId,
      subscribe: {},
    });
    // 128 two-byte letters are 256 bytes, over the default 255.
    assert.equal(errorOf(await ask(c, { subscribe: { channel: 'é'.repeat(128) } })), 107);
    assert.equal(errorOf(await ask(c, { subscribe: { channel: 'x'.repeat(256) } })), 107);
  });

  it('checks names for publish, presence and history too, but not their length', async () => {
    const { c } = await connect();
    assert.equal(errorOf(await ask(c, { publish: { channel: 'ыы', data: {} } })), 107);
    assert.equal(errorOf(await ask(c, { publish: { channel: 'rx:AB', data: {} } })), 107);
    assert.equal(errorOf(await ask(c, { history: { channel: 'ыы' } })), 107);
    // Centrifugo limits the length on subscribe only.
    assert.deepEqual(
      (await ask(c, { publish: { channel: 'x'.repeat(300), data: {} } })).publish,
      {},
    );
  });
});

describe('publish data', () => {
  it('answers 107 without data, accepts JSON null (four bytes of raw JSON)', async () => {
    const { c } = await connect();
    const channel = fresh('hist');
    assert.equal(errorOf(await ask(c, { publish: { channel } })), 107);
    assert.deepEqual((await ask(c, { publish: { channel, data: null } })).publish, {});
    const history = (await ask(c, { history: { channel, limit: 10 } })).history as {
      publications: Array<{ data: unknown }>;
    };
    assert.deepEqual(
      history.publications.map((p) => p.data),
      [null],
    );
  });

  it('answers 107 for empty Protobuf data', async () => {
    const c = await RawClient.open(wsUrl(node), ['centrifuge-protobuf']);
    open.push(c);
    const send = (cmd: Record<string, unknown>) => {
      const bytes = encodeMessage(Command, cmd);
      c.send(new Uint8Array([bytes.length, ...bytes]));
    };
    send({ id: 1, connect: {} });
    send({ id: 2, publish: { channel: fresh('hist'), data: new Uint8Array(0) } });
    const replies = await c.protobufReplies(2);
    const reply2 = replies.find((r) => fields(r).get(1)?.[0] === 2);
    assert.ok(reply2, 'reply 2');
    assert.equal(fields(at(reply2, 2) as Uint8Array).get(1)?.[0], 107);
  });
});

describe('rpc', () => {
  it('answers 108 not available without an RPC proxy', async () => {
    const { c } = await connect();
    assert.deepEqual((await ask(c, { rpc: { method: 'm', data: {} } })).error, {
      code: 108,
      message: 'not available',
    });
  });
});

describe('unsubscribe and delta', () => {
  it('closes 3501 for an unsubscribe without channel', async () => {
    const { c } = await connect();
    c.send(JSON.stringify({ id: 2, unsubscribe: { channel: '' } }));
    assert.equal(await c.closeCode(), 3501);
  });

  it('closes 3501 for an unknown delta type, accepts fossil (not granted here)', async () => {
    const { c } = await connect();
    assert.deepEqual(
      (await ask(c, { subscribe: { channel: fresh('hist'), delta: 'fossil' } })).subscribe,
      {},
    );
    c.send(JSON.stringify({ id: 2, subscribe: { channel: fresh('hist'), delta: 'zstd' } }));
    assert.equal(await c.closeCode(), 3501);
  });
});

// Centrifugo v6.9.1 (test/compat: client/subscribe/type-map, tags-filter-not-allowed,
// client/publish/type-map): stream namespaces refuse map subscriptions and publishes (103),
// shared poll is not available (108), a tags filter where none is allowed is 107.
describe('subscription types and tags filters', () => {
  it('answers 103 to a map type (1-3) in a stream namespace, 108 to shared poll (4)', async () => {
    const { c } = await connect({ sub: 't1', exp: now() + 60 });
    for (const type of [1, 2, 3]) {
      const reply = await ask(c, { subscribe: { channel: fresh('hist'), type } });
      assert.equal(errorOf(reply), 103, `type ${type}`);
    }
    assert.equal(errorOf(await ask(c, { subscribe: { channel: fresh('hist'), type: 4 } })), 108);
    assert.equal(errorOf(await ask(c, { subscribe: { channel: 'nope:x', type: 1 } })), 102);
    assert.deepEqual(
      (await ask(c, { subscribe: { channel: fresh('hist'), type: 5 } })).subscribe,
      {},
    );
  });

  it('answers 103 to a map publish, and publishes type 0 as usual', async () => {
    const { c } = await connect({ sub: 't2', exp: now() + 60 });
    const channel = fresh('hist');
    assert.equal(errorOf(await ask(c, { publish: { channel, data: {}, type: 1 } })), 103);
    assert.deepEqual((await ask(c, { publish: { channel, data: {}, type: 0 } })).publish, {});
  });

  it('answers 107 to a tags filter, any filter, and ignores a null one', async () => {
    const { c } = await connect({ sub: 't3', exp: now() + 60 });
    const tf = { key: 'k', cmp: 'eq', val: 'v' };
    assert.equal(errorOf(await ask(c, { subscribe: { channel: fresh('hist'), tf } })), 107);
    assert.equal(errorOf(await ask(c, { subscribe: { channel: fresh('hist'), tf: {} } })), 107);
    assert.deepEqual(
      (await ask(c, { subscribe: { channel: fresh('hist'), tf: null } })).subscribe,
      {},
    );
  });

  it('reads the filter and the type from Protobuf too', async () => {
    const c = await RawClient.open(wsUrl(node), ['centrifuge-protobuf']);
    open.push(c);
    const send = (cmd: Record<string, unknown>) => {
      const bytes = encodeMessage(Command, cmd);
      c.send(new Uint8Array([bytes.length, ...bytes]));
    };
    send({ id: 1, connect: {} });
    send({ id: 2, subscribe: { channel: fresh('hist'), tf: { key: 'k' } } });
    send({ id: 3, subscribe: { channel: fresh('hist'), type: 1 } });
    const replies = await c.protobufReplies(3);
    const codeOf = (id: number) => {
      const reply = replies.find((r) => fields(r).get(1)?.[0] === id);
      assert.ok(reply, `reply ${id}`);
      return fields(at(reply, 2) as Uint8Array).get(1)?.[0];
    };
    assert.equal(codeOf(2), 107);
    assert.equal(codeOf(3), 103);
  });
});

describe('refresh', () => {
  it('answers only expires and ttl', async () => {
    const { c } = await connect({ sub: 'r1', exp: now() + 60 });
    const reply = await ask(c, { refresh: { token: await jwt({ sub: 'r1', exp: now() + 600 }) } });
    const result = reply.refresh as Record<string, unknown>;
    assert.deepEqual(Object.keys(result).sort(), ['expires', 'ttl']);
    assert.equal(result.expires, true);
    // A token without exp: the connection no longer expires, and the result is empty.
    assert.deepEqual((await ask(c, { refresh: { token: await jwt({ sub: 'r1' }) } })).refresh, {});
  });

  it('closes 3005 for an expired token', async () => {
    const { c } = await connect({ sub: 'r2', exp: now() + 60 });
    c.send(
      JSON.stringify({ id: 2, refresh: { token: await jwt({ sub: 'r2', exp: now() - 10 }) } }),
    );
    assert.equal(await c.closeCode(), 3005);
  });

  it('closes 3010 when the new token changes the token channels', async () => {
    const channel = fresh('hist');
    const { c } = await connect({ sub: 'r3', exp: now() + 60, channels: [channel] });
    const same = await jwt({ sub: 'r3', exp: now() + 600, channels: [channel] });
    assert.equal((await ask(c, { refresh: { token: same } })).refresh !== undefined, true);
    c.send(
      JSON.stringify({ id: 2, refresh: { token: await jwt({ sub: 'r3', exp: now() + 600 }) } }),
    );
    assert.equal(await c.closeCode(), 3010);
  });
});

describe('sub_refresh', () => {
  async function subscribed(user: string, exp: number) {
    const { c } = await connect({ sub: user });
    const channel = fresh('hist');
    const token = await jwt({ sub: user, channel, exp });
    const reply = await ask(c, { subscribe: { channel, token } });
    assert.equal((reply.subscribe as { expires: boolean }).expires, true);
    return { c, channel };
  }

  it('answers 107 for an empty token', async () => {
    const { c, channel } = await subscribed('s1', now() + 60);
    assert.equal(errorOf(await ask(c, { sub_refresh: { channel, token: '' } })), 107);
  });

  it('closes 3500 for a token with a bad signature', async () => {
    const { c, channel } = await subscribed('s2', now() + 60);
    c.send(JSON.stringify({ id: 2, sub_refresh: { channel, token: 'a.b.c' } }));
    assert.equal(await c.closeCode(), 3500);
  });

  it('answers {} for an expired token, yet ends the subscription when its token does', async () => {
    // Centrifugo also answers {}, then lets the subscription live forever (intended
    // difference, README "Differences from Centrifugo").
    const { c, channel } = await subscribed('s3', now() + 1);
    const expired = await jwt({ sub: 's3', channel, exp: now() - 5 });
    assert.deepEqual((await ask(c, { sub_refresh: { channel, token: expired } })).sub_refresh, {});
    const push = await c.waitFor(
      (m) => JSON.stringify(m).includes('"unsubscribe":{"code":2501'),
      'unsubscribe 2501',
      4000,
    );
    assert.equal((push.push as { channel: string }).channel, channel);
  });

  it('answers 103 before subscribing, and closes 3501 for a server-side subscription', async () => {
    const channel = fresh('hist');
    const { c } = await connect({ sub: 's4', channels: [channel] });
    assert.equal(errorOf(await ask(c, { sub_refresh: { channel: 'other', token: 'x' } })), 103);
    c.send(JSON.stringify({ id: 2, sub_refresh: { channel, token: 'x' } }));
    assert.equal(await c.closeCode(), 3501);
  });
});

describe('recovery', () => {
  async function published(channel: string, count: number) {
    for (let n = 1; n <= count; n++) await node.api('publish', { channel, data: { n } });
    return (await node.api('history', { channel, limit: 0 })).json.result.epoch as string;
  }

  it('answers 112 under flag 2 when recovery fails, and subscribes without it', async () => {
    const channel = fresh('rec');
    const epoch = await published(channel, 4); // history_size 2: offset 2 is gone
    const { c } = await connect();
    const since = { recover: true, offset: 1, epoch };
    assert.equal(errorOf(await ask(c, { subscribe: { channel, ...since, flag: 2 } })), 112);
    const plain = (await ask(c, { subscribe: { channel, ...since } })).subscribe as Record<
      string,
      unknown
    >;
    assert.equal(plain.was_recovering, true);
    assert.equal(plain.recovered, undefined);
    // Another epoch is unrecoverable as well.
    const other = fresh('rec');
    await published(other, 1);
    const wrong = { recover: true, offset: 1, epoch: 'nope', flag: 2 };
    assert.equal(errorOf(await ask(c, { subscribe: { channel: other, ...wrong } })), 112);
  });

  it('reports was_recovering whenever recover is asked, recoverable or not', async () => {
    const { c } = await connect();
    const reply = await ask(c, {
      subscribe: { channel: fresh('hist'), recover: true, offset: 3, epoch: 'x' },
    });
    assert.deepEqual(reply.subscribe, { was_recovering: true });
  });

  it('answers history since a position at or beyond the top with an empty list', async () => {
    const channel = fresh('hist');
    const epoch = await published(channel, 1);
    const { c } = await connect();
    const beyond = await ask(c, { history: { channel, limit: 10, since: { offset: 9, epoch } } });
    assert.deepEqual(beyond.history, { publications: [], epoch, offset: 1 });
  });
});

// Centrifugo v6.9.1 (test/compat: client/history/b64-binary-data, live/publish-b64-binary):
// a JSON frame cannot carry data that is not JSON, so the connection closes 3506.
describe('data that is not JSON, to a JSON connection', () => {
  const binary = Buffer.from([0xff, 0x00]).toString('base64');

  it('closes 3506 on the push, and on the history reply, without sending either', async () => {
    const pushed = fresh('hist');
    const { c } = await connect();
    assert.ok((await ask(c, { subscribe: { channel: pushed } })).subscribe);
    await node.api('publish', { channel: pushed, b64data: binary });
    assert.equal(await c.closeCode(), 3506);
    assert.equal(c.messages.filter((m) => m.push !== undefined).length, 0);

    const stored = fresh('hist');
    await node.api('publish', { channel: stored, b64data: Buffer.from('text').toString('base64') });
    const { c: reader } = await connect();
    reader.send(JSON.stringify({ id: 2, history: { channel: stored, limit: 5 } }));
    assert.equal(await reader.closeCode(), 3506);
    assert.equal(
      reader.messages.find((m) => m.id === 2),
      undefined,
    );
  });

  it('delivers the same publication to a Protobuf connection', async () => {
    const channel = fresh('hist');
    const c = await RawClient.open(wsUrl(node), ['centrifuge-protobuf']);
    open.push(c);
    const send = (cmd: Record<string, unknown>) => {
      const bytes = encodeMessage(Command, cmd);
      c.send(new Uint8Array([bytes.length, ...bytes]));
    };
    send({ id: 1, connect: {} });
    send({ id: 2, subscribe: { channel } });
    await c.protobufReplies(2);
    await node.api('publish', { channel, b64data: binary });
    const replies = await c.protobufReplies(3);
    assert.equal(replies.length, 3, 'connect, subscribe, then the push');
  });
});

describe('server API unsubscribe', () => {
  // Centrifugo v6.9.1 (test/compat: live/unsubscribe-not-subscribed) pushes it anyway.
  it('pushes unsubscribe 2000 for a channel the connection is not in', async () => {
    const { c } = await connect({ sub: 'un1', exp: now() + 60 });
    const channel = fresh('hist');
    await node.api('unsubscribe', { user: 'un1', channel });
    const push = await c.waitFor((m) => m.push !== undefined, 'unsubscribe push');
    assert.deepEqual(push.push, {
      channel,
      unsubscribe: { code: 2000, reason: 'server unsubscribe' },
    });
  });
});

describe('epoch in publications', () => {
  it('gives the first publication of a stream its epoch, in pushes and in history (JSON)', async () => {
    const channel = fresh('hist');
    const { c } = await connect();
    await ask(c, { subscribe: { channel } });
    await node.api('publish', { channel, data: { n: 1 } });
    await node.api('publish', { channel, data: { n: 2 } });
    const epoch = (await node.api('history', { channel, limit: 0 })).json.result.epoch;
    const pubs = () =>
      c.messages
        .map((m) => (m.push as { pub?: Record<string, unknown> } | undefined)?.pub)
        .filter((p) => p !== undefined);
    await c.waitFor(() => pubs().length === 2, 'two publications');
    assert.deepEqual(
      pubs().map((p) => [p.offset, p.epoch]),
      [
        [1, epoch],
        [2, undefined],
      ],
    );
    const history = (await ask(c, { history: { channel, limit: 10 } })).history as {
      publications: Array<{ offset: number; epoch?: string }>;
    };
    assert.deepEqual(
      history.publications.map((p) => [p.offset, p.epoch]),
      [
        [1, epoch],
        [2, undefined],
      ],
    );
  });

  it('writes it as Publication field 14 in Protobuf', async () => {
    const channel = fresh('hist');
    const c = await RawClient.open(wsUrl(node), ['centrifuge-protobuf']);
    open.push(c);
    for (const cmd of [
      { id: 1, connect: {} },
      { id: 2, subscribe: { channel } },
    ]) {
      const bytes = encodeMessage(Command, cmd);
      c.send(new Uint8Array([bytes.length, ...bytes]));
    }
    await c.protobufReplies(2);
    await node.api('publish', { channel, data: { n: 1 } });
    const epoch = (await node.api('history', { channel, limit: 0 })).json.result.epoch;
    // Reply.push (4) → Push.pub (4)
    const pub = at((await c.protobufReplies(3))[2] as Uint8Array, 4, 4);
    assert.ok(pub, 'a publication push');
    assert.equal(text(at(pub, 14)), epoch);
    assert.equal(fields(pub).get(6)?.[0], 1);
  });
});

describe('server-side subscriptions made at connect', () => {
  it('uses the token `subs` alone when it has both `subs` and `channels`', async () => {
    const [a, b] = [fresh('hist'), fresh('hist')];
    const { reply } = await connect({ sub: 't1', channels: [a], subs: { [b]: {} } });
    assert.deepEqual(Object.keys((reply.connect as { subs: object }).subs), [b]);
  });

  it('pushes its own join only with force_push_join_leave', async () => {
    const [plain, forced] = [fresh('jl'), fresh('jlf')];
    const { c: a } = await connect({ sub: 't2', channels: [plain] });
    const { c: b } = await connect({ sub: 't3', channels: [forced] });
    await b.waitFor((m) => JSON.stringify(m).includes('"join"'), 'own join (forced)');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(
      a.messages.some((m) => JSON.stringify(m).includes('"join"')),
      false,
      'no own join without force_push_join_leave',
    );
  });

  it('subscribes channels the connect command asks for where the client may subscribe', async () => {
    const asked = fresh('hist');
    const { reply } = await connect(undefined, { subs: { [asked]: {}, $private: {}, 'jl:x': {} } });
    assert.deepEqual(Object.keys((reply.connect as { subs: object }).subs), [asked]);
    const c = await RawClient.open(wsUrl(node));
    open.push(c);
    c.send(JSON.stringify({ id: 1, connect: { subs: { 'nope:x': {} } } }));
    assert.equal(await c.closeCode(), 3501);
  });
});
