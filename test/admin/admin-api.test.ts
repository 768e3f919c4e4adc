// The admin endpoints of real nodes over HTTP: where they are served (internal port, prefix,
// disabled), login, tokens and their refusals, the rate limit on wrong passwords and its
// counter, the admin API's legacy commands, connection lists and live traces with the
// official SDK as the client.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LOGIN_LIMIT } from '../../src/node/admin/index.ts';
import { signHs256 } from '../../src/node/auth/index.ts';
import { type Client, newClient, waitUntil } from '../client/sdk.ts';
import { API_KEY, type ApiAnswer, request, startTestNode, type TestNode } from '../node/harness.ts';

const PASSWORD = 'admin-password';
const SECRET = 'admin-secret';
const TOKEN_SECRET = 'admin-test-token-secret';
const ADMIN = { enabled: true, password: PASSWORD, secret: SECRET };
const userToken = (claims: Record<string, unknown>) =>
  signHs256({ exp: Math.floor(Date.now() / 1000) + 600, ...claims }, TOKEN_SECRET);

const CONFIG = {
  admin: ADMIN,
  prometheus: { enabled: true },
  client: { token: { hmac_secret_key: TOKEN_SECRET } },
  channel: {
    namespaces: [
      {
        name: 'chat',
        allow_subscribe_for_client: true,
        join_leave: true,
        force_push_join_leave: true,
      },
    ],
  },
};

async function login(base: string, password = PASSWORD): Promise<ApiAnswer> {
  return request(`${base}/admin/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ password }).toString(),
  });
}

function post(base: string, path: string, body: string, token?: string): Promise<ApiAnswer> {
  return request(`${base}${path}`, {
    method: 'POST',
    headers: token === undefined ? {} : { authorization: `token ${token}` },
    body,
  });
}

/** The listener of a role ('internal' when internal_port is set). */
function baseOf(node: TestNode, role: 'external' | 'internal'): string {
  const a = node.running.addresses.find((x) => x.role === role);
  assert.ok(a, `no ${role} listener`);
  return `http://127.0.0.1:${a.port}`;
}

interface TraceReader {
  events: Array<{ type: string; data: Record<string, unknown> }>;
  waitFor(
    pred: (e: { type: string; data: Record<string, unknown> }) => boolean,
    what: string,
  ): Promise<void>;
  close(): void;
  done: Promise<void>;
}

/** Opens POST /admin/trace and collects its server-sent events until close() or its end. */
async function openTrace(base: string, token: string, target: unknown): Promise<TraceReader> {
  const abort = new AbortController();
  const res = await fetch(`${base}/admin/trace`, {
    method: 'POST',
    headers: { authorization: `token ${token}` },
    body: JSON.stringify(target),
    signal: abort.signal,
  });
  if (res.status !== 200) assert.fail(`trace refused: ${res.status} ${await res.text()}`);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events: TraceReader['events'] = [];
  const done = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const type = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (type && data) events.push({ type, data: JSON.parse(data) });
          end = buffer.indexOf('\n\n');
        }
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err;
    }
  })();
  const waitFor: TraceReader['waitFor'] = (pred, what) =>
    waitUntil(() => events.some(pred), what, 5000);
  await waitFor((e) => e.type === 'start' || e.type === 'end', 'trace start');
  return { events, waitFor, close: () => abort.abort(), done };
}

describe('admin endpoints on a node', () => {
  let node: TestNode;
  let base: string;
  let token: string;
  const clients: Client[] = [];

  before(async () => {
    node = await startTestNode({ ...CONFIG, http_server: { internal_port: '0' } });
    base = baseOf(node, 'internal');
    const res = await login(base);
    assert.equal(res.status, 200, res.text);
    token = res.json.token;
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await node?.close();
  });

  it('serves on the internal port only, as Centrifugo does', async () => {
    const external = baseOf(node, 'external');
    assert.equal((await request(`${external}/admin/init`, {})).status, 404);
    assert.equal((await request(`${external}/`, {})).status, 404);
    const init = await request(`${base}/admin/init`, {});
    assert.equal(init.status, 200);
    assert.equal(init.text, '{"authenticated":false,"edition":"oss","insecure":false}\n');
    assert.equal(init.headers.get('content-type'), 'application/json');
    const page = await request(`${base}/`, {});
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.match(page.text, /<script type="module" src="app.js">/);
    const script = await request(`${base}/pages/trace.js`, {});
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
  });

  it('never serves files outside the UI directory', async () => {
    for (const path of [
      '/%2e%2e/admin/admin-routes.ts',
      '/..%2fadmin%2fadmin-routes.ts',
      '/.hidden',
      '/nope.js',
    ]) {
      const res = await request(`${base}${path}`, {});
      assert.equal(res.status, 404, path);
      assert.equal(res.text, '404 page not found\n');
    }
  });

  it('logs in with the password (form body or query) and says authenticated with the token', async () => {
    const query = await request(`${base}/admin/auth?password=${PASSWORD}`, { method: 'POST' });
    assert.equal(query.status, 200);
    assert.equal(query.headers.get('content-type'), 'application/json');
    assert.match(query.text, /^\{"token":"[A-Za-z0-9_=-]+"\}\n$/);
    const init = await request(`${base}/admin/init`, {
      headers: { authorization: `Token ${token}` },
    });
    assert.equal(init.json.authenticated, true);
    assert.equal((await request(`${base}/admin/auth`, {})).status, 405);
  });

  it('answers 401 without a valid token, 405 before it', async () => {
    const body = '{"method":"info","params":{}}';
    for (const authorization of [
      undefined,
      'token',
      `Bearer ${token}`,
      `token ${token}x`,
      `token ${token} extra`,
    ]) {
      const res = await request(`${base}/admin/api`, {
        method: 'POST',
        headers: authorization === undefined ? {} : { authorization },
        body,
      });
      assert.equal(res.status, 401, String(authorization));
      assert.equal(res.text, '');
    }
    for (const path of ['/admin/api', '/admin/connections', '/admin/trace']) {
      assert.equal((await post(base, path, '{}')).status, 401, path);
      assert.equal((await request(`${base}${path}`, {})).status, 405, path);
    }
  });

  it('runs legacy commands through the server API, one reply line each', async () => {
    const res = await post(
      base,
      '/admin/api',
      '{"method":"publish","params":{"channel":"chat:a","data":{"n":1}}}\n{"id":7,"method":"CHANNELS","params":{}}\n{"id":8,"method":"presence","params":{"channel":"nope:x"}}',
      token,
    );
    assert.equal(res.status, 200);
    assert.equal(
      res.text,
      '{"result":{}}\n{"id":7,"result":{"channels":{}}}\n{"id":8,"error":{"code":102,"message":"unknown channel"}}',
    );
    assert.equal((await post(base, '/admin/api', '', token)).status, 400);
    const bad = await post(base, '/admin/api', '{"method":', token);
    assert.equal(bad.status, 400);
    assert.match(bad.text, /^Bad Request: /);
  });

  it('lists connections by user and by channel, and disconnects through the admin API', async () => {
    const c = newClient(node, 'json', { token: await userToken({ sub: 'carol' }) });
    clients.push(c);
    const sub = c.newSubscription('chat:room');
    sub.subscribe();
    c.connect();
    await sub.ready(5000);
    const byUser = await post(base, '/admin/connections', '{"user":"carol"}', token);
    assert.equal(byUser.status, 200, byUser.text);
    const [conn] = byUser.json.result.connections;
    assert.equal(byUser.json.result.total, 1);
    assert.equal(byUser.json.result.node, node.running.node.name);
    assert.deepEqual(
      { ...conn, client: typeof conn.client },
      {
        client: 'string',
        user: 'carol',
        transport: 'websocket',
        protocol: 'json',
        channels: ['chat:room'],
        expire_at: conn.expire_at,
      },
    );
    const byChannel = await post(base, '/admin/connections', '{"channel":"chat:room"}', token);
    assert.deepEqual(
      byChannel.json.result.connections.map((x: { client: string }) => x.client),
      [conn.client],
    );
    assert.equal((await post(base, '/admin/connections', '{"limit":0}', token)).status, 400);
    let disconnected = false;
    c.on('disconnected', () => {
      disconnected = true;
    });
    const res = await post(
      base,
      '/admin/api',
      JSON.stringify({ method: 'disconnect', params: { user: 'carol', client: conn.client } }),
      token,
    );
    assert.equal(res.text, '{"result":{}}');
    await waitUntil(
      () => disconnected || c.state !== 'connected',
      'the SDK client to see its disconnect',
    );
    c.disconnect();
  });

  it('traces a channel without counting as its subscriber, and stops when the reader goes', async () => {
    const trace = await openTrace(base, token, { channel: 'chat:traced' });
    const info = await post(base, '/admin/api', '{"method":"info","params":{}}', token);
    assert.equal(info.json.result.nodes[0].num_subs, 0, 'a trace is no subscription');
    assert.equal(info.json.result.nodes[0].num_channels, 0);
    const published = await request(`${base}/api/publish`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY },
      body: JSON.stringify({ channel: 'chat:traced', data: { seen: true } }),
    });
    assert.equal(published.text, '{"result":{}}');
    await trace.waitFor(
      (e) => e.type === 'trace' && e.data.type === 'publication',
      'the publication',
    );
    const pub = trace.events.find((e) => e.type === 'trace');
    assert.equal(
      pub?.data.frame,
      '{"push":{"channel":"chat:traced","pub":{"data":{"seen":true}}}}',
    );
    trace.close();
    await trace.done;
  });

  it("traces a user's frames both ways, with tokens redacted", async () => {
    const trace = await openTrace(base, token, { user: 'dave' });
    const c = newClient(node, 'json', { token: await userToken({ sub: 'dave' }) });
    clients.push(c);
    c.connect();
    await c.ready(5000);
    const sub = c.newSubscription('chat:dave', { token: 'not-a-real-subscription-token' });
    sub.subscribe();
    await trace.waitFor((e) => e.data.type === 'connected', 'connected');
    await trace.waitFor(
      (e) => e.data.type === 'command' && String(e.data.frame).includes('"subscribe"'),
      'the subscribe command',
    );
    const command = trace.events.find((e) => String(e.data.frame).includes('"subscribe"'));
    assert.match(String(command?.data.frame), /"token":"\(redacted\)"/);
    assert.ok(!JSON.stringify(trace.events).includes('not-a-real-subscription-token'));
    await trace.waitFor((e) => e.data.type === 'reply', 'a reply');
    c.disconnect();
    await trace.waitFor((e) => e.data.type === 'disconnected', 'the disconnect');
    trace.close();
    await trace.done;
  });

  it('refuses a trace without exactly one target, and more than 8 at once', async () => {
    for (const body of [
      '{}',
      '{"channel":"a","user":"b"}',
      '{"channel":""}',
      '{"channel":1}',
      'nope',
    ]) {
      const res = await post(base, '/admin/trace', body, token);
      assert.equal(res.status, 400, body);
      assert.match(res.text, /^Bad Request: /);
    }
    const open: TraceReader[] = [];
    for (let i = 0; i < 8; i++)
      open.push(await openTrace(base, token, { channel: `chat:many${i}` }));
    const ninth = await post(base, '/admin/trace', '{"channel":"chat:ninth"}', token);
    assert.equal(ninth.status, 429);
    for (const t of open) t.close();
    await Promise.all(open.map((t) => t.done));
  });
});

describe('admin login rate limit', () => {
  it(`refuses every login after ${LOGIN_LIMIT.burst} wrong passwords, and counts them`, async (t) => {
    const node = await startTestNode(CONFIG);
    t.after(() => node.close());
    for (let i = 0; i < LOGIN_LIMIT.burst; i++) {
      const res = await login(node.url, `wrong-${i}`);
      assert.equal(res.status, 400);
      assert.equal(res.text, 'Bad Request\n');
    }
    const limited = await login(node.url);
    assert.equal(limited.status, 429, 'the right password is refused too while limited');
    assert.match(limited.text, /too many wrong admin passwords/);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    const metrics = await request(`${node.url}/metrics`, {});
    assert.match(
      metrics.text,
      new RegExp(
        `centrifugo_admin_login_attempts_total\\{result="wrong_password"\\} ${LOGIN_LIMIT.burst}\\n`,
      ),
    );
    assert.match(
      metrics.text,
      /centrifugo_admin_login_attempts_total\{result="rate_limited"\} 1\n/,
    );
  });
});

describe('admin configurations', () => {
  it('serves nothing of the admin when admin.enabled is false', async (t) => {
    const node = await startTestNode({ ...CONFIG, admin: { ...ADMIN, enabled: false } });
    t.after(() => node.close());
    for (const path of [
      '/',
      '/index.html',
      '/app.js',
      '/admin/init',
      '/admin/auth',
      '/admin/api',
      '/admin/trace',
    ]) {
      assert.equal((await request(`${node.url}${path}`, { method: 'GET' })).status, 404, path);
      assert.equal(
        (await request(`${node.url}${path}`, { method: 'POST', body: '{}' })).status,
        404,
        path,
      );
    }
  });

  it('moves under admin.handler_prefix (the bare prefix redirects) and onto the external port with admin.external', async (t) => {
    const node = await startTestNode({
      ...CONFIG,
      http_server: { internal_port: '0' },
      admin: { ...ADMIN, handler_prefix: '/adm/', external: true },
    });
    t.after(() => node.close());
    const redirect = await fetch(`${node.url}/adm`, { redirect: 'manual' });
    assert.equal(redirect.status, 307);
    assert.equal(redirect.headers.get('location'), '/adm/');
    assert.equal((await request(`${node.url}/adm/`, {})).status, 200);
    assert.equal((await request(`${node.url}/adm/admin/init`, {})).status, 200);
    assert.equal((await request(`${node.url}/admin/init`, {})).status, 404);
    assert.equal((await request(`${baseOf(node, 'internal')}/adm/admin/init`, {})).status, 404);
    assert.equal((await login(`${node.url}/adm`)).status, 200);
  });

  it('serves the files of admin.web_path instead of the built-in UI', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'admin-web-path-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'index.html'), '<p>my own admin UI</p>');
    const node = await startTestNode({ ...CONFIG, admin: { ...ADMIN, web_path: dir } });
    t.after(() => node.close());
    const page = await request(`${node.url}/`, {});
    assert.equal(page.text, '<p>my own admin UI</p>');
    assert.equal(page.headers.get('content-security-policy'), null, 'its own policy, not ours');
    assert.equal((await request(`${node.url}/app.js`, {})).status, 404);
    assert.equal((await request(`${node.url}/admin/init`, {})).status, 200);
  });

  it('admin.insecure needs no login; no password or secret makes every login fail', async (t) => {
    const insecure = await startTestNode({ ...CONFIG, admin: { enabled: true, insecure: true } });
    t.after(() => insecure.close());
    assert.equal((await request(`${insecure.url}/admin/init`, {})).json.authenticated, true);
    const res = await post(insecure.url, '/admin/api', '{"method":"info","params":{}}');
    assert.equal(res.status, 200);
    assert.equal(res.json.result.nodes.length, 1);
    const bare = await startTestNode({ ...CONFIG, admin: { enabled: true, password: PASSWORD } });
    t.after(() => bare.close());
    const refused = await login(bare.url);
    assert.equal(refused.status, 400);
    assert.match(refused.text, /admin.password and admin.secret must both be set/);
    assert.equal((await post(bare.url, '/admin/api', '{}', 'anything')).status, 401);
  });
});
