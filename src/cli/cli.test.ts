import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { parseArgs, UsageError } from './args.ts';
import { runCli } from './index.ts';
import { goDuration } from './tokens.ts';

const dir = mkdtempSync(join(tmpdir(), 'cfgo-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, {});
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('parseArgs', () => {
  it('serves by default and maps -p/-a and dotted keys to config flags', () => {
    const args = parseArgs([
      '-p',
      '9000',
      '-a=127.0.0.1',
      '--http_api.insecure',
      '--log.level',
      'debug',
    ]);
    assert.equal(args.command, 'serve');
    assert.deepEqual(args.configFlags, {
      'http_server.port': '9000',
      'http_server.address': '127.0.0.1',
      'http_api.insecure': true,
      'log.level': 'debug',
    });
  });

  it('rejects unknown commands and flags, naming them', () => {
    assert.throws(() => parseArgs(['serv']), /unknown command "serv"/);
    assert.throws(
      () => parseArgs(['--http_api.keyy=1']),
      (e: Error) => {
        assert.ok(e instanceof UsageError);
        assert.match(e.message, /--http_api\.keyy/);
        return true;
      },
    );
    assert.throws(() => parseArgs(['genconfig', '--http_api.key=1']), UsageError);
    assert.throws(() => parseArgs(['gentoken', '-u']), /needs a value/);
  });

  it('keeps positionals and negative numbers', () => {
    const args = parseArgs(['gentoken', '-u', 'alice', '-t', '-1']);
    assert.equal(args.options.get('ttl'), '-1');
    assert.deepEqual(parseArgs(['checktoken', 'abc.def.ghi']).positionals, ['abc.def.ghi']);
  });
});

describe('goDuration', () => {
  it('prints like Go', () => {
    assert.equal(goDuration(604_800), '168h0m0s');
    assert.equal(goDuration(61), '1m1s');
    assert.equal(goDuration(5), '5s');
  });
});

describe('centrifugo-ts commands', () => {
  const configPath = join(dir, 'config.json');

  it('genconfig writes random secrets, owner-only, and refuses to overwrite', async () => {
    const first = await cli('genconfig', '-c', configPath);
    assert.equal(first.code, 0, first.err);
    const written = JSON.parse(readFileSync(configPath, 'utf8'));
    assert.match(written.http_api.key, /^[A-Za-z0-9_-]{43}$/);
    assert.match(written.client.token.hmac_secret_key, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(written.http_api.key, written.client.token.hmac_secret_key);
    assert.deepEqual(written.client.allowed_origins, []);
    assert.equal(written.admin.enabled, false);
    assert.match(written.admin.password, /^[A-Za-z0-9_-]{22}$/);
    assert.match(written.admin.secret, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(statSync(configPath).mode & 0o777, 0o600);
    const before = readFileSync(configPath, 'utf8');
    const second = await cli('genconfig', '-c', configPath);
    assert.equal(second.code, 1);
    assert.match(second.err, /already exists/);
    assert.equal(readFileSync(configPath, 'utf8'), before);
    const checked = await cli('checkconfig', '-c', configPath);
    assert.equal(checked.code, 0, checked.err);
  });

  it('genconfig writes YAML for a .yaml path, and the node accepts it', async () => {
    const yamlPath = join(dir, 'config.yaml');
    assert.equal((await cli('genconfig', '-c', yamlPath)).code, 0);
    assert.equal(typeof parseYaml(readFileSync(yamlPath, 'utf8')).http_api.key, 'string');
    assert.equal((await cli('checkconfig', '-c', yamlPath)).code, 0);
  });

  it('gentoken and checktoken agree; a tampered token is refused', async () => {
    const gen = await cli('gentoken', '-c', configPath, '-u', 'alice', '-t', '3600');
    assert.equal(gen.code, 0, gen.err);
    const [headline, token] = gen.out.split('\n');
    assert.equal(headline, 'HMACSHA256 token for user "alice" with expiration TTL 1h0m0s:');
    assert.ok(token);
    const check = await cli('checktoken', '-c', configPath, token);
    assert.equal(check.code, 0, check.err);
    assert.match(check.out, /^valid token for user "alice" with expiration TTL (59m5\ds|1h0m0s)$/);
    const tampered = `${token.slice(0, -3)}${token.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    const bad = await cli('checktoken', '-c', configPath, tampered);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /^error: invalid token/);
  });

  it('gentoken -t -1 -q prints a token without expiration', async () => {
    const gen = await cli('gentoken', '-c', configPath, '-u', 'bob', '-t', '-1', '-q');
    assert.equal(gen.code, 0, gen.err);
    assert.doesNotMatch(gen.out, /\s/);
    const check = await cli('checktoken', '-c', configPath, gen.out);
    assert.equal(check.out, 'valid token for user "bob" without expiration');
  });

  it('gensubtoken needs a channel, and checksubtoken reads it back', async () => {
    const missing = await cli('gensubtoken', '-c', configPath, '-u', 'alice');
    assert.equal(missing.code, 1);
    assert.match(missing.err, /-s CHANNEL/);
    const gen = await cli('gensubtoken', '-c', configPath, '-u', 'alice', '-s', 'news', '-q');
    assert.equal(gen.code, 0, gen.err);
    const check = await cli('checksubtoken', '-c', configPath, gen.out);
    assert.equal(check.code, 0, check.err);
    assert.match(check.out, /user "alice" and channel "news"/);
    const asConnection = await cli(
      'checksubtoken',
      '-c',
      configPath,
      (await cli('gentoken', '-c', configPath, '-u', 'x', '-q')).out,
    );
    assert.equal(asConnection.code, 1, 'a connection token has no channel claim');
  });

  it('gentoken without an HMAC secret says how to get one', async () => {
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, '{}');
    const gen = await cli('gentoken', '-c', empty, '-u', 'alice');
    assert.equal(gen.code, 1);
    assert.match(gen.err, /client\.token\.hmac_secret_key.*genconfig/);
  });

  it('checkconfig names an unknown key and a wrong type', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ http_api: { keyy: 'x' } }));
    const unknown = await cli('checkconfig', '-c', bad);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /http_api\.keyy/);
    writeFileSync(bad, JSON.stringify({ http_server: { port: 'eight' } }));
    const wrongType = await cli('checkconfig', '-c', bad);
    assert.equal(wrongType.code, 1);
    assert.match(wrongType.err, /http_server\.port/);
    const missing = await cli('checkconfig', '-c', join(dir, 'nope.json'));
    assert.equal(missing.code, 1);
    assert.match(missing.err, /not found/);
  });

  it('prints the version and the help', async () => {
    assert.match((await cli('version')).out, /^centrifugo-ts \d+\.\d+\.\d+/);
    const help = await cli('--help');
    assert.equal(help.code, 0);
    assert.match(help.out, /gensubtoken/);
  });
});
