import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileGlob, GlobError } from './glob.ts';

describe('compileGlob', () => {
  const cases: Array<[string, string, boolean]> = [
    ['*', 'anything:at all', true],
    ['chat:*', 'chat:room', true],
    ['chat:*', 'news:room', false],
    ['user_?', 'user_1', true],
    ['user_?', 'user_12', false],
    ['[ab]x', 'ax', true],
    ['[!ab]x', 'ax', false],
    ['[a-c]x', 'bx', true],
    ['{news,chat}:*', 'chat:1', true],
    ['{news,chat}:*', 'feed:1', false],
    ['a.b', 'axb', false],
    ['\\*', '*', true],
    ['\\*', 'x', false],
  ];
  for (const [pattern, input, expected] of cases) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${input}`, () => {
      assert.equal(compileGlob(pattern).test(input), expected);
    });
  }

  it('rejects malformed patterns', () => {
    assert.throws(() => compileGlob('[ab'), GlobError);
    assert.throws(() => compileGlob('{a,b'), GlobError);
    assert.throws(() => compileGlob('a}'), GlobError);
  });
});
