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

  it('rejects an unclosed or empty class, as Centrifugo (its glob library) does', () => {
    assert.throws(() => compileGlob('[ab'), GlobError);
    assert.throws(() => compileGlob('['), GlobError);
    assert.throws(() => compileGlob('[]'), GlobError);
  });

  it('reads other malformed patterns as Centrifugo does', () => {
    // Centrifugo v6.9.1 channels: chat:a{b matches chat:ab; *{b matches chat:ab; a} is literal.
    assert.equal(compileGlob('chat:a{b').test('chat:ab'), true);
    assert.equal(compileGlob('{a,b').test('b'), true);
    assert.equal(compileGlob('a}').test('a}'), true);
    assert.equal(compileGlob('*\\').test('anything'), true, 'a trailing escape is dropped');
  });
});
