// The gRPC event proxies end to end: a real backend serving proto/proxy.proto's
// CentrifugoProxy on @grpc/grpc-js (127.0.0.1, plaintext), and the official centrifuge SDK
// against a real node. Connect, subscribe, publish and RPC, with headers forwarded as
// metadata, static metadata and the credentials key; a backend that answers a gRPC error
// gets the client 100.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ConnectedContext } from 'centrifuge';
import { dataValue, newClient, once, payload, socketWith } from '../client/sdk.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';

const PROTO = fileURLToPath(new URL('../../proto/proxy.proto', import.meta.url));

type Obj = Record<string, unknown>;
interface Call {
  method: string;
  request: Obj;
  metadata: Record<string, unknown>;
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const parsed = (b: unknown) => JSON.parse(Buffer.from(b as Uint8Array).toString('utf8'));

describe('gRPC proxies', () => {
  const calls: Call[] = [];
  const server = new grpc.Server();
  let node: TestNode;

  before(async () => {
    const definition = protoLoader.loadSync(PROTO, {
      keepCase: true,
      longs: Number,
      defaults: false,
    });
    const pkg = grpc.loadPackageDefinition(definition) as unknown as {
      centrifugal: {
        centrifugo: { proxy: { CentrifugoProxy: { service: grpc.ServiceDefinition } } };
      };
    };
    const unary =
      (method: string, answer: (req: Obj) => Obj | grpc.ServiceError) =>
      (call: grpc.ServerUnaryCall<Obj, Obj>, callback: grpc.sendUnaryData<Obj>) => {
        calls.push({ method, request: call.request, metadata: call.metadata.getMap() });
        const out = answer(call.request);
        if (out instanceof Error) callback(out);
        else callback(null, out);
      };
    server.addService(pkg.centrifugal.centrifugo.proxy.CentrifugoProxy.service, {
      Connect: unary('Connect', (req) => ({
        result: { user: 'g1', info: json({ via: 'grpc' }), data: json({ hi: req.client }) },
      })),
      Subscribe: unary('Subscribe', (req) =>
        req.channel === 'gs:no'
          ? { error: { code: 4403, message: 'refused' } }
          : { result: { data: json({ ok: req.channel }) } },
      ),
      Publish: unary('Publish', (req) => ({
        result: { data: json({ ...parsed(req.data), seen: true }) },
      })),
      // Unidirectional: the subscribe answer, then two publications, then the end (EOF).
      SubscribeUnidirectional: (call: grpc.ServerWritableStream<Obj, Obj>) => {
        calls.push({
          method: 'SubscribeUnidirectional',
          request: call.request,
          metadata: call.metadata.getMap(),
        });
        call.write({
          subscribe_response: { result: { data: json({ stream: call.request.channel }) } },
        });
        call.write({ publication: { data: json({ n: 1 }) } });
        call.write({ publication: { data: json({ n: 2 }), tags: { t: 'x' } } });
        setTimeout(() => call.end(), 300);
      },
      // Bidirectional: every client publication comes back doubled.
      SubscribeBidirectional: (call: grpc.ServerDuplexStream<Obj, Obj>) => {
        call.on('data', (msg: Obj) => {
          if (msg.subscribe_request) {
            calls.push({
              method: 'SubscribeBidirectional',
              request: msg.subscribe_request as Obj,
              metadata: call.metadata.getMap(),
            });
            call.write({ subscribe_response: { result: {} } });
          } else if (msg.publication) {
            const { n } = parsed((msg.publication as Obj).data);
            call.write({ publication: { data: json({ n: n * 2 }) } });
          }
        });
        call.on('end', () => call.end());
      },
      RPC: unary('RPC', (req) =>
        req.method === 'fail'
          ? Object.assign(new Error('backend broke'), {
              code: grpc.status.UNAVAILABLE,
              details: 'x',
              metadata: new grpc.Metadata(),
            })
          : { result: { data: json({ echo: parsed(req.data) }) } },
      ),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    const endpoint = `grpc://127.0.0.1:${port}`;
    const common = {
      endpoint,
      http_headers: ['Cookie'],
      grpc: {
        credentials_key: 'x-proxy-key',
        credentials_value: 's3cret',
        static_metadata: { 'x-static': 'st' },
      },
    };
    node = await startTestNode({
      client: { proxy: { connect: { enabled: true, ...common } } },
      channel: {
        proxy: { subscribe: common, publish: common, subscribe_stream: common },
        namespaces: [
          { name: 'gs', subscribe_proxy_enabled: true, publish_proxy_enabled: true },
          { name: 'uni', subscribe_stream_proxy_enabled: true },
          {
            name: 'bidi',
            subscribe_stream_proxy_enabled: true,
            subscribe_stream_proxy_bidirectional: true,
          },
        ],
      },
      rpc: { proxy: common, without_namespace: { proxy_enabled: true } },
    });
  });

  after(async () => {
    await node?.close();
    server.forceShutdown();
  });

  for (const format of ['json', 'protobuf'] as const) {
    it(`connects, subscribes, publishes and calls RPC through the backend (${format})`, async () => {
      calls.length = 0;
      const c = newClient(node, format, { websocket: socketWith({ Cookie: 'sid=g' }) });
      try {
        c.connect();
        const ctx = await once<ConnectedContext>(c, 'connected');
        assert.deepEqual(dataValue(format, ctx.data), { hi: ctx.client });
        const connect = calls.find((x) => x.method === 'Connect');
        assert.equal(connect?.request.client, ctx.client);
        assert.equal(connect?.request.transport, 'websocket');
        assert.equal(connect?.request.protocol, format);
        assert.equal(connect?.request.encoding, 'json');
        assert.equal(connect?.metadata.cookie, 'sid=g');
        assert.equal(connect?.metadata['x-proxy-key'], 's3cret');
        assert.equal(connect?.metadata['x-static'], 'st');

        const sub = c.newSubscription('gs:yes');
        sub.subscribe();
        const subscribed = await once<{ data: unknown }>(sub, 'subscribed');
        assert.deepEqual(dataValue(format, subscribed.data), { ok: 'gs:yes' });
        assert.equal(calls.find((x) => x.method === 'Subscribe')?.request.user, 'g1');

        const pub = once<{ data: unknown }>(sub, 'publication');
        await c.publish('gs:yes', payload(format, { n: 2 }));
        assert.deepEqual(dataValue(format, (await pub).data), { n: 2, seen: true });

        const answer = await c.rpc('m', payload(format, { q: 1 }));
        assert.deepEqual(dataValue(format, answer.data), { echo: { q: 1 } });
        await assert.rejects(c.rpc('fail', payload(format, {})), (err: { code: number }) => {
          assert.equal(err.code, 100);
          return true;
        });

        const no = c.newSubscription('gs:no');
        no.subscribe();
        const refused = await once<{ code: number }>(no, 'unsubscribed');
        assert.equal(refused.code, 4403);
      } finally {
        c.disconnect();
      }
    });
  }

  for (const format of ['json', 'protobuf'] as const) {
    it(`streams a subscription from the backend, one way and both ways (${format})`, async () => {
      const c = newClient(node, format);
      try {
        c.connect();
        await once(c, 'connected');
        const uni = c.newSubscription('uni:a');
        const pubs: unknown[] = [];
        uni.on('publication', (ctx) =>
          pubs.push({
            data: dataValue(format, ctx.data),
            // The Protobuf SDK gives {} for no tags.
            tags: Object.keys(ctx.tags ?? {}).length > 0 ? ctx.tags : undefined,
          }),
        );
        uni.subscribe();
        const subscribed = await once<{ data: unknown }>(uni, 'subscribed');
        assert.deepEqual(dataValue(format, subscribed.data), { stream: 'uni:a' });
        // The backend ends the stream: a server unsubscribe (2000), after both publications.
        const gone = await once<{ code: number }>(uni, 'unsubscribed', 3000);
        assert.equal(gone.code, 2000);
        assert.deepEqual(pubs, [
          { data: { n: 1 }, tags: undefined },
          { data: { n: 2 }, tags: { t: 'x' } },
        ]);
        // A one-way stream takes no client publications.
        await assert.rejects(c.publish('uni:a', payload(format, {})), (err: { code: number }) => {
          assert.equal(err.code, 108);
          return true;
        });

        const bidi = c.newSubscription('bidi:b');
        bidi.subscribe();
        await once(bidi, 'subscribed');
        const back = once<{ data: unknown }>(bidi, 'publication');
        await c.publish('bidi:b', payload(format, { n: 21 }));
        assert.deepEqual(dataValue(format, (await back).data), { n: 42 });
      } finally {
        c.disconnect();
      }
    });
  }
});
