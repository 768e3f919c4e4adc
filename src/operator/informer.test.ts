// The informer against a scripted fake API server: resume after the server ends a watch (from
// the bookmark's resourceVersion), relist on 410 Gone with deletes for what vanished, restart
// after an error instead of stopping.
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { Informer, type InformerEvent } from './informer.ts';
import { KubeClient } from './kube/client.ts';

const cm = (name: string, rv: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});

test('informer: resume, relist on 410, restart after errors', { timeout: 20_000 }, async (t) => {
  const requests: string[] = [];
  let lists = 0;
  let watches = 0;
  const line = (res: ServerResponse, event: unknown) => res.write(`${JSON.stringify(event)}\n`);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const rv = url.searchParams.get('resourceVersion') ?? '';
    if (url.searchParams.get('watch') !== 'true') {
      lists += 1;
      requests.push(`list ${url.searchParams.get('labelSelector')}`);
      const items = lists === 1 ? [cm('a', '1'), cm('b', '2')] : [cm('a', '1'), cm('c', '11')];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ items, metadata: { resourceVersion: lists === 1 ? '10' : '20' } }));
      return;
    }
    watches += 1;
    requests.push(`watch ${rv}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    if (watches === 1) {
      line(res, { type: 'ADDED', object: cm('c', '11') });
      line(res, { type: 'BOOKMARK', object: { metadata: { resourceVersion: '12' } } });
      res.end(); // the server's watch timeout
    } else if (watches === 2) {
      line(res, {
        type: 'ERROR',
        object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' },
      });
      res.end();
    } else if (watches === 3) {
      res.destroy(); // a broken connection
    } else {
      line(res, { type: 'MODIFIED', object: cm('a', '21') });
      line(res, { type: 'DELETED', object: cm('c', '22') });
      // held open until the informer closes
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  server.unref();
  const port = (server.address() as AddressInfo).port;
  const client = new KubeClient({
    server: `http://127.0.0.1:${port}`,
    credentials: async () => ({ headers: {} }),
    reload: () => false,
    namespace: undefined,
    source: 'test',
  });
  const events: string[] = [];
  const errors: number[] = [];
  const informer = new Informer(client, {
    path: '/api/v1/configmaps',
    labelSelector: 'app=x',
    onEvent: (type: InformerEvent, o) => events.push(`${type} ${o.metadata.name}`),
    onError: (_err, retryInMs) => errors.push(retryInMs),
  });
  informer.start();
  await informer.synced;
  const deadline = Date.now() + 10_000;
  while (watches < 4 || events.length < 6) {
    if (Date.now() > deadline) {
      await informer.close();
      assert.fail(`stuck: ${requests.join(', ')} / ${events.join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await informer.close();
  client.close();
  assert.deepEqual(requests, [
    'list app=x',
    'watch 10',
    'watch 12', // resumed from the bookmark after the server ended the watch
    'list app=x', // 410: relist
    'watch 20',
    'list app=x', // after the broken connection: relist, then watch again
    'watch 20',
  ]);
  assert.deepEqual(
    events,
    [
      'added a',
      'added b',
      'added c',
      'deleted b', // vanished while the watch was gone
      'modified a',
      'deleted c',
    ].slice(0, events.length),
  );
  assert.equal(events.length, 6);
  assert.deepEqual(errors, [1000]);
  assert.deepEqual(
    informer.list().map((o) => o.metadata.name),
    ['a'],
  );
});
