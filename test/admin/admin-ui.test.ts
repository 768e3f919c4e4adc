// The admin web UI in headless Chromium, against two nodes of a cluster on a real
// nats-server, with official SDK clients: log in (a wrong password first), see both nodes,
// publish from the Actions page and see the publication arrive, find the subscriber on the
// Connections page and disconnect it, trace the channel and see the next publication, inspect
// the channel's presence and history. Screenshots of every page go to SCREENSHOTS (printed).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Subscription } from 'centrifuge';
import type { Page } from 'playwright-core';
import { signHs256 } from '../../src/node/auth/index.ts';
import { type Client, newClient, waitUntil } from '../client/sdk.ts';
import { findNatsServer, type NatsServer, startNatsServer } from '../nats/harness.ts';
import { API_KEY, request, startTestNode, type TestNode } from '../node/harness.ts';
import { type Browser, findChromium, launchChromium } from './browser.ts';

const SCREENSHOTS = fileURLToPath(new URL('../../.tmp/admin-ui-screenshots/', import.meta.url));
const PASSWORD = 'ui-test-password';
const SECRET = 'ui-token-secret';
const CHANNEL = 'chat:ui';
const userToken = (sub: string) =>
  signHs256({ sub, exp: Math.floor(Date.now() / 1000) + 600 }, SECRET);

function nodeConfig(natsUrl: string, prefix: string, name: string, adminEnabled: boolean) {
  return {
    node: { name },
    engine: {
      type: 'nats',
      nats: { urls: [natsUrl], prefix, node_info_interval: '200ms', node_info_ttl: '2s' },
    },
    http_server: { internal_port: '0' },
    prometheus: { enabled: true },
    admin: { enabled: adminEnabled, password: PASSWORD, secret: 'ui-admin-secret' },
    client: { token: { hmac_secret_key: SECRET } },
    channel: {
      namespaces: [
        {
          name: 'chat',
          allow_subscribe_for_client: true,
          presence: true,
          join_leave: true,
          history_size: 50,
          history_ttl: '300s',
          force_recovery: true,
        },
      ],
    },
  };
}

function internalOf(node: TestNode): string {
  const a = node.running.addresses.find((x) => x.role === 'internal');
  assert.ok(a, 'the node has an internal listener');
  return `http://127.0.0.1:${a.port}`;
}

/** Every input, select and textarea on the page has a label (or an aria-label). */
async function assertLabelled(page: Page, where: string): Promise<void> {
  // A string, evaluated in the page: this file is type-checked without the DOM library.
  const unlabelled = await page.evaluate(`[...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label'))
    .map((el) => el.outerHTML)`);
  assert.deepEqual(unlabelled, [], `controls without a label on ${where}`);
}

/** How many pixels the page is wider than the window (0: no horizontal scrolling). */
function overflowOf(page: Page): Promise<number> {
  return page.evaluate(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  );
}

/** An expression about the focused element, evaluated in the page. */
function focused(page: Page, expression: 'type' | 'text'): Promise<unknown> {
  return page.evaluate(
    expression === 'type'
      ? "document.activeElement?.getAttribute('type')"
      : 'document.activeElement?.textContent',
  );
}

async function subscribed(
  node: TestNode,
  user: string,
): Promise<{ client: Client; sub: Subscription; got: unknown[]; id: string }> {
  const client = newClient(node, 'json', { token: await userToken(user) });
  const got: unknown[] = [];
  let id = '';
  client.on('connected', (ctx) => {
    id = ctx.client;
  });
  const sub = client.newSubscription(CHANNEL);
  sub.on('publication', (ctx) => got.push(ctx.data));
  sub.subscribe();
  client.connect();
  await sub.ready(5000);
  return { client, sub, got, id };
}

describe('admin web UI in Chromium', () => {
  let nats: NatsServer | undefined;
  let a: TestNode | undefined;
  let b: TestNode | undefined;
  let browser: Browser | undefined;
  const clients: Client[] = [];

  after(async () => {
    for (const c of clients) c.disconnect();
    await browser?.close();
    await a?.close();
    await b?.close();
    await nats?.stop();
  });

  it('logs in, shows the cluster, publishes, disconnects a subscriber and traces a channel', async (t) => {
    const chromiumPath = findChromium(t);
    if (!chromiumPath || !findNatsServer(t)) return;
    await rm(SCREENSHOTS, { recursive: true, force: true });
    await mkdir(SCREENSHOTS, { recursive: true });
    console.log(`admin UI screenshots: ${SCREENSHOTS}`);

    nats = await startNatsServer();
    const prefix = `ui${randomBytes(3).toString('hex')}`;
    a = await startTestNode(nodeConfig(nats.url, prefix, 'node-a', true));
    b = await startTestNode(nodeConfig(nats.url, prefix, 'node-b', false));
    const adminA = internalOf(a);
    const internalB = internalOf(b);

    // Admin off on node B: nothing of it is served there. On A, the admin API needs the token.
    for (const path of ['/', '/admin/init', '/app.js']) {
      assert.equal((await request(`${internalB}${path}`, {})).status, 404, path);
    }
    const noToken = await request(`${adminA}/admin/api`, {
      method: 'POST',
      body: '{"method":"info","params":{}}',
    });
    assert.equal(noToken.status, 401);

    const alice = await subscribed(a, 'alice');
    const bob = await subscribed(b, 'bob');
    clients.push(alice.client, bob.client);

    browser = await launchChromium(chromiumPath);
    const page = await browser.context.newPage();
    const problems: string[] = [];
    const requested: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    const refusedResponses: string[] = [];
    page.on('console', (m) => {
      // Chromium logs every 4xx as a failed resource; those are checked from the responses.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
        problems.push(`console: ${m.text()}`);
    });
    page.on('request', (r) => requested.push(r.url()));
    page.on('response', (r) => {
      if (r.status() >= 400) refusedResponses.push(`${r.status()} ${r.url()}`);
    });
    const shot = (name: string) =>
      page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

    // --- login: a wrong password is refused (and counted), then the right one ------------
    await page.goto(`${adminA}/`);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await assertLabelled(page, 'the login page');
    // Keyboard first: the password has the focus, Tab reaches the button.
    assert.equal(await focused(page, 'type'), 'password');
    await page.keyboard.press('Tab');
    assert.equal(await focused(page, 'text'), 'Log in');
    await page.getByLabel('Admin password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong password.' }).waitFor();
    await shot('1-login-refused');
    const metrics = await request(`${adminA}/metrics`, {});
    assert.match(
      metrics.text,
      /centrifugo_admin_login_attempts_total\{result="wrong_password"\} 1\n/,
    );
    await page.getByLabel('Admin password').fill(PASSWORD);
    await page.getByLabel('Admin password').press('Enter');

    // --- status: both nodes of the cluster ----------------------------------------------
    await page.getByRole('heading', { name: 'Cluster status' }).waitFor();
    await page.locator('#cluster-summary', { hasText: '2 nodes' }).waitFor({ timeout: 10_000 });
    await page.getByRole('cell', { name: 'node-a', exact: true }).waitFor();
    await page.getByRole('cell', { name: 'node-b', exact: true }).waitFor();
    await page.locator('#cluster-summary', { hasText: '2 clients' }).waitFor({ timeout: 10_000 });
    assert.equal(
      await page.getByRole('link', { name: 'Status' }).getAttribute('aria-current'),
      'page',
    );
    await shot('2-status');

    // --- actions: publish, and both subscribers (one per node) receive it ----------------
    await page.getByRole('link', { name: 'Actions' }).click();
    await page.getByRole('heading', { name: 'Actions' }).waitFor();
    await page.getByLabel('Method').selectOption('publish');
    await page.getByLabel('channel (required)').fill(CHANNEL);
    await page.getByLabel('data (required)').fill('{"text": "from the admin UI"}');
    await page.getByRole('button', { name: 'Send publish' }).click();
    await page.locator('#action-answer', { hasText: '"offset": 1' }).waitFor();
    await waitUntil(() => alice.got.length > 0 && bob.got.length > 0, 'the publication at both');
    assert.deepEqual(alice.got, [{ text: 'from the admin UI' }]);
    assert.deepEqual(bob.got, [{ text: 'from the admin UI' }]);
    await assertLabelled(page, 'the actions page');
    // A field that cannot be read is refused in words before anything is sent.
    await page.getByLabel('data (required)').fill('{not json');
    await page.getByRole('button', { name: 'Send publish' }).click();
    await page.getByRole('alert').filter({ hasText: 'data is not valid JSON' }).waitFor();
    await page.getByLabel('data (required)').fill('{"text": "from the admin UI"}');
    await shot('3-actions');

    // --- connections: find alice's connection on node A and disconnect it ----------------
    await page.getByRole('link', { name: 'Connections' }).click();
    await page.getByRole('heading', { name: 'Connections on this node' }).waitFor();
    await page.getByText('Connections held by node node-a').waitFor();
    await page.getByLabel('User or channel').fill('alice');
    await page.getByRole('button', { name: 'Find connections' }).click();
    await page.getByRole('cell', { name: alice.id, exact: true }).waitFor();
    await assertLabelled(page, 'the connections page');
    await shot('4-connections');
    let unsubscribeCode = 0;
    alice.sub.on('unsubscribed', (ctx) => {
      unsubscribeCode = ctx.code;
    });
    await page
      .getByRole('button', { name: `Unsubscribe alice (${alice.id}) from ${CHANNEL}` })
      .click();
    await waitUntil(() => unsubscribeCode !== 0, 'alice to be unsubscribed');
    assert.equal(unsubscribeCode, 2000, 'unsubscribed by the server');
    await page.getByText(`Unsubscribe ${alice.id} from ${CHANNEL}: done.`).waitFor();
    await page.locator('td', { hasText: 'none' }).waitFor();
    let code = 0;
    alice.client.on('disconnected', (ctx) => {
      code = ctx.code;
    });
    await page.getByRole('button', { name: `Disconnect alice (${alice.id})` }).click();
    await waitUntil(() => alice.client.state === 'disconnected', 'alice to be disconnected');
    assert.equal(code, 3503, 'the server API disconnect, whose default code is 3503');
    await page.getByText(`Disconnect ${alice.id}: done.`).waitFor();
    await page.getByText('No connection matches.').waitFor();

    // --- trace: the channel, live; the next publication (made on node B) appears ----------
    await page.getByRole('link', { name: 'Trace' }).click();
    await page.getByRole('heading', { name: 'Live trace' }).waitFor();
    await page.getByLabel('Channel or user').fill(CHANNEL);
    await page.getByRole('button', { name: 'Start trace' }).click();
    await page.getByText(/waiting for frames/).waitFor();
    const published = await request(`${internalB}/api/publish`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY },
      body: JSON.stringify({ channel: CHANNEL, data: { text: 'seen in the trace' } }),
    });
    assert.equal(published.json?.result?.offset, 2, published.text);
    await page.locator('#trace-log li', { hasText: 'seen in the trace' }).waitFor();
    await page.locator('#trace-log li', { hasText: 'offset 2' }).waitFor();
    await assertLabelled(page, 'the trace page');
    await shot('5-trace');
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByText('Trace stopped: 1 frame.').waitFor();

    // --- channels: search, presence (bob on node B), history with offsets ----------------
    await page.getByRole('link', { name: 'Channels' }).click();
    await page.getByRole('heading', { name: 'Channels', exact: true }).waitFor();
    await page.getByLabel('Pattern').fill('chat:*');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('button', { name: `Inspect ${CHANNEL}` }).click();
    await page.getByText('1 client, 1 user present.').waitFor();
    await page.getByRole('cell', { name: 'bob' }).waitFor();
    await page.getByText(/Stream at offset 2, epoch/).waitFor();
    await page.locator('#channel-detail td', { hasText: 'seen in the trace' }).waitFor();
    await assertLabelled(page, 'the channels page');
    await shot('6-channels');
    await page.getByRole('button', { name: 'Continue after offset 2' }).click();
    await page.getByText('No publications.').waitFor();

    // --- a narrow window: the same pages stack instead of overflowing ---------------------
    await page.setViewportSize({ width: 380, height: 820 });
    await page.getByRole('link', { name: 'Status' }).click();
    await page.locator('#cluster-summary', { hasText: '2 nodes' }).waitFor();
    const overflow = await overflowOf(page);
    assert.ok(overflow <= 0, `the status page overflows a narrow window by ${overflow}px`);
    await shot('7-status-narrow');
    const carol = await subscribed(a, 'carol');
    clients.push(carol.client);
    await page.getByRole('link', { name: 'Connections' }).click();
    await page.getByRole('button', { name: 'Find connections' }).click();
    // Stacked, each cell's accessible name starts with its column's (the CSS label).
    await page.getByRole('cell', { name: `Client ${carol.id}`, exact: true }).waitFor();
    const narrowOverflow = await overflowOf(page);
    assert.ok(narrowOverflow <= 0, `the connections page overflows by ${narrowOverflow}px`);
    await shot('8-connections-narrow');

    // --- a user trace: the frames sent to carol's connection as they pass ----------------
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.getByRole('link', { name: 'Trace' }).click();
    await page.getByRole('radio', { name: 'User' }).check();
    await page.getByLabel('Channel or user').fill('carol');
    await page.getByRole('button', { name: 'Start trace' }).click();
    await page.getByText(/Tracing user carol on node node-a: waiting/).waitFor();
    await request(`${internalB}/api/publish`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY },
      body: JSON.stringify({ channel: CHANNEL, data: { text: 'to carol' } }),
    });
    await page.locator('#trace-log li', { hasText: 'to carol' }).waitFor();
    assert.match((await page.locator('#trace-log li').first().textContent()) ?? '', /^to client/);
    await shot('9-trace-user');
    await page.getByRole('button', { name: 'Stop' }).click();

    // --- logging out: the token is gone, the admin API is closed again -------------------
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    const token = await page.evaluate(() => sessionStorage.getItem('centrifugo-ts-admin-token'));
    assert.equal(token, null);

    assert.deepEqual(problems, [], 'no script errors, nothing blocked by the CSP');
    assert.deepEqual(refusedResponses, [`400 ${adminA}/admin/auth`], 'only the wrong password');
    const foreign = requested.filter((u) => !u.startsWith(`${adminA}/`));
    assert.deepEqual(foreign, [], 'the UI loads nothing but its own node');
  });
});
