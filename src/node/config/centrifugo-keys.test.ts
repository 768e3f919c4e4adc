// The checked-in key catalogue is what the real Centrifugo v6.9.1 binary reports now: run
// scripts/centrifugo-config-keys.ts again after a Centrifugo upgrade.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readCentrifugoKeys } from '../../../scripts/centrifugo-config-keys.ts';
import catalogue from './centrifugo-keys.json' with { type: 'json' };
import { isDefaultValue } from './centrifugo-keys.ts';

// Where bench/centrifugo.sh builds it (CI caches the directory); not built from a unit test.
const BINARY = join(homedir(), '.cache', 'centrifugo-ts', 'centrifugo-v6.9.1', 'centrifugo');

describe('the Centrifugo key catalogue', () => {
  it('matches what Centrifugo v6.9.1 itself reports', (t) => {
    if (!existsSync(BINARY)) {
      t.skip(`no Centrifugo binary at ${BINARY} (bash bench/centrifugo.sh builds it)`);
      return;
    }
    assert.deepEqual(readCentrifugoKeys(BINARY), catalogue);
  });

  it('takes a zero value, or stream for the two keys where "" means stream, as the default', () => {
    assert.ok(isDefaultValue('Duration', '1m0s', '60s'));
    assert.ok(isDefaultValue('Duration', '1m0s', 60e9), 'a number is nanoseconds, as Go reads it');
    assert.ok(isDefaultValue('Duration', '1m0s', '0s'), 'zero takes the default in Centrifugo');
    assert.ok(!isDefaultValue('Duration', '1m0s', '61s'));
    assert.ok(isDefaultValue('[]string', null, []));
    assert.ok(!isDefaultValue('[]string', null, ['x']));
    assert.ok(isDefaultValue('string', '', 'stream', 'channel.namespaces[].subscription_type'));
    assert.ok(
      isDefaultValue('string', '', 'stream', 'channel.without_namespace.force_recovery_mode'),
    );
    assert.ok(!isDefaultValue('string', '', 'stream', 'channel.without_namespace.channel_regex'));
  });
});
