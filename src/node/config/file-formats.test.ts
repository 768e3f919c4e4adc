// Config files by extension, as Centrifugo v6.9.1 reads them: JSON, TOML, YAML; any other
// extension (compared case-sensitively, as viper does) is refused naming it, before the file
// is even looked for.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { configText, formatOf } from './file-formats.ts';
import { loadConfig } from './load.ts';

const dir = mkdtempSync(join(tmpdir(), 'cfg-formats-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const TOML = `
[http_api]
key = "from-toml"

[client]
allowed_origins = ["https://a.example"]
ping_interval = "10s"

[[channel.namespaces]]
name = "chat"
history_size = 10
history_ttl = "60s"
`;

describe('config files', () => {
  it('reads TOML, nested tables and arrays of tables included', () => {
    const path = join(dir, 'config.toml');
    writeFileSync(path, TOML);
    const { config } = loadConfig({ file: path, fileRequired: true });
    assert.equal(config.http_api.key, 'from-toml');
    assert.deepEqual(config.client.allowed_origins, ['https://a.example']);
    assert.equal(config.client.ping_interval, '10s');
    assert.equal(config.channel.namespaces[0]?.name, 'chat');
    assert.equal(config.channel.namespaces[0]?.history_size, 10);
  });

  it('names the file and the format when the text is not valid', () => {
    const path = join(dir, 'broken.toml');
    writeFileSync(path, '[http_api\nkey = 1\n');
    assert.throws(() => loadConfig({ file: path }), /broken\.toml is not valid TOML/);
  });

  it('refuses another extension as Centrifugo does, whether or not the file exists', () => {
    for (const name of ['config.JSON', 'config.conf', 'config', 'missing.ini']) {
      const path = join(dir, name);
      if (!name.startsWith('missing')) writeFileSync(path, '{}');
      assert.throws(() => loadConfig({ file: path }), /unsupported config type/);
    }
    // A missing file of a known type only warns, as Centrifugo runs on env and flags.
    const missing = loadConfig({ file: join(dir, 'missing.toml') });
    assert.match(missing.warnings.join(), /not found/);
  });

  it('writes each format so that it reads back the same', () => {
    const value = {
      http_api: { key: 'k' },
      channel: { namespaces: [{ name: 'ns', presence: true }] },
    };
    for (const ext of ['json', 'toml', 'yaml', 'yml']) {
      const path = join(dir, `round.${ext}`);
      const format = formatOf(path);
      assert.ok(format);
      writeFileSync(path, configText(value, format));
      const { config } = loadConfig({ file: path, fileRequired: true });
      assert.equal(config.http_api.key, 'k');
      assert.equal(config.channel.namespaces[0]?.presence, true);
    }
  });
});

describe('websocket.compression_level', () => {
  it('is refused at startup outside -2..9, where Centrifugo logs each connection and keeps 1', () => {
    assert.throws(
      () => loadConfig({ flags: { 'websocket.compression_level': '10' } }),
      /websocket\.compression_level" must be an integer >= -2 and <= 9/,
    );
    assert.equal(
      loadConfig({ flags: { 'websocket.compression_level': '-2' } }).config.websocket
        .compression_level,
      -2,
    );
  });
});
