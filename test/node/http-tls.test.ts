// TLS on the node's own HTTP listeners, as Centrifugo v6.9.1 applies it: http_server.tls on
// the external port (API, WebSocket) and on a separate internal port too, unless
// http_server.tls_external; http_server.internal_tls replaces it on the internal port;
// client_ca_pem requires client certificates (mutual TLS). Clients are node's https and the
// official centrifuge SDK over WSS.
import assert from 'node:assert/strict';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { after, describe, it, type TestContext } from 'node:test';
import { Centrifuge } from 'centrifuge';
import WebSocket from 'ws';
import { makeTestCerts, type TestCerts } from '../tls-certs.ts';
import { API_KEY, request, startTestNode, type TestNode } from './harness.ts';

function httpsPost(
  url: string,
  body: unknown,
  tls: RequestOptions,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      { method: 'POST', headers: { 'X-API-Key': API_KEY }, timeout: 5000, ...tls },
      (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end(JSON.stringify(body));
  });
}

function portOf(node: TestNode, role: 'external' | 'internal'): number {
  const a = node.running.addresses.find((x) => x.role === role);
  assert.ok(a, role);
  return a.port;
}

describe('TLS on the HTTP listeners', () => {
  let made: TestCerts | undefined;
  /** Made once, by the first test (which skips, with the reason, without openssl). */
  const certsFor = (t: TestContext) => {
    made ??= makeTestCerts(t);
    return made;
  };
  after(() => made?.remove());
  const pem = (name: string) => made?.read(name).toString('utf8') ?? '';

  it('serves the API over HTTPS and WebSocket over WSS to the official SDK', async (t) => {
    const certs = certsFor(t);
    if (!certs) return;
    const node = await startTestNode({
      http_server: {
        tls: { enabled: true, cert_pem: pem('server.pem'), key_pem: certs.file('server.key') },
      },
      client: { insecure: true },
      channel: { without_namespace: { allow_subscribe_for_client: true } },
    });
    const ws = certs.read('ca.pem');
    class TrustingWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { ca: ws });
      }
    }
    const client = new Centrifuge(
      `wss://127.0.0.1:${portOf(node, 'external')}/connection/websocket`,
      {
        websocket: TrustingWebSocket,
        timeout: 3000,
      },
    );
    try {
      assert.equal(node.running.addresses[0]?.tls, true);
      const base = `https://127.0.0.1:${portOf(node, 'external')}`;
      const info = await httpsPost(`${base}/api/info`, {}, { ca: certs.read('ca.pem') });
      assert.equal(info.status, 200);
      // Plain HTTP to a TLS port gets no API answer.
      await assert.rejects(
        request(`http://127.0.0.1:${portOf(node, 'external')}/api/info`, {
          method: 'POST',
          body: '{}',
        }),
      );

      const sub = client.newSubscription('news');
      const got = new Promise<unknown>((resolve) =>
        sub.on('publication', (ctx) => resolve(ctx.data)),
      );
      const subscribed = new Promise<void>((resolve) => sub.on('subscribed', () => resolve()));
      sub.subscribe();
      client.connect();
      await subscribed;
      const published = await httpsPost(
        `${base}/api/publish`,
        { channel: 'news', data: { over: 'wss' } },
        { ca: certs.read('ca.pem') },
      );
      assert.equal(published.status, 200);
      assert.deepEqual(await got, { over: 'wss' });
    } finally {
      client.disconnect();
      await node.close();
    }
  });

  it('requires a client certificate signed by client_ca_pem (mutual TLS)', async (t) => {
    const certs = certsFor(t);
    if (!certs) return;
    const node = await startTestNode({
      http_server: {
        tls: {
          enabled: true,
          cert_pem: certs.file('server.pem'),
          key_pem: pem('server.key'),
          client_ca_pem: Buffer.from(pem('ca.pem')).toString('base64'),
        },
      },
    });
    try {
      const url = `https://127.0.0.1:${portOf(node, 'external')}/api/info`;
      const ca = certs.read('ca.pem');
      await assert.rejects(httpsPost(url, {}, { ca }), 'no client certificate, no answer');
      const ok = await httpsPost(
        url,
        {},
        { ca, cert: certs.read('client.pem'), key: certs.read('client.key') },
      );
      assert.equal(ok.status, 200);
      // A WebSocket without a client certificate does not get through either.
      const refused = new WebSocket(
        `wss://127.0.0.1:${portOf(node, 'external')}/connection/websocket`,
        { ca },
      );
      const outcome = await new Promise<string>((resolve) => {
        refused.on('open', () => resolve('open'));
        refused.on('error', () => resolve('error'));
      });
      assert.equal(outcome, 'error');
    } finally {
      await node.close();
    }
  });

  it('keeps the internal port plaintext with tls_external, or gives it internal_tls', async (t) => {
    const certs = certsFor(t);
    if (!certs) return;
    const tls = { enabled: true, cert_pem: pem('server.pem'), key_pem: pem('server.key') };
    const externalOnly = await startTestNode({
      http_server: { internal_port: '0', tls, tls_external: true },
    });
    try {
      const internal = `http://127.0.0.1:${portOf(externalOnly, 'internal')}/api/info`;
      const plain = await request(internal, {
        method: 'POST',
        headers: { 'X-API-Key': API_KEY },
        body: '{}',
      });
      assert.equal(plain.status, 200);
      assert.equal(externalOnly.running.addresses.find((a) => a.role === 'external')?.tls, true);
    } finally {
      await externalOnly.close();
    }
    const both = await startTestNode({ http_server: { internal_port: '0', tls } });
    try {
      const url = `https://127.0.0.1:${portOf(both, 'internal')}/api/info`;
      assert.equal((await httpsPost(url, {}, { ca: certs.read('ca.pem') })).status, 200);
    } finally {
      await both.close();
    }
    const mutualInside = await startTestNode({
      http_server: {
        internal_port: '0',
        tls,
        internal_tls: { ...tls, client_ca_pem: pem('ca.pem') },
      },
    });
    try {
      const ca = certs.read('ca.pem');
      const url = `https://127.0.0.1:${portOf(mutualInside, 'internal')}/api/info`;
      await assert.rejects(httpsPost(url, {}, { ca }));
      const ok = await httpsPost(
        url,
        {},
        { ca, cert: certs.read('client.pem'), key: certs.read('client.key') },
      );
      assert.equal(ok.status, 200);
    } finally {
      await mutualInside.close();
    }
  });

  it('refuses to start with TLS on and no certificate, naming the keys', async () => {
    await assert.rejects(
      startTestNode({ http_server: { internal_port: '0', internal_tls: { enabled: true } } }),
      /http_server\.internal_tls\.enabled needs http_server\.internal_tls\.cert_pem/,
    );
  });
});
