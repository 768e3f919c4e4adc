// The binary as a user runs it: starts from a config file, says where it listens and
// where the key came from, serves the API, and on SIGTERM finishes the request in
// flight before exiting 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isApiReady, MAIN, type Started, startBinary } from './node-process.ts';

describe('centrifugo-ts serve', () => {
  let dir: string;
  let node: Started;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cfts-serve-'));
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        http_api: { key: 'k1' },
        channel: { namespaces: [{ name: 'chat', history_size: 10, history_ttl: '60s' }] },
      }),
    );
    node = await startBinary(
      ['-c', 'config.json', '--http_server.address', '127.0.0.1', '-p', '0'],
      dir,
    );
  });

  after(() => {
    if (node.child.exitCode === null) node.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs where it listens and where the API key came from', () => {
    const listening = node.logs.find((l) => l.msg === 'HTTP server listening');
    assert.match(String(listening?.address), /^http:\/\/127\.0\.0\.1:\d+$/);
    const ready = node.logs.find(isApiReady);
    assert.match(String(ready?.keyFrom), /config\.json/);
    assert.ok(!JSON.stringify(node.logs).includes('k1'), 'the key itself is never logged');
  });

  it('publishes with the key from the file', async () => {
    const res = await fetch(`${node.apiUrl}/publish`, {
      method: 'POST',
      headers: { 'X-API-Key': 'k1' },
      body: JSON.stringify({ channel: 'chat:1', data: { hello: 'world' } }),
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { result: { offset: number } }).result.offset, 1);
  });

  it('finishes the request in flight on SIGTERM, then exits 0', async () => {
    const url = new URL(`${node.apiUrl}/publish`);
    const body = JSON.stringify({ channel: 'chat:1', data: { during: 'shutdown' } });
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'X-API-Key': 'k1', 'Content-Length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => {
            text += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      // Half the body now, SIGTERM, then the rest: the request is in flight across the signal.
      req.write(body.slice(0, 10));
      setTimeout(() => {
        node.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(10)), 300);
      }, 200);
    });
    const res = await answer;
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.text).result.offset, 2);
    const code = await Promise.race([
      node.exited,
      new Promise((r) => setTimeout(() => r('timeout'), 10_000)),
    ]);
    assert.equal(code, 0);
    assert.ok(node.logs.some((l) => l.msg === 'shutdown complete'));
  });
});

describe('centrifugo-ts serve, bad start', () => {
  it('stops with an error naming the unknown key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfts-bad-'));
    try {
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ http_api: { keyy: 'x' } }));
      const child = spawn(process.execPath, [MAIN, '-c', 'config.json'], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c) => {
        stderr += c;
      });
      const code = await new Promise((resolve) => child.on('exit', resolve));
      assert.equal(code, 1);
      assert.match(stderr, /http_api\.keyy/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
