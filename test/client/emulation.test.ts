// The bidirectional emulation with the official centrifuge SDK as its client: WebSocket off,
// `transports: [http_stream, sse]`, the commands after the connect posted to /emulation.
// The SDK connects, subscribes, publishes, and recovers what it missed, over HTTP streaming
// (JSON and Protobuf) and SSE (undici's EventSource), on one node and on two NATS nodes
// behind a round-robin TCP proxy, where each emulation request opens its own connection, so
// they land on both nodes and reach the session through the cluster.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Centrifuge as CentrifugeJson, type Options } from 'centrifuge';
import { Centrifuge as CentrifugeProtobuf } from 'centrifuge/build/protobuf';
import { Agent, EventSource, fetch as undiciFetch } from 'undici';
import { type NatsServer, startNatsServer } from '../nats/harness.ts';
import { startTcpProxy, type TcpProxy } from '../nats/tcp-proxy.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { type Client, dataValue, once, payload, type WireFormat, waitUntil } from './sdk.ts';

// biome-ignore lint/suspicious/noExplicitAny: replies are inspected field by field.
type Msg = Record<string, any>;

const CHANNELS = {
  without_namespace: {
    allow_subscribe_for_client: true,
    allow_subscribe_for_anonymous: true,
    allow_publish_for_client: true,
    allow_publish_for_anonymous: true,
    history_size: 20,
    history_ttl: '300s',
    force_recovery: true,
  },
};
const BASE = {
  client: { allow_anonymous_connect_without_token: true },
  channel: CHANNELS,
  websocket: { disabled: true },
  sse: { enabled: true },
  http_stream: { enabled: true },
};

type Transport = 'http_stream' | 'sse';
const CASES: Array<{ transport: Transport; format: WireFormat }> = [
  { transport: 'http_stream', format: 'json' },
  { transport: 'http_stream', format: 'protobuf' },
  { transport: 'sse', format: 'json' },
];

let seq = 0;
const fresh = () => `emu${++seq}`;

function emulatedClient(
  url: string,
  transport: Transport,
  format: WireFormat,
  extra: Partial<Options> = {},
): Client {
  const Ctor = format === 'json' ? CentrifugeJson : CentrifugeProtobuf;
  return new Ctor([{ transport, endpoint: `${url}/connection/${transport}` }], {
    emulationEndpoint: `${url}/emulation`,
    eventsource: EventSource,
    minReconnectDelay: 50,
    maxReconnectDelay: 300,
    timeout: 5000,
    ...extra,
  } as Partial<Options>) as Client;
}

/** Connects, subscribes, publishes, misses publications while away, then recovers them. */
async function roundTrip(client: Client, format: WireFormat, api: TestNode['api']) {
  const channel = fresh();
  client.connect();
  await once(client, 'connected');
  const sub = client.newSubscription(channel);
  const received: unknown[] = [];
  sub.on('publication', (ctx) => received.push(dataValue(format, ctx.data)));
  sub.subscribe();
  await once(sub, 'subscribed');
  await sub.publish(payload(format, { n: 1 }));
  await waitUntil(() => received.length === 1, 'its own publication');
  client.disconnect();
  for (const n of [2, 3]) {
    const answer = await api('publish', { channel, data: { n } });
    assert.equal(answer.status, 200, answer.text);
  }
  const resubscribed = once<{ wasRecovering: boolean; recovered: boolean }>(sub, 'subscribed');
  client.connect();
  const ctx = await resubscribed;
  assert.equal(ctx.wasRecovering, true);
  assert.equal(ctx.recovered, true);
  await waitUntil(() => received.length === 3, 'the missed publications');
  assert.deepEqual(received, [{ n: 1 }, { n: 2 }, { n: 3 }]);
  client.disconnect();
}

describe('the emulation on one node, WebSocket off', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode({ ...BASE, emulation: { max_request_body_size: 131_072 } });
  });
  after(() => node.close());

  for (const { transport, format } of CASES) {
    it(`${transport} (${format}): connect, subscribe, publish, recover`, async () => {
      const client = emulatedClient(node.url, transport, format);
      try {
        await roundTrip(client, format, node.api);
      } finally {
        client.disconnect();
      }
    });
  }

  it('refuses an emulation body past emulation.max_request_body_size with 413', async () => {
    const res = await fetch(`${node.url}/emulation`, {
      method: 'POST',
      body: JSON.stringify({ node: 'n', session: 's', data: 'x'.repeat(140_000) }),
    });
    assert.equal(res.status, 413);
  });

  it('refuses an initial request past sse/http_stream.max_request_body_size with 413', async () => {
    for (const transport of ['sse', 'http_stream']) {
      const res = await fetch(`${node.url}/connection/${transport}`, {
        method: 'POST',
        body: JSON.stringify({ id: 1, connect: { token: 'x'.repeat(70_000) } }),
      });
      assert.equal(res.status, 413, transport);
    }
    assert.equal(node.running.node.counts().numClients, 0);
  });

  it('closes 3013 an emulated connection whose commands pile up past the bound', async () => {
    const controller = new AbortController();
    const res = await fetch(`${node.url}/connection/http_stream`, {
      method: 'POST',
      body: JSON.stringify({ id: 1, connect: {} }),
      signal: controller.signal,
    });
    try {
      const lines: Msg[] = [];
      void (async () => {
        const decoder = new TextDecoder();
        let rest = '';
        try {
          for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
            const parts = (rest + decoder.decode(chunk, { stream: true })).split('\n');
            rest = parts.pop() ?? '';
            for (const p of parts) if (p !== '') lines.push(JSON.parse(p));
          }
        } catch {
          // aborted
        }
      })();
      await waitUntil(() => lines.length >= 1, 'the connect reply');
      const { node: nodeId, session } = (lines[0] as Msg).connect;
      const post = (count: number, from: number) => {
        const frame = Array.from(
          { length: count },
          (_, i) => `{"id":${from + i},"presence_stats":{"channel":"x"}}`,
        ).join('\n');
        return fetch(`${node.url}/emulation`, {
          method: 'POST',
          body: JSON.stringify({ node: nodeId, session, data: frame }),
        });
      };
      // Within the bound every command is answered.
      assert.equal((await post(500, 2)).status, 204);
      await waitUntil(() => lines.length >= 501, '500 replies');
      // Past it in one go: the connection is closed, its client told why.
      assert.equal((await post(1001, 1000)).status, 204);
      await waitUntil(() => lines.some((l) => l.push?.disconnect), 'the disconnect push');
      assert.deepEqual(lines.at(-1), {
        push: { disconnect: { code: 3013, reason: 'too many requests' } },
      });
    } finally {
      controller.abort();
    }
  });

  it('answers 404 for a node no one has, 400 for a body that is not a request', async () => {
    const missing = await fetch(`${node.url}/emulation`, {
      method: 'POST',
      body: JSON.stringify({ node: 'gone', session: 's', data: '"{}"' }),
    });
    assert.equal(missing.status, 404);
    const garbage = await fetch(`${node.url}/emulation`, { method: 'POST', body: 'garbage' });
    assert.equal(garbage.status, 400);
  });
});

describe('the emulation on two NATS nodes behind a round-robin proxy', () => {
  let nats: NatsServer | undefined;
  const nodes: TestNode[] = [];
  let proxy: TcpProxy | undefined;
  // A new connection per request: each emulation request goes to the next node.
  const agent = new Agent({ pipelining: 0 });
  const oneShotFetch = ((url: string, init: RequestInit) =>
    undiciFetch(url, { ...(init as object), dispatcher: agent } as never)) as typeof fetch;

  /** Control messages the nodes sent (only emulation requests send them here). */
  const controlSent = async () => {
    let sum = 0;
    for (const n of nodes) {
      const { values } = await n.running.metrics.messagesSent.get();
      for (const v of values) if (v.labels.type === 'control') sum += v.value;
    }
    return sum;
  };

  before(async () => {
    nats = await startNatsServer();
    const prefix = `emu-${process.pid}-${Date.now()}`;
    for (let i = 0; i < 2; i++) {
      nodes.push(
        await startTestNode({
          ...BASE,
          engine: {
            type: 'nats',
            nats: { urls: [nats.url], prefix, node_info_interval: '200ms', node_info_ttl: '2s' },
          },
        }),
      );
    }
    proxy = await startTcpProxy(() => nodes.map((n) => Number(new URL(n.url).port)), 'round-robin');
    // Both nodes see each other before a request is routed between them.
    const deadline = Date.now() + 10_000;
    for (const n of nodes) {
      while ((await n.running.node.nodes()).length < 2) {
        if (Date.now() > deadline) throw new Error('the nodes never saw each other');
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
  after(async () => {
    await proxy?.close();
    for (const n of nodes) await n.close();
    await agent.close();
    await nats?.stop();
  });

  for (const { transport, format } of CASES) {
    it(`${transport} (${format}): connect, subscribe, publish, recover`, async () => {
      assert.ok(proxy);
      const client = emulatedClient(proxy.url, transport, format, { fetch: oneShotFetch });
      const routedBefore = await controlSent();
      try {
        await roundTrip(client, format, (nodes[0] as TestNode).api);
      } finally {
        client.disconnect();
      }
      // Some emulation requests reached the node without the session: sent on over NATS.
      assert.ok((await controlSent()) > routedBefore, 'no emulation request crossed nodes');
    });
  }
});
