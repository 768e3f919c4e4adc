// The .env syntax of godotenv 1.5.1, the library Centrifugo v6.9.1 loads .env with: the
// expected values below are what godotenv.Unmarshal returned for the same text.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseDotEnv, withDotEnv } from './dotenv.ts';

const SAMPLE = `# comment
A=plain value # trailing comment
B = "double \\n quoted \${A} \\$A \\x"
C='single $A \\n'
export D=$A-\${B}
E: yaml style
F="with # hash"
G=x#nohash
H=
I="a" J=2
K=$(A)
L=\${UNKNOWN}end
N=  spaced   
export O.P_1=dots
Q="multi
line"
`;

describe('.env files', () => {
  it('parses as godotenv 1.5.1 does', () => {
    assert.deepEqual(Object.fromEntries(parseDotEnv(SAMPLE)), {
      A: 'plain value',
      B: 'double \n quoted plain value $A x',
      C: 'single $A \\n',
      D: 'plain value-double \n quoted plain value $A x',
      E: 'yaml style',
      F: 'with # hash',
      G: 'x#nohash',
      H: '',
      I: 'a',
      J: '2',
      K: 'plain value)',
      L: 'end',
      N: 'spaced',
      'O.P_1': 'dots',
      Q: 'multi\nline',
    });
  });

  it('refuses what godotenv refuses, with its reason', () => {
    assert.throws(() => parseDotEnv("M='it''s'\n"), /unexpected character "'" in variable name/);
    assert.throws(() => parseDotEnv('X="open\n'), /unterminated quoted value/);
  });

  it('adds its variables to the environment without replacing any, even an empty one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dotenv-'));
    try {
      assert.deepEqual(withDotEnv({ A: '1' }, dir), { env: { A: '1' }, loaded: false });
      writeFileSync(join(dir, '.env'), 'A=from-file\nB=from-file\nC=from-file\n');
      const { env, loaded } = withDotEnv({ A: 'set', C: '' }, dir);
      assert.equal(loaded, true);
      assert.deepEqual(env, { A: 'set', B: 'from-file', C: '' });
      writeFileSync(join(dir, '.env'), 'bad-key=1\n');
      assert.throws(() => withDotEnv({}, dir), /error loading \.env file: unexpected character/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
