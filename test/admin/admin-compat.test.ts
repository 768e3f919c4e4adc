// The admin endpoints side by side with real Centrifugo v6.9.1 on the same inputs: the same
// statuses, content types and bodies, and each server's login token accepted by the other
// when they share admin.secret.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { findCentrifugo } from '../compat/centrifugo-tool.ts';
import { request, startTestNode } from '../node/harness.ts';

const ADMIN = { enabled: true, password: 'compat-password', secret: 'compat-shared-secret' };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function startCentrifugo(binary: string): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'admin-compat-'));
  const port = await freePort();
  const config = join(dir, 'config.json');
  await writeFile(
    config,
    JSON.stringify({
      http_server: { address: '127.0.0.1', port },
      http_api: { key: 'compat-key' },
      admin: ADMIN,
      log: { level: 'error' },
    }),
  );
  const child: ChildProcess = spawn(binary, ['--config', config], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/admin/init`)).status === 200) return { url, stop };
    } catch {}
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error('Centrifugo did not start');
    }
    await sleep(100);
  }
}

/** What both must answer alike: status, content type, body. */
async function answer(url: string, init: RequestInit = {}) {
  const res = await request(url, init);
  return { status: res.status, type: res.headers.get('content-type'), body: res.text };
}

describe('admin endpoints beside Centrifugo v6.9.1', () => {
  it('answer as Centrifugo does, and accept its tokens (and it ours)', async (t) => {
    const tool = findCentrifugo();
    if (typeof tool === 'string') {
      if (process.env.CENTRIFUGO_TS_REQUIRE_TOOLS === '1') throw new Error(tool);
      console.log(`skipping: ${tool}`);
      t.skip(tool);
      return;
    }
    const centrifugo = await startCentrifugo(tool.binary);
    t.after(() => centrifugo.stop());
    const node = await startTestNode({ admin: ADMIN });
    t.after(() => node.close());

    const login = (base: string, password: string) =>
      request(`${base}/admin/auth`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `password=${encodeURIComponent(password)}`,
      });
    const theirs = (await login(centrifugo.url, ADMIN.password)).json.token as string;
    const ours = (await login(node.url, ADMIN.password)).json.token as string;
    assert.match(theirs, /^[A-Za-z0-9_=-]+$/);
    assert.match(ours, /^[A-Za-z0-9_=-]+$/);

    const legacy =
      '{"method":"channels","params":{}}\n{"id":2,"method":"publish","params":{"channel":"news","data":{"a":1}}}\n{"id":3,"method":"connections","params":{}}';
    const cases: Array<[string, string, (token: string) => RequestInit]> = [
      ['init without a token', '/admin/init', () => ({})],
      ['init with a token', '/admin/init', (tk) => ({ headers: { authorization: `token ${tk}` } })],
      ['auth with GET', '/admin/auth', () => ({})],
      [
        'auth with a wrong password',
        '/admin/auth',
        () => ({
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'password=wrong',
        }),
      ],
      ['api with GET', '/admin/api', () => ({})],
      ['api without a token', '/admin/api', () => ({ method: 'POST', body: legacy })],
      [
        'api with a bearer token',
        '/admin/api',
        (tk) => ({ method: 'POST', headers: { authorization: `Bearer ${tk}` }, body: legacy }),
      ],
      [
        "api with the other server's token",
        '/admin/api',
        (tk) => ({ method: 'POST', headers: { authorization: `token ${tk}` }, body: legacy }),
      ],
      ['a path under the UI that has no file', '/nope.txt', () => ({})],
    ];
    const seen = new Map<string, { status: number; body: string }>();
    for (const [what, path, init] of cases) {
      // Each server gets the token the OTHER one issued.
      const fromCentrifugo = await answer(`${centrifugo.url}${path}`, init(ours));
      const fromNode = await answer(`${node.url}${path}`, init(theirs));
      assert.deepEqual(fromNode, fromCentrifugo, what);
      seen.set(what, fromNode);
    }
    // Equal answers could be two equal refusals: the cross tokens must have been accepted.
    assert.match(seen.get('init with a token')?.body ?? '', /"authenticated":true/);
    assert.equal(seen.get("api with the other server's token")?.status, 200);
    assert.equal(
      seen.get("api with the other server's token")?.body,
      '{"result":{"channels":{}}}\n{"id":2,"result":{}}\n{"id":3,"error":{"code":104,"message":"not found"}}',
    );
  });
});
