// The binary with a .env file in its working directory and pid_file, as Centrifugo v6.9.1
// runs with them: the .env variables configure the node (never over the environment's own),
// the PID file holds the process ID while the node runs and is gone once it has stopped.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startBinary } from './node-process.ts';

describe('centrifugo-ts serve with .env and pid_file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfts-dotenv-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads .env, writes the PID file, and removes it at shutdown', async () => {
    const pidPath = join(dir, 'node.pid');
    writeFileSync(
      join(dir, '.env'),
      [
        '# the API key and the PID file come from here',
        'CENTRIFUGO_HTTP_API_KEY="from-dotenv"',
        `export CENTRIFUGO_PID_FILE=${pidPath}`,
        // godotenv's expansion of a variable defined above in the same file.
        'CENTRIFUGO_NODE_NAME=dot $' + '{CENTRIFUGO_HTTP_API_KEY}',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'config.toml'), '[http_server]\naddress = "127.0.0.1"\nport = 0\n');
    const node = await startBinary(['-c', 'config.toml'], dir);
    try {
      assert.ok(
        node.logs.some((l) => l.msg === 'environment variables have been loaded from .env file'),
      );
      assert.equal(readFileSync(pidPath, 'utf8'), `${node.child.pid}\n`);
      const info = await fetch(`${node.apiUrl}/info`, {
        method: 'POST',
        headers: { 'X-API-Key': 'from-dotenv' },
        body: '{}',
      });
      assert.equal(info.status, 200);
      const body = (await info.json()) as { result: { nodes: Array<{ name: string }> } };
      assert.equal(body.result.nodes[0]?.name, 'dot from-dotenv');
      node.child.kill('SIGTERM');
      assert.equal(await node.exited, 0);
      assert.equal(existsSync(pidPath), false, 'the PID file is removed at shutdown');
    } finally {
      if (node.child.exitCode === null) node.child.kill('SIGKILL');
    }
  });
});
