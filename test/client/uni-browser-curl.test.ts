// The unidirectional HTTP transports with the clients people use without an SDK: a headless
// Chromium page (a browser's own EventSource on uni_sse, fetch() streaming on
// uni_http_stream) that shows what arrives, and `curl -N` on both.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { findChromium, launchChromium } from '../admin/browser.ts';
import { startTestNode, type TestNode } from '../node/harness.ts';
import { waitUntil } from './sdk.ts';

let node: TestNode;

before(async () => {
  node = await startTestNode({
    client: { allow_anonymous_connect_without_token: true },
    uni_sse: { enabled: true },
    uni_http_stream: { enabled: true },
    init: { enabled: true },
  });
});
after(() => node.close());

/**
 * What the page runs (a string: this file is type-checked without the DOM library): each
 * push of uni_sse and of uni_http_stream becomes an item of a list on the page.
 */
const PAGE_SCRIPT = `
  document.body.innerHTML = '<ul id="sse"></ul><ul id="stream"></ul>';
  const show = (list, text) => {
    const li = document.createElement('li');
    li.textContent = text;
    document.getElementById(list).append(li);
  };
  const source = new EventSource('/connection/uni_sse?cf_connect={}');
  source.onmessage = (e) => show('sse', e.data);
  (async () => {
    const res = await fetch('/connection/uni_http_stream', { method: 'POST', body: '{}' });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let rest = '';
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return;
      const lines = (rest + chunk.value).split('\\n');
      rest = lines.pop();
      for (const line of lines) if (line !== '') show('stream', line);
    }
  })();
  // The page's last value: not the stream's promise, which evaluate() would wait for.
  undefined;
`;

/** Subscribes every connection of the anonymous user ('') to the channel, server-side. */
async function subscribeAnonymous(channel: string): Promise<void> {
  const answer = await node.api('subscribe', { user: '', channel });
  assert.equal(answer.status, 200, answer.text);
}

describe('headless Chromium', () => {
  it('shows publications from EventSource (uni_sse) and fetch() streaming (uni_http_stream)', async (t) => {
    const chromium = findChromium(t);
    if (chromium === undefined) return;
    const browser = await launchChromium(chromium);
    try {
      const page = await browser.context.newPage();
      // A page of the node's own origin: /connection/init answers {} to a GET.
      await page.goto(`${node.url}/connection/init`);
      await page.evaluate(PAGE_SCRIPT);
      await waitUntil(() => node.running.node.counts().numClients === 2, 'both connected');
      await subscribeAnonymous('browser');
      const published = await node.api('publish', { channel: 'browser', data: { shown: true } });
      assert.equal(published.status, 200, published.text);
      for (const list of ['sse', 'stream']) {
        const item = page.locator(`#${list} li`, { hasText: '"shown":true' });
        await item.waitFor({ timeout: 10_000 });
        assert.deepEqual(JSON.parse((await item.textContent()) ?? '').pub.data, { shown: true });
      }
    } finally {
      await browser.close();
    }
    await waitUntil(() => node.running.node.counts().numClients === 0, 'the page gone');
  });
});

describe('curl -N', () => {
  function curl(args: string[]): { child: ChildProcess; out: () => string } {
    const child = spawn('curl', ['-sN', '--max-time', '10', ...args]);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    return { child, out: () => out };
  }

  it('reads uni_sse and uni_http_stream as they stream', async (t) => {
    const running = [
      curl([`${node.url}/connection/uni_sse?cf_connect=%7B%7D`]),
      curl(['-X', 'POST', '-d', '{}', `${node.url}/connection/uni_http_stream`]),
    ];
    t.after(() => {
      for (const r of running) r.child.kill();
    });
    await waitUntil(
      () => running.every((r) => r.out().includes('"connect"')),
      'both connect pushes',
    );
    await subscribeAnonymous('curl');
    await node.api('publish', { channel: 'curl', data: 'via curl' });
    await waitUntil(() => running.every((r) => r.out().includes('via curl')), 'the publication');
    const [sse, stream] = running.map((r) => r.out()) as [string, string];
    assert.match(sse, /^\r\ndata: \{"connect":\{.*\}\}\n\n/);
    assert.match(sse, /\ndata: \{"channel":"curl","pub":\{"data":"via curl"/);
    // The connect push, the subscribe push of the server API's subscribe, the publication.
    const pushes = stream
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      pushes.map((p) => Object.keys(p).filter((k) => k !== 'channel')),
      [['connect'], ['subscribe'], ['pub']],
    );
    assert.equal(pushes[2].pub.data, 'via curl');
  });
});
