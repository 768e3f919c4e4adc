// swagger.enabled: the OpenAPI document of the HTTP server API, generated from the field
// table requests are decoded with, and a Swagger UI, served at swagger.handler_prefix on the
// internal port with the layout Centrifugo v6.9.1 has (<prefix> redirects 307 to <prefix>/,
// the UI's files beside index.html, the document at <prefix>/swagger.json).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { METHODS } from '../../src/node/api/index.ts';
import { API_KEY, request, startTestNode, type TestNode } from './harness.ts';

describe('swagger', () => {
  let node: TestNode;
  let internal: string;
  before(async () => {
    node = await startTestNode({
      http_server: { internal_port: '0' },
      swagger: { enabled: true },
    });
    const a = node.running.addresses.find((x) => x.role === 'internal');
    internal = `http://127.0.0.1:${a?.port}`;
  });
  after(() => node.close());

  it('serves a valid OpenAPI document with every method and batch', async () => {
    const res = await fetch(`${internal}/swagger/swagger.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, { post: { requestBody: unknown } }>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    const validator = new Validator();
    const result = await validator.validate(doc as never);
    assert.equal(result.valid, true, JSON.stringify(result.errors));
    assert.match(doc.openapi, /^3\./);
    assert.deepEqual(
      Object.keys(doc.paths).sort(),
      [...METHODS, 'batch'].map((m) => `/api/${m}`).sort(),
    );
    assert.deepEqual(Object.keys(doc.components.schemas.PublishRequest?.properties ?? {}).sort(), [
      'b64data',
      'channel',
      'data',
      'delta',
      'idempotency_key',
      'skip_history',
      'tags',
      'version',
      'version_epoch',
    ]);
  });

  it('serves the Swagger UI from its own files, laid out as Centrifugo serves it', async () => {
    const bare = await fetch(`${internal}/swagger`, { redirect: 'manual' });
    assert.equal(bare.status, 307);
    assert.equal(bare.headers.get('location'), '/swagger/');
    const index = await (await fetch(`${internal}/swagger/`)).text();
    assert.match(index, /<script src="\.\/swagger-ui-bundle\.js"/);
    for (const file of [
      'swagger-ui-bundle.js',
      'swagger-ui-standalone-preset.js',
      'swagger-ui.css',
      'swagger-initializer.js',
    ]) {
      const res = await fetch(`${internal}/swagger/${file}`);
      assert.equal(res.status, 200, file);
      assert.ok((await res.arrayBuffer()).byteLength > 100, file);
    }
    assert.match(
      await (await fetch(`${internal}/swagger/swagger-initializer.js`)).text(),
      /url: "\.\/swagger\.json"/,
    );
    assert.equal((await fetch(`${internal}/swagger/../package.json`)).status, 404);
    assert.equal((await fetch(`${internal}/swagger/nope.js`)).status, 404);
  });

  it('is on the internal port only, and the API it documents answers there', async () => {
    assert.equal((await fetch(`${node.url}/swagger/swagger.json`)).status, 404);
    const info = await request(`${internal}/api/info`, {
      method: 'POST',
      headers: { 'X-API-Key': API_KEY },
      body: '{}',
    });
    assert.equal(info.status, 200);
  });

  it('is not served when off', async () => {
    const off = await startTestNode({});
    try {
      assert.equal((await fetch(`${off.url}/swagger/swagger.json`)).status, 404);
    } finally {
      await off.close();
    }
  });
});
