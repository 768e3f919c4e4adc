// grpcurl against a node, through server reflection only: what a user at a shell gets.
// grpcurl builds its descriptors with protobuf-go, which refuses what protobuf's rules refuse,
// so this is also the check that the served descriptors are protobuf's (scripts/ensure-grpcurl.sh
// builds it; .ci/run puts it on PATH).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { ServiceDefinition } from '@grpc/proto-loader';
import { findTool } from '../tools.ts';
import { apiDefinition, type GrpcTestNode, SERVICE, startGrpcTestNode } from './grpc-client.ts';
import { API_KEY } from './harness.ts';

const HOW = 'run `. scripts/ensure-grpcurl.sh` (builds it from its Go module)';

let node: GrpcTestNode;
before(async () => {
  node = await startGrpcTestNode({
    grpc_api: { reflection: true },
    channel: { namespaces: [{ name: 'chat', history_size: 10, history_ttl: '300s' }] },
  });
});
after(async () => {
  await node.close();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function grpcurl(bin: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(bin, ['-plaintext', '-max-time', '10', ...args], (err, stdout, stderr) => {
      const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function call(bin: string, method: string, request: unknown, extra: string[] = []) {
  return grpcurl(bin, [
    '-H',
    `authorization: apikey ${API_KEY}`,
    ...extra,
    '-d',
    JSON.stringify(request),
    node.target,
    `${SERVICE}/${method}`,
  ]);
}

const data = Buffer.from('{"text":"hi"}').toString('base64');

/** A request for every method, and what the answer must show (protojson, as grpcurl prints). */
const CALLS: Record<string, [unknown, (out: string) => void]> = {
  Batch: [{ commands: [{ info: {} }] }, (o) => assert.match(o, /"replies"/)],
  Publish: [{ channel: 'chat:grpcurl', data }, (o) => assert.match(o, /"offset": "1"/)],
  Broadcast: [{ channels: ['chat:b1', 'chat:b2'], data }, (o) => assert.match(o, /"responses"/)],
  Subscribe: [{ channel: 'news', user: '42' }, (o) => assert.match(o, /"result": \{\}/)],
  Unsubscribe: [{ channel: 'news', user: '42' }, (o) => assert.match(o, /"result": \{\}/)],
  Disconnect: [{ user: '42' }, (o) => assert.match(o, /"result": \{\}/)],
  Presence: [{ channel: 'chat:p' }, (o) => assert.match(o, /"code": 108/)],
  PresenceStats: [{ channel: 'chat:p' }, (o) => assert.match(o, /"code": 108/)],
  History: [{ channel: 'chat:grpcurl', limit: 10 }, (o) => assert.match(o, /"publications"/)],
  HistoryRemove: [{ channel: 'chat:grpcurl' }, (o) => assert.match(o, /"result": \{\}/)],
  Info: [{}, (o) => assert.match(o, /"nodes"/)],
  RPC: [{ method: 'x' }, (o) => assert.match(o, /"code": 104/)],
  Refresh: [{ user: '42', expired: true }, (o) => assert.match(o, /"result": \{\}/)],
  Channels: [{}, (o) => assert.match(o, /"result"/)],
  MapPublish: [{ channel: 'chat:m', key: 'k', data }, (o) => assert.match(o, /"code": 107/)],
  MapRemove: [{ channel: 'nope:m', key: 'k' }, (o) => assert.match(o, /"code": 102/)],
  MapReadState: [{ channel: 'chat:m' }, (o) => assert.match(o, /"code": 107/)],
  MapReadStream: [{ channel: 'chat:m', limit: 1 }, (o) => assert.match(o, /"code": 107/)],
  MapStats: [{ channel: 'chat:m' }, (o) => assert.match(o, /"code": 107/)],
  MapClear: [{ channel: 'chat:m' }, (o) => assert.match(o, /"code": 107/)],
  SharedPollPublish: [
    { channel: 'chat:s', key: 'k', version: 1, data },
    (o) => assert.match(o, /"code": 107/),
  ],
};

describe('grpcurl through reflection', () => {
  it('lists the API and the reflection services, and every method of the API', async (t: TestContext) => {
    const bin = findTool(t, 'grpcurl', HOW);
    if (!bin) return;
    const services = await grpcurl(bin, [node.target, 'list']);
    assert.equal(services.code, 0, services.stderr);
    assert.deepEqual(services.stdout.trim().split('\n'), [
      SERVICE,
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
    ]);
    const methods = await grpcurl(bin, [node.target, 'list', SERVICE]);
    assert.equal(methods.code, 0, methods.stderr);
    const listed = methods.stdout.trim().split('\n');
    const declared = Object.keys(apiDefinition()[SERVICE] as ServiceDefinition);
    // grpcurl sorts by name.
    assert.deepEqual(listed, declared.map((m) => `${SERVICE}.${m}`).sort());
    // Every message, described: each goes through protobuf-go's descriptor checks.
    const described = await grpcurl(bin, [node.target, 'describe', SERVICE]);
    assert.equal(described.code, 0, described.stderr);
    assert.equal(
      (described.stdout.match(/^\s+rpc /gm) ?? []).length,
      declared.length,
      described.stdout,
    );
  });

  it('calls every method of CentrifugoApi', async (t: TestContext) => {
    const bin = findTool(t, 'grpcurl', HOW);
    if (!bin) return;
    const declared = Object.keys(apiDefinition()[SERVICE] as ServiceDefinition);
    assert.ok(declared.length >= 40, declared.join());
    for (const method of declared) {
      const known = CALLS[method];
      if (known === undefined) {
        // Centrifugo PRO: UNIMPLEMENTED, as Centrifugo OSS answers.
        const res = await call(bin, method, {});
        assert.notEqual(res.code, 0, method);
        assert.match(res.stderr, /Code: Unimplemented/, `${method}: ${res.stderr}`);
        assert.match(res.stderr, new RegExp(`method ${method} not implemented`));
        continue;
      }
      const [request, check] = known;
      const res = await call(bin, method, request);
      assert.equal(res.code, 0, `${method}: ${res.stderr}`);
      check(res.stdout);
    }
    assert.equal(
      declared.filter((m) => CALLS[m] === undefined).length,
      19,
      'the PRO methods, Connections to CancelPush',
    );
  });

  it('decodes the error details of transport mode, google.rpc included', async (t: TestContext) => {
    const bin = findTool(t, 'grpcurl', HOW);
    if (!bin) return;
    const res = await call(bin, 'Publish', { channel: '', data }, [
      '-H',
      'x-centrifugo-error-mode: transport',
    ]);
    assert.match(res.stderr, /Code: InvalidArgument/);
    assert.match(res.stderr, /"@type": "type.googleapis.com\/centrifugal.centrifugo.api.Error"/);
    assert.match(res.stderr, /"@type": "type.googleapis.com\/google.rpc.BadRequest"/);
    assert.match(res.stderr, /"field": "channel"/);
  });
});
